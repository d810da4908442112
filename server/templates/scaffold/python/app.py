"""Lambda handlers for {{ plan.project }}: {{ plan.pattern_name }}.

{% for h in plan.handlers -%}
- `{{ h.name }}`: {{ h.purpose }}
{% endfor %}
Logs are JSON lines with a correlation id, traces go to X-Ray and metrics are CloudWatch embedded
metrics. Their settings are the POWERTOOLS_* environment variables in template.yaml.
"""

from __future__ import annotations

{% match plan.pattern -%}
{% when Pattern::Api -%}
{% include "scaffold/python/app/api.py" %}
{% when Pattern::S3Events -%}
{% include "scaffold/python/app/s3.py" %}
{% when Pattern::Fanout -%}
{% include "scaffold/python/app/fanout.py" %}
{% when Pattern::EventBus -%}
{% include "scaffold/python/app/eventbridge.py" %}
{% when Pattern::Workflow -%}
{% include "scaffold/python/app/workflow.py" %}
{% when Pattern::Stream -%}
{% include "scaffold/python/app/kinesis.py" %}
{% when Pattern::Saga -%}
{% include "scaffold/python/app/saga.py" %}
{% when Pattern::Webhook -%}
{% include "scaffold/python/app/webhook.py" %}
{% when Pattern::ScheduledJobs -%}
{% include "scaffold/python/app/scheduled_jobs.py" %}
{% when Pattern::Relational -%}
{% include "scaffold/python/app/relational_api.py" %}
{% when Pattern::StranglerFig -%}
{% include "scaffold/python/app/strangler_fig.py" %}
{% when Pattern::Cqrs -%}
{% include "scaffold/python/app/cqrs.py" %}
{% when Pattern::EventSourcing -%}
{% include "scaffold/python/app/event_sourcing.py" %}
{% when Pattern::RealtimeBroadcast -%}
{% include "scaffold/python/app/realtime_broadcast.py" %}
{% when Pattern::Bff -%}
{% include "scaffold/python/app/bff.py" %}
{% when Pattern::CircuitBreaker -%}
{% include "scaffold/python/app/circuit_breaker.py" %}
{% when _ %}{% endmatch %}

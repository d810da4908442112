"""Behaviour tests for src/app.py against fake AWS services (moto), using the sample events in
events/. Run: python -m pytest"""

from __future__ import annotations

{% match plan.pattern -%}
{% when Pattern::Api -%}
{% include "scaffold/python/tests/api.py" %}
{% when Pattern::S3Events -%}
{% include "scaffold/python/tests/s3.py" %}
{% when Pattern::Fanout -%}
{% include "scaffold/python/tests/fanout.py" %}
{% when Pattern::EventBus -%}
{% include "scaffold/python/tests/eventbridge.py" %}
{% when Pattern::Workflow -%}
{% include "scaffold/python/tests/workflow.py" %}
{% when Pattern::Stream -%}
{% include "scaffold/python/tests/kinesis.py" %}
{% when Pattern::Saga -%}
{% include "scaffold/python/tests/saga.py" %}
{% when Pattern::Webhook -%}
{% include "scaffold/python/tests/webhook.py" %}
{% when Pattern::ScheduledJobs -%}
{% include "scaffold/python/tests/scheduled_jobs.py" %}
{% when Pattern::Relational -%}
{% include "scaffold/python/tests/relational_api.py" %}
{% when Pattern::StranglerFig -%}
{% include "scaffold/python/tests/strangler_fig.py" %}
{% when Pattern::Cqrs -%}
{% include "scaffold/python/tests/cqrs.py" %}
{% when Pattern::EventSourcing -%}
{% include "scaffold/python/tests/event_sourcing.py" %}
{% when Pattern::RealtimeBroadcast -%}
{% include "scaffold/python/tests/realtime_broadcast.py" %}
{% when Pattern::Bff -%}
{% include "scaffold/python/tests/bff.py" %}
{% when Pattern::CircuitBreaker -%}
{% include "scaffold/python/tests/circuit_breaker.py" %}
{% when _ %}{% endmatch %}

/**
 * Tests of the handlers' behaviour, without AWS: `npm test` compiles them (tsconfig.test.json)
 * and runs them with node --test. The AWS clients are replaced by the in-memory ones below.
 */
import "./setup";
import assert from "node:assert/strict";
import { test } from "node:test";
{% match plan.pattern -%}
{% when Pattern::Api -%}
{% include "scaffold/typescript/tests/api.ts" %}
{%- when Pattern::S3Events -%}
{% include "scaffold/typescript/tests/s3.ts" %}
{%- when Pattern::Fanout -%}
{% include "scaffold/typescript/tests/fanout.ts" %}
{%- when Pattern::EventBus -%}
{% include "scaffold/typescript/tests/eventbus.ts" %}
{%- when Pattern::Workflow -%}
{% include "scaffold/typescript/tests/workflow.ts" %}
{%- when Pattern::Stream -%}
{% include "scaffold/typescript/tests/stream.ts" %}
{%- when Pattern::Saga -%}
{% include "scaffold/typescript/tests/saga.ts" %}
{%- when Pattern::Webhook -%}
{% include "scaffold/typescript/tests/webhook.ts" %}
{%- when Pattern::ScheduledJobs -%}
{% include "scaffold/typescript/tests/scheduled_jobs.ts" %}
{%- when Pattern::Relational -%}
{% include "scaffold/typescript/tests/relational_api.ts" %}
{%- when Pattern::StranglerFig -%}
{% include "scaffold/typescript/tests/strangler_fig.ts" %}
{%- when Pattern::EventSourcing -%}
{% include "scaffold/typescript/tests/event_sourcing.ts" %}
{%- when Pattern::RealtimeBroadcast -%}
{% include "scaffold/typescript/tests/realtime_broadcast.ts" %}
{%- when Pattern::Bff -%}
{% include "scaffold/typescript/tests/bff.ts" %}
{%- when Pattern::CircuitBreaker -%}
{% include "scaffold/typescript/tests/circuit_breaker.ts" %}
{%- when Pattern::Cqrs -%}
{% include "scaffold/typescript/tests/cqrs.ts" %}
{%- when _ %}{%- endmatch %}

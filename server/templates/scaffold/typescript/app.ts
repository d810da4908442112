/**
 * {{ plan.pattern_name }}: the Lambda handlers of {{ plan.project }}.
 *
 * Each exported handler is thin: it reads the event, calls small functions that hold the logic,
 * and reports the result. The logic takes its AWS clients as arguments, so the tests in
 * tests/app.test.ts run it without AWS. Logs are JSON lines with a correlation id, traces go to
 * X-Ray, and metrics are CloudWatch embedded-metric-format lines.
 *
 * Functions (see template.yaml):
{%- for h in plan.handlers %}
 * - `{{ h.name }}` ({{ h.logical_id }}): {{ h.purpose }}
{%- endfor %}
 */
// A handler may be named `process`, so the environment is read from node:process, not the global.
import { env } from "node:process";
{% match plan.pattern -%}
{% when Pattern::Api -%}
import { randomUUID } from "node:crypto";
{% when Pattern::Relational -%}
import { Signer } from "@aws-sdk/rds-signer";
import { Client } from "pg";
{% when Pattern::S3Events | Pattern::Cqrs -%}
import { createHash } from "node:crypto";
{% when Pattern::Webhook -%}
import { {% if plan.fifo.is_some() %}createHash, {% endif %}createHmac, timingSafeEqual } from "node:crypto";
{% when Pattern::CircuitBreaker -%}
import { createHash } from "node:crypto";
{% else -%}
{% endmatch -%}
{% if plan.fifo.is_some() -%}
import { processPartialResponse, SqsFifoPartialProcessorAsync } from "@aws-lambda-powertools/batch";
{% else if self.batch() -%}
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
{% endif -%}
{% if self.idem() -%}
{% if plan.pattern == Pattern::Api || (plan.pattern == Pattern::CircuitBreaker && plan.api.is_some()) -%}
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from "@aws-lambda-powertools/idempotency";
{% else if plan.pattern == Pattern::Webhook || plan.pattern == Pattern::CircuitBreaker -%}
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
{% else -%}
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
{% endif -%}
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
{% endif -%}
import { Logger } from "@aws-lambda-powertools/logger";
import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";
{% if self.dynamodb() -%}
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
{% endif -%}
{% match plan.pattern -%}
{% when Pattern::Api -%}
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type {
{%- if self.iam_auth() %}
  APIGatewayProxyEventV2WithIAMAuthorizer,
{%- else %}
  APIGatewayProxyEventV2WithJWTAuthorizer,
{%- endif %}
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
{% when Pattern::S3Events -%}
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Context, S3Event, S3EventRecord } from "aws-lambda";
{% when Pattern::Fanout -%}
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
{% when Pattern::EventBus -%}
import type { Context, EventBridgeEvent } from "aws-lambda";
{% when Pattern::Workflow -%}
{% if self.approval() -%}
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
{% endif -%}
{% if self.workflow_api() -%}
import { SFNClient, {% if self.approval() %}SendTaskFailureCommand, SendTaskSuccessCommand, {% endif %}StartExecutionCommand } from "@aws-sdk/client-sfn";
{% endif -%}
{% if self.approval() -%}
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
{% endif -%}
{% if self.workflow_api() -%}
import type {
{%- if self.iam_auth() %}
  APIGatewayProxyEventV2WithIAMAuthorizer,
{%- else %}
  APIGatewayProxyEventV2WithJWTAuthorizer,
{%- endif %}
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
{% else -%}
import type { Context } from "aws-lambda";
{% endif -%}
{% when Pattern::Stream -%}
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
{% when Pattern::Saga -%}
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
{% when Pattern::Webhook -%}
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from "aws-lambda";
{% when Pattern::Relational | Pattern::StranglerFig -%}
{% if plan.pattern == Pattern::StranglerFig -%}
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
{% endif -%}
import type {
{%- if self.iam_auth() %}
  APIGatewayProxyEventV2WithIAMAuthorizer,
{%- else %}
  APIGatewayProxyEventV2WithJWTAuthorizer,
{%- endif %}
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
{% when Pattern::EventSourcing -%}
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  type GetCommandOutput,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
} from "@aws-sdk/lib-dynamodb";
import type {
{%- if self.iam_auth() %}
  APIGatewayProxyEventV2WithIAMAuthorizer,
{%- else %}
  APIGatewayProxyEventV2WithJWTAuthorizer,
{%- endif %}
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
{% when Pattern::CircuitBreaker -%}
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
{% if plan.api.is_some() -%}
import type {
{%- if self.iam_auth() %}
  APIGatewayProxyEventV2WithIAMAuthorizer,
{%- else %}
  APIGatewayProxyEventV2WithJWTAuthorizer,
{%- endif %}
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
{% else -%}
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
{% endif -%}
{% when Pattern::RealtimeBroadcast -%}
{% include "scaffold/typescript/imports/realtime_broadcast.ts" %}
{% when Pattern::Bff -%}
import type {
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
{% when Pattern::Cqrs -%}
{% include "scaffold/typescript/imports/cqrs.ts" %}
{% when Pattern::ScheduledJobs -%}
import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
{% if self.job_secret() -%}
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
{% endif -%}
import type { Context } from "aws-lambda";
{% when _ %}{% endmatch %}
/** JSON logs. POWERTOOLS_SERVICE_NAME names the service, POWERTOOLS_LOG_LEVEL sets the level. */
export const logger = new Logger();
/** X-Ray traces (the template turns on active tracing). Responses are never captured. */
export const tracer = new Tracer();
/** CloudWatch metrics in the POWERTOOLS_METRICS_NAMESPACE namespace. */
export const metrics = new Metrics();

/** Reads an environment variable the template sets, failing clearly when it is missing. */
export function requireEnv(name: string): string {
  const value = env[name];
  if (value === undefined || value === "") {
    throw new Error(`environment variable ${name} is not set (template.yaml sets it)`);
  }
  return value;
}

/**
 * Builds a handler on its first call rather than when the module loads, so importing this file
 * (in tests, or to list its exports) needs no environment variables and no AWS clients.
 */
export function lazy<E, R>(build: () => (event: E, context: Context) => Promise<R>): (event: E, context: Context) => Promise<R> {
  let built: ((event: E, context: Context) => Promise<R>) | undefined;
  return (event, context) => {
    built ??= build();
    return built(event, context);
  };
}

/**
 * Wraps a handler with what every invocation needs: the Lambda context and a correlation id on
 * every log line, the event logged when POWERTOOLS_LOGGER_LOG_EVENT is true, an X-Ray
 * subsegment, a cold-start metric, and the metrics flushed at the end.
 */
export function instrument<E, R>(
  name: string,
  correlationId: (event: E) => string | undefined,
  handler: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    logger.setCorrelationId(correlationId(event) ?? context.awsRequestId);
    logger.logEventIfEnabled(event);
    metrics.captureColdStartMetric(name);
    const parent = tracer.getSegment();
    const segment = parent?.addNewSubsegment(`## ${name}`);
    if (segment) tracer.setSegment(segment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    try {
      const result = await handler(event, context);
      tracer.addResponseAsMetadata(result, name);
      return result;
    } catch (error) {
      tracer.addErrorAsMetadata(error as Error);
      logger.error("invocation failed", error as Error);
      throw error;
    } finally {
      // Not every invocation records a metric (a GET, a skipped record); publishing none warns.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      segment?.close();
      if (parent) tracer.setSegment(parent);
      logger.resetKeys();
    }
  };
}

/** Whether a value is a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
{% if self.idem() %}
/** How long a request key is remembered, in seconds (IDEMPOTENCY_TTL_SECONDS, from the review). */
export function idempotencyTtlSeconds(): number {
  const ttl = Number(env.IDEMPOTENCY_TTL_SECONDS ?? "{{ self.ttl() }}");
  return Number.isFinite(ttl) && ttl > 0 ? ttl : {{ self.ttl() }};
}

/**
 * The idempotency records: the DynamoDB table in IDEMPOTENCY_TABLE (partition key `id`, TTL
 * attribute `expiration`). A retried or duplicated request finds its record and gets the first
 * result back instead of repeating the side effect.
 */
export function idempotencyStore(): BasePersistenceLayer {
  return new DynamoDBPersistenceLayer({
    tableName: requireEnv("IDEMPOTENCY_TABLE"),
    awsSdkV3Client: tracer.captureAWSv3Client(new DynamoDBClient({})),
  });
}
{% endif %}
{%- match plan.pattern %}
{%- when Pattern::Api %}
{% include "scaffold/typescript/src/api.ts" %}
{%- when Pattern::S3Events %}
{% include "scaffold/typescript/src/s3.ts" %}
{%- when Pattern::Fanout %}
{% include "scaffold/typescript/src/fanout.ts" %}
{%- when Pattern::EventBus %}
{% include "scaffold/typescript/src/eventbus.ts" %}
{%- when Pattern::Workflow %}
{% include "scaffold/typescript/src/workflow.ts" %}
{%- when Pattern::Stream %}
{% include "scaffold/typescript/src/stream.ts" %}
{%- when Pattern::Saga %}
{% include "scaffold/typescript/src/saga.ts" %}
{%- when Pattern::Webhook %}
{% include "scaffold/typescript/src/webhook.ts" %}
{%- when Pattern::ScheduledJobs %}
{% include "scaffold/typescript/src/scheduled_jobs.ts" %}
{%- when Pattern::Relational %}
{% include "scaffold/typescript/src/relational_api.ts" %}
{%- when Pattern::StranglerFig %}
{% include "scaffold/typescript/src/strangler_fig.ts" %}
{%- when Pattern::EventSourcing %}
{% include "scaffold/typescript/src/event_sourcing.ts" %}
{%- when Pattern::RealtimeBroadcast %}
{% include "scaffold/typescript/src/realtime_broadcast.ts" %}
{%- when Pattern::Bff %}
{% include "scaffold/typescript/src/bff.ts" %}
{%- when Pattern::CircuitBreaker %}
{% include "scaffold/typescript/src/circuit_breaker.ts" %}
{%- when Pattern::Cqrs %}
{% include "scaffold/typescript/src/cqrs.ts" %}
{%- when _ %}{%- endmatch %}

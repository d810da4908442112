/**
 * Test setup, imported first by every test file: environment for running the handlers outside
 * Lambda (no tracing, no metrics output, quiet logs, no AWS calls), a Lambda context, the sample
 * events in events/{% if self.idem() %}, and an in-memory idempotency store{% endif %}.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
{%- if self.idem() %}
import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError } from "@aws-lambda-powertools/idempotency";
import { BasePersistenceLayer, type IdempotencyRecord } from "@aws-lambda-powertools/idempotency/persistence";
{%- endif %}
import type { Context } from "aws-lambda";

process.env.POWERTOOLS_SERVICE_NAME ??= "{{ plan.project }}";
process.env.POWERTOOLS_METRICS_NAMESPACE ??= "{{ plan.project }}";
process.env.POWERTOOLS_TRACE_ENABLED = "false";
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
// Set POWERTOOLS_LOG_LEVEL=DEBUG to see the handlers' logs while testing.
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
process.env.AWS_REGION ??= "us-east-1";

/** The project root: tests run from build/tests/. */
export const root = resolve(__dirname, "..", "..");

/** Reads a sample event from events/<name>.json, a fresh copy each time. */
export function loadEvent<T>(name: string): T {
  return JSON.parse(readFileSync(resolve(root, "events", `${name}.json`), "utf8")) as T;
}

/** A Lambda context for calling handlers directly. */
export const context: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: "{{ plan.project }}-test",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:{{ plan.project }}-test",
  memoryLimitInMB: "{{ plan.function.memory_mb }}",
  awsRequestId: "00000000-0000-4000-8000-000000000000",
  logGroupName: "/aws/lambda/{{ plan.project }}-test",
  logStreamName: "test",
  getRemainingTimeInMillis: () => {{ plan.function.timeout_s }}000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};
{%- if self.idem() %}

/**
 * The idempotency store in memory, with the DynamoDB layer's rules: a key can be taken again
 * once its record has expired, or when it is still in progress past its in-progress expiry.
 */
export class MemoryPersistenceLayer extends BasePersistenceLayer {
  /** The records, by idempotency key. */
  readonly records = new Map<string, IdempotencyRecord>();

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const record = this.records.get(idempotencyKey);
    if (!record) throw new IdempotencyItemNotFoundError();
    return record;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.records.get(record.idempotencyKey);
    const stale =
      existing !== undefined &&
      (existing.isExpired() ||
        (existing.getStatus() === "INPROGRESS" &&
          existing.inProgressExpiryTimestamp !== undefined &&
          existing.inProgressExpiryTimestamp < Date.now()));
    if (existing && !stale) {
      throw new IdempotencyItemAlreadyExistsError(`key ${record.idempotencyKey} exists`, existing);
    }
    this.records.set(record.idempotencyKey, record);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.records.set(record.idempotencyKey, record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.records.delete(record.idempotencyKey);
  }
}
{%- endif %}

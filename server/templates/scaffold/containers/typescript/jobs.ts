// The work itself, and the record that keeps a job from running twice.
//
// `processJob` is where your job goes: the starter's version checks the job, works through it
// in steps (stopping between steps when the task is asked to stop){% if self.table() %} and records the result in
// the DynamoDB table TABLE_NAME{% endif %}. Replace its body with your work, keeping the `stop` checks.
{%- if self.idem() %}
//
// Duplicates hurt here, so every job records its id in the idempotency table first
// (`JobRecords`): a job already finished is skipped, a job another task is running is left
// alone, and a job that failed or was interrupted is released so it can run again.
{%- endif %}
{%- if self.idem() %}
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
{%- else if self.table() %}
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
{%- endif %}

import { {% if self.scheduled() %}errorFields, {% endif %}log{% if self.scheduled() %}, withCorrelationId{% endif %} } from "./log";

export class Interrupted extends Error {}
export class InvalidJob extends Error {}

export interface Job {
  id: string;
  steps?: number;
  [key: string]: unknown;
}

export interface JobResult {
  id: string;
  status: "done";
  steps: number;
  finished_at: number;
}

/** Where results go. */
export interface Results {
  record(result: JobResult): Promise<void>;
}

/** Runs one job and returns its result. */
export async function processJob(job: Job, stop: AbortSignal, results?: Results): Promise<JobResult> {
  if (typeof job.id !== "string" || job.id.length === 0) throw new InvalidJob("a job needs an `id` string");
  const steps = job.steps ?? 3;
  if (!Number.isInteger(steps) || steps < 1 || steps > 1000) {
    throw new InvalidJob("`steps` must be an integer from 1 to 1000");
  }
  for (let step = 0; step < steps; step++) {
    if (stop.aborted) throw new Interrupted(`stopped before step ${step + 1} of ${steps}`);
    // Your work goes here, one resumable step at a time.
    log.debug("step", { step: step + 1, of: steps });
  }
  const result: JobResult = { id: job.id, status: "done", steps, finished_at: Math.floor(Date.now() / 1000) };
  await results?.record(result);
  return result;
}
{%- if self.table() %}

export class DynamoResults implements Results {
  private readonly db = DynamoDBDocumentClient.from(new DynamoDBClient({}));

  constructor(private readonly table: string) {}

  async record(result: JobResult): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: result }));
  }
}
{%- endif %}

export type Start = "run" | "done" | "busy";

/** One record per job id: IN_PROGRESS while a task holds it (until its lease ends), COMPLETED after. */
export interface JobRecords {
  start(id: string, leaseS: number): Promise<Start>;
  extend(id: string, leaseS: number): Promise<void>;
  finish(id: string): Promise<void>;
  release(id: string): Promise<void>;
}
{%- if self.idem() %}

export class DynamoJobRecords implements JobRecords {
  private readonly db = DynamoDBDocumentClient.from(new DynamoDBClient({}));

  constructor(
    private readonly table: string,
    private readonly ttlS: number,
  ) {}

  async start(id: string, leaseS: number): Promise<Start> {
    const now = Math.floor(Date.now() / 1000);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { id, status: "IN_PROGRESS", lease_until: now + leaseS, expiration: now + this.ttlS },
          ConditionExpression: "attribute_not_exists(id) OR (#s = :running AND lease_until < :now)",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: { ":running": "IN_PROGRESS", ":now": now },
        }),
      );
      return "run";
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }));
      return out.Item?.status === "COMPLETED" ? "done" : "busy";
    }
  }

  async extend(id: string, leaseS: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id },
        UpdateExpression: "SET lease_until = :until",
        ExpressionAttributeValues: { ":until": Math.floor(Date.now() / 1000) + leaseS },
      }),
    );
  }

  async finish(id: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id },
        UpdateExpression: "SET #s = :done",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":done": "COMPLETED" },
      }),
    );
  }

  async release(id: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { id } }));
  }
}
{%- endif %}
{%- if self.scheduled() %}

/** One scheduled run; the run id is the scheduled time, so a start Scheduler retries is the same run. */
export async function runScheduled(
  runId: string,
  stop: AbortSignal,
  deps: { records?: JobRecords; results?: Results },
): Promise<boolean> {
  const id = `run-${runId}`;
  return withCorrelationId(id, async () => {
    if (deps.records) {
      const state = await deps.records.start(id, {{ self.job_s() }});
      if (state !== "run") {
        log.info("run skipped", { run_id: runId, state });
        return true;
      }
    }
    try {
      const result = await processJob({ id }, stop, deps.results);
      await deps.records?.finish(id);
      log.info("run finished", { run_id: runId, status: result.status });
      return true;
    } catch (err) {
      await deps.records?.release(id);
      log.error("run failed", { run_id: runId, ...errorFields(err) });
      return false;
    }
  });
}
{%- endif %}

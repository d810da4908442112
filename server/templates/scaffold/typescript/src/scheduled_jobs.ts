/** The input EventBridge Scheduler sends each run (template.yaml, JobSchedule's Target.Input). */
export interface SlotEvent {
  schedule_arn?: unknown;
  scheduled_time?: unknown;
  execution_id?: unknown;
  attempt?: unknown;
}

/** One scheduled run: the schedule that fired and the time it was scheduled for. */
export interface Slot {
  schedule: string;
  scheduledTime: string;
  attempt: number;
}

/** An invocation that carries no slot; it fails, and after Lambda's retries goes to the queue. */
export class InvalidSlotError extends Error {
  override name = "InvalidSlotError";
}

/** Reads the slot of an invocation. */
export function parseSlot(event: SlotEvent): Slot {
  if (!isObject(event)) throw new InvalidSlotError("the event is not a JSON object");
  const { schedule_arn: schedule, scheduled_time: scheduledTime, attempt } = event;
  if (typeof schedule !== "string" || schedule === "") {
    throw new InvalidSlotError('the event must carry a non-empty string "schedule_arn"');
  }
  if (typeof scheduledTime !== "string" || Number.isNaN(Date.parse(scheduledTime))) {
    throw new InvalidSlotError(`"scheduled_time" is not an ISO 8601 time: ${JSON.stringify(scheduledTime)}`);
  }
  const n = Number(attempt);
  return { schedule, scheduledTime, attempt: Number.isInteger(n) && n > 0 ? n : 1 };
}

/** The slot's record in the runs table: one per schedule and scheduled time. */
export function runId(slot: Slot): string {
  return `run#${slot.schedule}#${slot.scheduledTime}`;
}

/** The schedule's lock: one per schedule, whatever the time. */
export function lockId(slot: Slot): string {
  return `lock#${slot.schedule}`;
}

/** The runs table, as the handler uses it. */
export interface RunLedger {
  /** Whether the slot already ran to the end. */
  done(slot: Slot): Promise<boolean>;
  /** Takes the schedule's lock until `untilS` (epoch seconds); false while another run holds it. */
  lock(slot: Slot, nowS: number, untilS: number): Promise<boolean>;
  /** The run that holds the schedule's lock, if any. */
  holder(slot: Slot): Promise<string | undefined>;
  /** Records the slot as done, so a late duplicate of it does nothing. */
  complete(slot: Slot, nowS: number, summary: Record<string, unknown>): Promise<void>;
  /** Releases the lock if this slot still holds it. */
  unlock(slot: Slot): Promise<void>;
}

/**
 * The runs table in DynamoDB (RUNS_TABLE): partition key `id`, TTL attribute `expiration`. Every
 * write is conditional, so two invocations cannot both take the lock.
 */
export class DynamoDBRunLedger implements RunLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly ttlS: number,
  ) {}

  async done(slot: Slot): Promise<boolean> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { id: { S: runId(slot) } }, ConsistentRead: true }),
    );
    return out.Item?.status?.S === "COMPLETED";
  }

  async lock(slot: Slot, nowS: number, untilS: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            id: { S: lockId(slot) },
            owner: { S: runId(slot) },
            lease_until: { N: String(untilS) },
            expiration: { N: String(untilS + this.ttlS) },
          },
          ConditionExpression: "attribute_not_exists(id) OR lease_until < :now",
          ExpressionAttributeValues: { ":now": { N: String(nowS) } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async holder(slot: Slot): Promise<string | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { id: { S: lockId(slot) } }, ConsistentRead: true }),
    );
    return out.Item?.owner?.S;
  }

  async complete(slot: Slot, nowS: number, summary: Record<string, unknown>): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: {
          id: { S: runId(slot) },
          status: { S: "COMPLETED" },
          finished_at: { N: String(nowS) },
          summary: { S: JSON.stringify(summary) },
          expiration: { N: String(nowS + this.ttlS) },
        },
      }),
    );
  }

  async unlock(slot: Slot): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: { id: { S: lockId(slot) } },
          ConditionExpression: "#owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: { ":owner": { S: runId(slot) } },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      logger.warn("the lock was no longer ours", { runId: runId(slot) });
    }
  }
}

{%- if self.job_secret() %}
/**
 * The job itself: replace it with your own work (a sync, a report, a clean-up), authenticating
 * with `secret` (never log it). It must finish before the function's timeout; throw to have
 * Lambda retry the slot.
 */
export type Job = (slot: Slot, secret: string) => Promise<Record<string, unknown>>;

/** Logs the slot; replace with the real work. */
export const logJob: Job = async (slot, secret) => {
  logger.info("job ran", { scheduledTime: slot.scheduledTime, attempt: slot.attempt, hasCredentials: secret !== "" });
  return { scheduledTime: slot.scheduledTime };
};

/**
 * Reads the job's credentials from Secrets Manager (JOB_SECRET_ARN) at each run, so a rotation
 * needs no deploy.
 */
export function secretReader(client: SecretsManagerClient, secretId: string): () => Promise<string> {
  return async () => {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!out.SecretString) throw new Error("the job secret is empty");
    return out.SecretString;
  };
}
{%- else %}
/**
 * The job itself: replace it with your own work (a sync, a report, a clean-up). It must finish
 * before the function's timeout; throw to have Lambda retry the slot.
 */
export type Job = (slot: Slot) => Promise<Record<string, unknown>>;

/** Logs the slot; replace with the real work. */
export const logJob: Job = async (slot) => {
  logger.info("job ran", { scheduledTime: slot.scheduledTime, attempt: slot.attempt });
  return { scheduledTime: slot.scheduledTime };
};
{%- endif %}

/** What the `run` handler needs from outside. */
export interface RunDeps {
  ledger: RunLedger;
  job: Job;
{%- if self.job_secret() %}
  /** The job's credentials. */
  secret: () => Promise<string>;
{%- endif %}
  /** The clock, in epoch milliseconds. */
  now?: () => number;
}

/** What a run did: ran the job, found the slot done, or found the previous run still going. */
export interface RunResult {
  status: "completed" | "duplicate" | "running" | "skipped";
  scheduledTime: string;
  result?: Record<string, unknown>;
}

/** A few seconds past the invocation's deadline, for clock skew between Lambda and DynamoDB. */
const LOCK_MARGIN_S = 5;

/**
 * The `run` handler: runs a slot once. A finished slot is a duplicate; a held lock means the
 * previous run is still going. A failure releases the lock and records nothing, so Lambda's retry
 * runs the slot again, and after the retries the invocation goes to the failed-runs queue.
 */
export function runHandler(deps: RunDeps): (event: SlotEvent, context: Context) => Promise<RunResult> {
  const now = deps.now ?? Date.now;
  return async (event, context) => {
    const slot = parseSlot(event);
    if (await deps.ledger.done(slot)) {
      logger.info("duplicate delivery: the slot already ran", { runId: runId(slot) });
      metrics.addMetric("RunsDuplicate", MetricUnit.Count, 1);
      return { status: "duplicate", scheduledTime: slot.scheduledTime };
    }
    const startS = Math.floor(now() / 1000);
    const deadlineS = Math.ceil((now() + context.getRemainingTimeInMillis()) / 1000);
    if (!(await deps.ledger.lock(slot, startS, deadlineS + LOCK_MARGIN_S))) {
      if ((await deps.ledger.holder(slot)) === runId(slot)) {
        // A second delivery of this very slot while its first is still going: not an overlap.
        logger.info("duplicate delivery: the slot is running", { runId: runId(slot) });
        metrics.addMetric("RunsDuplicate", MetricUnit.Count, 1);
        return { status: "running", scheduledTime: slot.scheduledTime };
      }
      logger.warn("skipped: the previous run still holds the lock", { runId: runId(slot) });
      metrics.addMetric("RunsSkipped", MetricUnit.Count, 1);
      return { status: "skipped", scheduledTime: slot.scheduledTime };
    }
    try {
      const result = await deps.job(slot{% if self.job_secret() %}, await deps.secret(){% endif %});
      await deps.ledger.complete(slot, Math.floor(now() / 1000), result);
      metrics.addMetric("RunsCompleted", MetricUnit.Count, 1);
      return { status: "completed", scheduledTime: slot.scheduledTime, result };
    } finally {
      await deps.ledger.unlock(slot);
    }
  };
}

/** Lambda entry point (Handler: app.run). */
export const run = instrument(
  "run",
  (event: SlotEvent) => (typeof event.execution_id === "string" ? event.execution_id : undefined),
  lazy(() =>
    runHandler({
      ledger: new DynamoDBRunLedger(
        tracer.captureAWSv3Client(new DynamoDBClient({})),
        requireEnv("RUNS_TABLE"),
        Number(requireEnv("RUN_RECORD_TTL_SECONDS")),
      ),
      job: logJob,
{%- if self.job_secret() %}
      secret: secretReader(tracer.captureAWSv3Client(new SecretsManagerClient({})), requireEnv("JOB_SECRET_ARN")),
{%- endif %}
    }),
  ),
);

// The queue worker: takes one job at a time from QUEUE_URL with long polling, runs it, and
// deletes the message only after the job succeeded.
//
// - While a job runs, a heartbeat extends the message's visibility (VISIBILITY_TIMEOUT_S,
//   {{ self.visibility_s() }} s) every half of it, so no other task takes a job that is still running.
// - A failed job's message comes back after a short backoff; after the queue's maxReceiveCount
//   it moves to the dead-letter queue. A job that can never succeed (`InvalidJob`) comes back at once.
// - On SIGTERM the worker takes no new job. Fargate allows 120 s before it kills the task; a job
//   that stops early (`Interrupted`) is handed back at once (visibility 0) for another task.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";

import { Interrupted, InvalidJob, type Job, {% if self.idem() %}type JobRecords, {% endif %}processJob, type Results } from "./jobs";
import { errorFields, log, withCorrelationId } from "./log";

export interface Message {
  id: string;
  receipt: string;
  body: string;
  receives: number;
  correlationId?: string;
}

/** The queue calls the worker makes. */
export interface Queue {
  receive(waitS: number): Promise<Message[]>;
  remove(m: Message): Promise<void>;
  setVisibility(m: Message, seconds: number): Promise<void>;
}

export class SqsQueue implements Queue {
  private readonly sqs = new SQSClient({});

  constructor(private readonly url: string) {}

  async receive(waitS: number): Promise<Message[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.url,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: waitS,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        MessageAttributeNames: ["correlation_id"],
      }),
    );
    return (out.Messages ?? []).map((m) => ({
      id: m.MessageId ?? "",
      receipt: m.ReceiptHandle ?? "",
      body: m.Body ?? "",
      receives: Number(m.Attributes?.ApproximateReceiveCount ?? "1"),
      correlationId: m.MessageAttributes?.correlation_id?.StringValue,
    }));
  }

  async remove(m: Message): Promise<void> {
    await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.url, ReceiptHandle: m.receipt }));
  }

  async setVisibility(m: Message, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: this.url, ReceiptHandle: m.receipt, VisibilityTimeout: seconds }),
    );
  }
}

export class Worker {
  constructor(
    private readonly queue: Queue,
    private readonly visibilityS: number,
    private readonly stop: AbortSignal,
{%- if self.idem() %}
    private readonly records: JobRecords,
{%- endif %}
    private readonly results?: Results,
    private readonly waitS = 20,
  ) {}

  async run(): Promise<void> {
    log.info("worker started");
    while (!this.stop.aborted) {
      try {
        await this.pollOnce();
      } catch (err) {
        log.error("poll failed", errorFields(err));
        await new Promise((r) => setTimeout(r, 5000));
      }
    }
    log.info("worker stopped");
  }

  /** Receives at most one message and handles it; returns how many were received. */
  async pollOnce(): Promise<number> {
    const messages = await this.queue.receive(this.waitS);
    for (const m of messages) {
      await withCorrelationId(m.correlationId ?? m.id, () => this.handle(m));
    }
    return messages.length;
  }

  async handle(m: Message): Promise<void> {
    let job: Job;
    try {
      const parsed: unknown = JSON.parse(m.body);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new InvalidJob("not an object");
      job = { id: m.id, ...(parsed as Record<string, unknown>) } as Job;
    } catch {
      log.error("invalid job: not a JSON object", { message_id: m.id });
      return this.queue.setVisibility(m, 0);
    }
    const jobId = String(job.id);
{%- if self.idem() %}
    const state = await this.records.start(jobId, this.visibilityS);
    if (state === "done") {
      log.info("duplicate of a finished job: dropped", { job_id: jobId });
      return this.queue.remove(m);
    }
    if (state === "busy") {
      log.info("job running elsewhere: left for later", { job_id: jobId });
      return;
    }
{%- endif %}
    const heartbeat = setInterval(() => {
      this.queue.setVisibility(m, this.visibilityS){% if self.idem() %}
        .then(() => this.records.extend(jobId, this.visibilityS)){% endif %}
        .catch((err: unknown) => log.error("could not extend the job's visibility", { job_id: jobId, ...errorFields(err) }));
    }, (this.visibilityS * 1000) / 2);
    try {
      log.info("job started", { job_id: jobId, receive: m.receives });
      const result = await processJob(job, this.stop, this.results);
      clearInterval(heartbeat);
{%- if self.idem() %}
      await this.records.finish(jobId);
{%- endif %}
      await this.queue.remove(m);
      log.info("job finished", { job_id: jobId, status: result.status });
    } catch (err) {
      clearInterval(heartbeat);
{%- if self.idem() %}
      await this.records.release(jobId);
{%- endif %}
      if (err instanceof Interrupted) {
        log.warn("job interrupted: handed back", { job_id: jobId });
        return this.queue.setVisibility(m, 0);
      }
      log.error("job failed", { job_id: jobId, receive: m.receives, ...errorFields(err) });
      // An invalid job fails the same way every time: let it reach the dead-letter queue now.
      await this.queue.setVisibility(m, err instanceof InvalidJob ? 0 : Math.min(60 * m.receives, 900));
    }
  }
}

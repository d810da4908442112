/** An event published to the topic; with raw message delivery it is the SQS message body. */
export interface Message {
  type: string;
  id: string;
  [field: string]: unknown;
}

/** A message the function cannot handle; retrying will not help, so it ends in the DLQ. */
export class InvalidMessageError extends Error {
  override name = "InvalidMessageError";
}

/** Reads a message body: a JSON object with string `type` and `id`. */
export function parseMessage(body: string): Message {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidMessageError("the message body is not JSON");
  }
  if (!isObject(value)) throw new InvalidMessageError("the message body is not a JSON object");
  const { type, id } = value;
  if (typeof type !== "string" || type === "") throw new InvalidMessageError('"type" must be a non-empty string');
  if (typeof id !== "string" || id === "") throw new InvalidMessageError('"id" must be a non-empty string');
  return { ...value, type, id };
}

/** Where a subscriber's work goes. The defaults log; replace them with your own side effect. */
export type Sink = (message: Message) => Promise<void>;

/** What a subscriber handler needs from outside. */
export interface SubscriberDeps {
  sink: Sink;
{%- if self.idem() %}
  idempotency: BasePersistenceLayer;
{%- endif %}
}

/**
 * A subscriber handler: each message of the batch goes through `handle`; the messages that
 * failed are reported in `batchItemFailures`, so only they return to the queue (and after
 * maxReceiveCount receives, to the dead-letter queue).
 */
export function subscriberHandler(
  name: string,
  deps: SubscriberDeps,
  accepts: (message: Message) => boolean,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
{%- if plan.fifo.is_some() %}
  // FIFO queues: after the first message that fails, every later message of the batch is
  // reported failed too, so none of them is handled ahead of the one it follows.
  const processor = new SqsFifoPartialProcessorAsync();
{%- else %}
  const processor = new BatchProcessor(EventType.SQS);
{%- endif %}
  const handleMessage = async (message: Message): Promise<void> => {
    if (!accepts(message)) {
      logger.info("message not for this subscriber; skipped", { type: message.type, eventId: message.id });
      return;
    }
    await deps.sink(message);
    metrics.addMetric(`${name}Handled`, MetricUnit.Count, 1);
  };
{%- if self.idem() %}
  // SNS and SQS deliver at least once: the same message (the whole body) is handled once per
  // subscriber.
  const config = new IdempotencyConfig({ expiresAfterSeconds: idempotencyTtlSeconds() });
  const handleOnce = makeIdempotent(handleMessage, {
    persistenceStore: deps.idempotency,
    config,
    keyPrefix: name,
  });
{%- else %}
  // Duplicates are harmless for this workload, so a redelivered message is handled again.
  const handleOnce = handleMessage;
{%- endif %}
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    logger.appendKeys({ message_id: record.messageId });
    try {
      await handleOnce(parseMessage(record.body));
    } catch (error) {
      logger.error("message failed", error as Error);
      throw error;
    } finally {
      logger.removeKeys(["message_id"]);
    }
  };
  return async (event, context) => {
{%- if self.idem() %}
    config.registerLambdaContext(context);
{%- endif %}
    return processPartialResponse(event, recordHandler, processor, { context });
  };
}

/** Records every event: here, a structured audit log line. */
export const auditSink: Sink = async (message) => {
  logger.info("audit", { type: message.type, eventId: message.id });
};

/** Acts on created events: here, a log line where a notification would be sent. */
export const notifySink: Sink = async (message) => {
  logger.info("notify", { type: message.type, eventId: message.id });
};

/** Only `created` events concern `notify`; its subscription filter policy already asks for them. */
export const isCreated = (message: Message): boolean => message.type === "created";

const firstMessageId = (event: SQSEvent): string | undefined => event.Records?.[0]?.messageId;

/** Lambda entry point (Handler: app.audit). */
export const audit = instrument(
  "audit",
  firstMessageId,
  lazy(() => subscriberHandler("Audit", { sink: auditSink{% if self.idem() %}, idempotency: idempotencyStore(){% endif %} }, () => true)),
);

/** Lambda entry point (Handler: app.notify). */
export const notify = instrument(
  "notify",
  firstMessageId,
  lazy(() => subscriberHandler("Notify", { sink: notifySink{% if self.idem() %}, idempotency: idempotencyStore(){% endif %} }, isCreated)),
);

/** The header that carries the sender's signature: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const SIGNATURE_HEADER = "x-signature";

/** The body exactly as the sender sent it: signatures are over these bytes. */
export function rawBody(event: APIGatewayProxyEventV2): Buffer {
  const body = event.body ?? "";
  return event.isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body, "utf8");
}

/** The signature a sender with `secret` puts in the x-signature header for `body`. */
export function sign(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Whether `header` is the right signature of `body`, compared in constant time. */
export function verifySignature(body: Buffer, header: string | undefined, secret: string): boolean {
  if (header === undefined || !/^sha256=[0-9a-fA-F]{64}$/.test(header.trim())) return false;
  const given = Buffer.from(header.trim().slice("sha256=".length).toLowerCase(), "hex");
  const expected = createHmac("sha256", secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Sends a body to the work queue: SQS in Lambda, an array in the tests. The correlation id
 * (the API request id) travels as a message attribute, so the worker's logs carry it too.
 */
export type Enqueue = (body: string, correlationId: string | undefined{% if plan.fifo.is_some() %}, order: FifoIds{% endif %}) => Promise<void>;
{%- if let Some(fifo) = plan.fifo %}

/** A webhook's place in the FIFO queue: its message group and deduplication id. */
export interface FifoIds {
  groupId: string;
  deduplicationId: string;
}
{%- if fifo.global %}

/** Every webhook goes to this one message group: one strict order for all of them. */
export const MESSAGE_GROUP = env.MESSAGE_GROUP ?? "{{ fifo.global_group }}";
{%- else %}

/** The top-level field of a webhook that names the entity whose events stay in order. */
export const orderKeyField = (): string => env.ORDER_KEY_FIELD ?? "{{ fifo.group_field }}";
{%- endif %}

/** SHA-256 in hex: any key or id becomes a valid 64-character FIFO group or deduplication id. */
export function digest(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

/** A webhook that cannot be queued in order; the sender gets 400 with its message. */
export class UnorderableWebhookError extends Error {
  override name = "UnorderableWebhookError";
}

/**
 * The webhook's message group and deduplication id (from its "id", so the FIFO queue drops a
 * sender's retry sent within 5 minutes). Throws UnorderableWebhookError when the body lacks what
 * its order needs: it is refused rather than queued out of order.
 */
export function fifoIds(body: string): FifoIds {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    throw new UnorderableWebhookError("the body must be JSON");
  }
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    throw new UnorderableWebhookError("the webhook must be a JSON object");
  }
  const fields = message as Record<string, unknown>;
  const id = fields.id;
  if (typeof id !== "string" || id === "") {
    throw new UnorderableWebhookError('the webhook must have a non-empty string "id"');
  }
{%- if fifo.global %}
  return { groupId: MESSAGE_GROUP, deduplicationId: digest(id) };
{%- else %}
  const field = orderKeyField();
  const key = fields[field];
  if (!((typeof key === "string" && key !== "") || typeof key === "number")) {
    throw new UnorderableWebhookError(`the webhook has no string "${field}": its events could not be kept in order`);
  }
  return { groupId: digest(String(key)), deduplicationId: digest(id) };
{%- endif %}
}
{%- endif %}

/** The SQS message attribute that carries the correlation id. */
export const CORRELATION_ATTRIBUTE = "correlation_id";

/** What the `receive` handler needs from outside. */
export interface ReceiveDeps {
  /** The signing secret (the secret string in SIGNING_SECRET_ARN). */
  secret: () => Promise<string>;
  enqueue: Enqueue;
}

/**
 * The `receive` handler: 401 unless the body is signed with the shared secret, else the body
 * goes to the queue and the sender gets 202 at once. Nothing unsigned reaches the queue.
 */
export function receiveHandler(deps: ReceiveDeps): (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    const body = rawBody(event);
    const header = event.headers?.[SIGNATURE_HEADER];
    if (!verifySignature(body, header, await deps.secret())) {
      metrics.addMetric("WebhooksRejected", MetricUnit.Count, 1);
      logger.warn("rejected: missing or bad signature", { hasSignature: header !== undefined });
      return { statusCode: 401, headers: { "content-type": "application/json" }, body: '{"message":"bad signature"}' };
    }
{%- if plan.fifo.is_some() %}
    let order: FifoIds;
    try {
      order = fifoIds(body.toString("utf8"));
    } catch (error) {
      if (!(error instanceof UnorderableWebhookError)) throw error;
      metrics.addMetric("WebhooksWithoutOrderKey", MetricUnit.Count, 1);
      logger.warn("refused: the webhook cannot be queued in order", { reason: error.message });
      return { statusCode: 400, headers: { "content-type": "application/json" }, body: JSON.stringify({ message: error.message }) };
    }
    await deps.enqueue(body.toString("utf8"), event.requestContext?.requestId, order);
{%- else %}
    await deps.enqueue(body.toString("utf8"), event.requestContext?.requestId);
{%- endif %}
    metrics.addMetric("WebhooksAccepted", MetricUnit.Count, 1);
    return { statusCode: 202, headers: { "content-type": "application/json" }, body: '{"message":"accepted"}' };
  };
}

/** How long a fetched secret is used before it is read again, so a rotation takes effect. */
export const SECRET_CACHE_MS = 5 * 60 * 1000;

/** Reads the signing secret from Secrets Manager, kept for SECRET_CACHE_MS between reads. */
export function cachedSecret(client: SecretsManagerClient, secretId: string): () => Promise<string> {
  let cached: { value: string; until: number } | undefined;
  return async () => {
    if (cached && cached.until > Date.now()) return cached.value;
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!out.SecretString) throw new Error("the signing secret has no SecretString");
    cached = { value: out.SecretString, until: Date.now() + SECRET_CACHE_MS };
    return cached.value;
  };
}

/** Sends to the SQS queue in `queueUrl`. */
export function sqsEnqueue(client: SQSClient, queueUrl: string): Enqueue {
  return async (body, correlationId{% if plan.fifo.is_some() %}, order{% endif %}) => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
{%- if plan.fifo.is_some() %}
        MessageGroupId: order.groupId,
        MessageDeduplicationId: order.deduplicationId,
{%- endif %}
        MessageAttributes: correlationId
          ? { [CORRELATION_ATTRIBUTE]: { DataType: "String", StringValue: correlationId } }
          : undefined,
      }),
    );
  };
}

/** A queued webhook payload: any JSON value the sender signed. */
export type Payload = unknown;

/** A queued message the worker cannot read; it fails, and after maxReceiveCount goes to the DLQ. */
export class InvalidPayloadError extends Error {
  override name = "InvalidPayloadError";
}

/** Reads a queued body: JSON. */
export function parsePayload(body: string): Payload {
  try {
    return JSON.parse(body) as Payload;
  } catch {
    throw new InvalidPayloadError("the queued body is not JSON");
  }
}

/** Where the work goes. The default logs; replace it with your own side effect. */
export type Sink = (payload: Payload, record: SQSRecord) => Promise<void>;

/** What the `work` handler needs from outside. */
export interface WorkDeps {
  sink: Sink;
{%- if self.idem() %}
  idempotency: BasePersistenceLayer;
{%- endif %}
}

/**
 * The `work` handler: each queued message goes through the sink; the messages that failed are
 * reported in `batchItemFailures`, so only they return to the queue.
 */
export function workHandler(deps: WorkDeps): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
{%- if plan.fifo.is_some() %}
  // FIFO: after the first message that fails, every later message of the batch is reported
  // failed too, so none of them is handled ahead of the one it follows.
  const processor = new SqsFifoPartialProcessorAsync();
{%- else %}
  const processor = new BatchProcessor(EventType.SQS);
{%- endif %}
  const handleMessage = async (record: SQSRecord): Promise<void> => {
    await deps.sink(parsePayload(record.body), record);
    metrics.addMetric("WebhooksProcessed", MetricUnit.Count, 1);
  };
{%- if self.idem() %}
  // Senders retry, and SQS delivers at least once: the same body is processed once.
  const config = new IdempotencyConfig({ eventKeyJmesPath: "body", expiresAfterSeconds: idempotencyTtlSeconds() });
  const handleOnce = makeIdempotent(handleMessage, { persistenceStore: deps.idempotency, config });
{%- else %}
  // Duplicates are harmless for this workload, so a redelivered message is processed again.
  const handleOnce = handleMessage;
{%- endif %}
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const batchCorrelationId = logger.getCorrelationId();
    logger.appendKeys({ message_id: record.messageId });
    logger.setCorrelationId(record.messageAttributes?.[CORRELATION_ATTRIBUTE]?.stringValue ?? record.messageId);
    try {
      await handleOnce(record);
    } catch (error) {
{%- if self.idem() %}
      if (error instanceof IdempotencyAlreadyInProgressError) {
        // Another invocation is handling a copy of this body right now (the sender retried, or
        // SQS delivered twice). That copy stays in the queue until it succeeds and comes back if
        // it fails, so this one is done, not failed: failing it would make a batch of one fail
        // the whole invocation and set off the Errors alarm.
        logger.info("a copy of this message is being handled elsewhere: skipped");
        return;
      }
{%- endif %}
      logger.error("message failed", error as Error);
      throw error;
    } finally {
      logger.removeKeys(["message_id"]);
      logger.setCorrelationId(batchCorrelationId);
    }
  };
  return async (event, context) => {
{%- if self.idem() %}
    config.registerLambdaContext(context);
{%- endif %}
    return processPartialResponse(event, recordHandler, processor, { context });
  };
}

/** Logs the message; replace with the real work. */
export const logSink: Sink = async (_payload, record) => {
  logger.info("webhook processed", { messageId: record.messageId });
};

/** Lambda entry point (Handler: app.receive). */
export const receive = instrument(
  "receive",
  (event: APIGatewayProxyEventV2) => event.requestContext?.requestId,
  lazy(() =>
    receiveHandler({
      secret: cachedSecret(tracer.captureAWSv3Client(new SecretsManagerClient({})), requireEnv("SIGNING_SECRET_ARN")),
      enqueue: sqsEnqueue(tracer.captureAWSv3Client(new SQSClient({})), requireEnv("QUEUE_URL")),
    }),
  ),
);

/** Lambda entry point (Handler: app.work). */
export const work = instrument(
  "work",
  (event: SQSEvent) => event.Records?.[0]?.messageId,
  lazy(() => workHandler({ sink: logSink{% if self.idem() %}, idempotency: idempotencyStore(){% endif %} })),
);

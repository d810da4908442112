/** Settings from template.yaml, read once per cold start. */
export interface Settings {
  shards: number;
  ordered: boolean;
  maxMessageBytes: number;
  connectionTtlSeconds: number;
  replayPage: number;
  postsInFlight: number;
  replayWindowSeconds: number;
}

export function settingsFromEnv(): Settings {
  const num = (name: string, fallback: number): number => {
    const value = Number(env[name] ?? fallback);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    shards: num("SHARDS", 1),
    ordered: env.ORDERED === "true",
    maxMessageBytes: num("MAX_MESSAGE_BYTES", 32768),
    connectionTtlSeconds: num("CONNECTION_TTL_SECONDS", 8100),
    replayPage: num("REPLAY_PAGE", 100),
    postsInFlight: num("POSTS_IN_FLIGHT", 25),
    replayWindowSeconds: num("REPLAY_WINDOW_SECONDS", 7200),
  };
}

/** Channel names end up in keys and message groups: letters, digits and a few separators. */
const CHANNEL = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The shard a connection's subscriptions live in: the same for every channel it joins. */
export function shardOf(connectionId: string, shards: number): number {
  let sum = 0;
  for (const byte of Buffer.from(connectionId)) sum += byte;
  return sum % Math.max(shards, 1);
}

export const subscriptionKey = (channel: string, shard: number): string => `conn#${channel}#${shard}`;
export const logKey = (channel: string): string => `log#${channel}`;

/** A logged message, for a client catching up. */
export interface Logged {
  cursor: string;
  data: unknown;
}

/** ChannelsTable: subscriptions per channel shard, and each channel's recent messages. */
export interface Channels {
  subscribe(connectionId: string, channel: string, shard: number, expiresAt: number): Promise<void>;
  /** Deletes every subscription of a connection; returns how many there were. */
  forget(connectionId: string): Promise<number>;
  missed(channel: string, since: string, limit: number): Promise<{ items: Logged[]; more: boolean }>;
  log(channel: string, cursor: string, data: unknown, expiresAt: number): Promise<void>;
  /** The connection ids of one shard of a channel, a page at a time. */
  connections(channel: string, shard: number): AsyncIterable<string[]>;
  unsubscribe(channel: string, shard: number, connectionId: string): Promise<void>;
}

/** The broadcast queue. */
export interface BroadcastQueue {
  send(body: unknown, group?: string, deduplicationId?: string): Promise<void>;
}

/** The stage's @connections API: "gone" when the connection answered 410. */
export interface Poster {
  post(connectionId: string, frame: string): Promise<"posted" | "gone">;
}

export function dynamoChannels(tableName: string, client: DynamoDBClient): Channels {
  const documents = DynamoDBDocumentClient.from(client);
  return {
    async subscribe(connectionId, channel, shard, expiresAt) {
      await documents.send(
        new PutCommand({ TableName: tableName, Item: { pk: subscriptionKey(channel, shard), sk: connectionId, connectionId, channel, expiresAt } }),
      );
    },
    async forget(connectionId) {
      const out = await documents.send(
        new QueryCommand({ TableName: tableName, IndexName: "byConnection", KeyConditionExpression: "connectionId = :c", ExpressionAttributeValues: { ":c": connectionId } }),
      );
      const items = out.Items ?? [];
      for (const item of items) await documents.send(new DeleteCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk } }));
      return items.length;
    },
    async missed(channel, since, limit) {
      const out = await documents.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk AND sk > :since",
          ExpressionAttributeValues: { ":pk": logKey(channel), ":since": since },
          Limit: limit,
        }),
      );
      const items = (out.Items ?? []).map((i) => ({ cursor: String(i.sk), data: JSON.parse(String(i.data)) as unknown }));
      return { items, more: out.LastEvaluatedKey !== undefined };
    },
    async log(channel, cursor, data, expiresAt) {
      await documents.send(new PutCommand({ TableName: tableName, Item: { pk: logKey(channel), sk: cursor, data: JSON.stringify(data), expiresAt } }));
    },
    async *connections(channel, shard) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await documents.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": subscriptionKey(channel, shard) },
            ExclusiveStartKey: start,
          }),
        );
        yield (out.Items ?? []).map((i) => String(i.sk));
        start = out.LastEvaluatedKey;
      } while (start);
    },
    async unsubscribe(channel, shard, connectionId) {
      await documents.send(new DeleteCommand({ TableName: tableName, Key: { pk: subscriptionKey(channel, shard), sk: connectionId } }));
    },
  };
}

export function sqsBroadcastQueue(queueUrl: string, client: SQSClient): BroadcastQueue {
  return {
    async send(body, group, deduplicationId) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body), MessageGroupId: group, MessageDeduplicationId: deduplicationId }));
    },
  };
}

export function managementPoster(client: ApiGatewayManagementApiClient): Poster {
  return {
    async post(connectionId, frame) {
      try {
        await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(frame) }));
        return "posted";
      } catch (error) {
        if (error instanceof GoneException) return "gone";
        throw error;
      }
    },
  };
}

/** A route's answer: API Gateway sends the body back to the client as one frame. */
function reply(body: unknown, statusCode = 200): APIGatewayProxyResultV2 {
  return { statusCode, body: JSON.stringify(body) };
}

const ACTIONS = "subscribe, sendmessage or ping";

function bodyOf(event: APIGatewayProxyWebsocketEventV2): Record<string, unknown> | undefined {
  try {
    const body: unknown = JSON.parse(event.body ?? "{}");
    return isObject(body) ? body : undefined;
  } catch {
    return undefined;
  }
}

/** The WebSocket routes: $connect, $disconnect, subscribe, sendmessage, ping and $default. */
export function connectionsHandler(
  channels: Channels,
  queue: BroadcastQueue,
  settings: Settings,
  now: () => number = () => Math.floor(Date.now() / 1000),
): (event: APIGatewayProxyWebsocketEventV2, context: Context) => Promise<APIGatewayProxyResultV2> {
  return async (event) => {
    const { connectionId, routeKey, requestId } = event.requestContext;
    const shard = shardOf(connectionId, settings.shards);
    const expiresAt = (): number => now() + settings.connectionTtlSeconds;
    if (routeKey === "$connect") {
      const query = (event as { queryStringParameters?: Record<string, string | undefined> }).queryStringParameters;
      const channel = query?.channel;
      if (channel !== undefined) {
        if (!CHANNEL.test(channel)) return reply({ type: "error", message: "bad channel name" }, 400);
        await channels.subscribe(connectionId, channel, shard, expiresAt());
      }
      metrics.addMetric("Connections", MetricUnit.Count, 1);
      return { statusCode: 200 };
    }
    if (routeKey === "$disconnect") {
      logger.info("disconnected", { subscriptions: await channels.forget(connectionId) });
      return { statusCode: 200 };
    }
    if (routeKey === "ping") return reply({ type: "pong" });
    const body = bodyOf(event);
    if (routeKey === "$default" || !body) return reply({ type: "error", message: `unknown action: use ${ACTIONS}` }, 400);
    const channel = body.channel;
    if (typeof channel !== "string" || !CHANNEL.test(channel)) return reply({ type: "error", message: "bad channel name" }, 400);
    if (routeKey === "subscribe") {
      await channels.subscribe(connectionId, channel, shard, expiresAt());
      const since = body.since;
      const { items, more } =
        typeof since === "string" && since !== "" ? await channels.missed(channel, since, settings.replayPage) : { items: [], more: false };
      return reply({ type: "subscribed", channel, missed: items, more });
    }
    // sendmessage
    if (Buffer.byteLength(event.body ?? "") > settings.maxMessageBytes) {
      metrics.addMetric("MessagesTooLarge", MetricUnit.Count, 1);
      return reply({ type: "error", message: `messages are limited to ${settings.maxMessageBytes} bytes` }, 413);
    }
    // One group per channel keeps its order; the request id makes a retried send a no-op.
    await queue.send(
      { channel, data: body.data, correlationId: requestId },
      settings.ordered ? channel : undefined,
      settings.ordered ? requestId : undefined,
    );
    metrics.addMetric("MessagesQueued", MetricUnit.Count, 1);
    return reply({ type: "queued", channel });
  };
}

/** A message's place in its channel: the FIFO sequence number, or the send time and message id. */
export function cursorOf(record: SQSRecord, ordered: boolean): string {
  const attributes = record.attributes as unknown as Record<string, string | undefined>;
  const sequence = attributes.SequenceNumber;
  if (ordered && sequence) return sequence.padStart(40, "0");
  return `${String(Number(attributes.SentTimestamp ?? "0")).padStart(13, "0")}-${record.messageId}`;
}

/** Posts a frame to every connection of one shard, postsInFlight at a time; deletes those gone. */
export async function deliver(channels: Channels, poster: Poster, channel: string, shard: number, frame: string, postsInFlight: number): Promise<{ posted: number; gone: number }> {
  let posted = 0;
  let gone = 0;
  let failed = 0;
  for await (const page of channels.connections(channel, shard)) {
    for (let i = 0; i < page.length; i += postsInFlight) {
      const results = await Promise.allSettled(page.slice(i, i + postsInFlight).map((id) => poster.post(id, frame).then((r) => [id, r] as const)));
      for (const result of results) {
        if (result.status === "rejected") {
          failed += 1;
          logger.warn("post failed", { error: String(result.reason) });
        } else if (result.value[1] === "gone") {
          gone += 1;
          await channels.unsubscribe(channel, shard, result.value[0]);
        } else {
          posted += 1;
        }
      }
    }
  }
  metrics.addMetric("Posted", MetricUnit.Count, posted);
  metrics.addMetric("GoneConnections", MetricUnit.Count, gone);
  if (failed > 0) throw new Error(`${failed} connection(s) of ${channel}#${shard} could not be posted to`);
  return { posted, gone };
}

/** A queued broadcast, or a shard's copy of one. */
interface Queued {
  channel: string;
  data?: unknown;
  correlationId?: string;
  shard?: number;
  cursor?: string;
}

/**
 * The broadcaster: for each queued message, in order, a new broadcast is logged and copied per
 * shard (or delivered, with one shard); a shard's copy is delivered. Reports the messages that
 * failed, and with a FIFO queue every message after the first failure too.
 */
export function broadcastHandler(
  channels: Channels,
  queue: BroadcastQueue,
  poster: Poster,
  settings: Settings,
  now: () => number = () => Math.floor(Date.now() / 1000),
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const handle = async (record: SQSRecord): Promise<void> => {
    const message = JSON.parse(record.body) as Queued;
    logger.setCorrelationId(message.correlationId ?? record.messageId);
    let shard = 0;
    let cursor: string;
    if (message.shard === undefined) {
      cursor = cursorOf(record, settings.ordered);
      // Late subscribers catch up from this log; a redelivered message writes the same key.
      await channels.log(message.channel, cursor, message.data, now() + settings.replayWindowSeconds);
      if (settings.shards > 1) {
        for (let s = 0; s < settings.shards; s += 1) {
          await queue.send(
            { ...message, shard: s, cursor },
            settings.ordered ? `${message.channel}#${s}` : undefined,
            settings.ordered ? `${cursor}-${s}`.slice(-128) : undefined,
          );
        }
        return;
      }
    } else {
      shard = message.shard;
      cursor = message.cursor ?? cursorOf(record, settings.ordered);
    }
    const frame = JSON.stringify({ type: "message", channel: message.channel, cursor, data: message.data });
    if (Buffer.byteLength(frame) > settings.maxMessageBytes) {
      // Refused before it costs a post to every connection; the producer must send a reference.
      logger.error("message too large to broadcast", { bytes: Buffer.byteLength(frame), channel: message.channel });
      metrics.addMetric("MessagesTooLarge", MetricUnit.Count, 1);
      return;
    }
    await deliver(channels, poster, message.channel, shard, frame, settings.postsInFlight);
  };
  return async (event) => {
    const batchItemFailures: { itemIdentifier: string }[] = [];
    for (const record of event.Records) {
      if (batchItemFailures.length > 0 && settings.ordered) {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      try {
        await handle(record);
      } catch (error) {
        logger.error("broadcast failed", { sqsMessageId: record.messageId, error: String(error) });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

const channelsTable = (): Channels => dynamoChannels(requireEnv("CHANNELS_TABLE"), tracer.captureAWSv3Client(new DynamoDBClient({})));
const broadcastQueue = (): BroadcastQueue => sqsBroadcastQueue(requireEnv("BROADCAST_QUEUE_URL"), tracer.captureAWSv3Client(new SQSClient({})));

/** Lambda entry point of the WebSocket routes (Handler: app.connections). */
export const connections = instrument(
  "connections",
  (event: APIGatewayProxyWebsocketEventV2) => event.requestContext?.requestId,
  lazy(() => connectionsHandler(channelsTable(), broadcastQueue(), settingsFromEnv())),
);

/** Lambda entry point of the broadcaster (Handler: app.broadcast). */
export const broadcast = instrument(
  "broadcast",
  (event: SQSEvent) => event.Records?.[0]?.messageId,
  lazy(() =>
    broadcastHandler(
      channelsTable(),
      broadcastQueue(),
      managementPoster(tracer.captureAWSv3Client(new ApiGatewayManagementApiClient({ endpoint: requireEnv("CONNECTIONS_ENDPOINT") }))),
      settingsFromEnv(),
    ),
  ),
);

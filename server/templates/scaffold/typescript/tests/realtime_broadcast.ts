import type { APIGatewayProxyStructuredResultV2, APIGatewayProxyWebsocketEventV2, SQSEvent } from "aws-lambda";
import {
  type BroadcastQueue,
  type Channels,
  type Logged,
  type Poster,
  type Settings,
  broadcastHandler,
  connectionsHandler,
  logKey,
  settingsFromEnv,
  shardOf,
  subscriptionKey,
} from "../src/app";
import { context, loadEvent } from "./setup";

/** ChannelsTable in memory: key → sort key → item. */
class MemoryChannels implements Channels {
  readonly items = new Map<string, Map<string, { connectionId?: string; data?: string; expiresAt: number }>>();
  private part(pk: string) {
    let p = this.items.get(pk);
    if (!p) this.items.set(pk, (p = new Map()));
    return p;
  }
  keys(pk: string): string[] {
    return [...(this.items.get(pk)?.keys() ?? [])].sort();
  }
  async subscribe(connectionId: string, channel: string, shard: number, expiresAt: number) {
    this.part(subscriptionKey(channel, shard)).set(connectionId, { connectionId, expiresAt });
  }
  async forget(connectionId: string) {
    let n = 0;
    for (const part of this.items.values()) if (part.delete(connectionId)) n += 1;
    return n;
  }
  async missed(channel: string, since: string, limit: number) {
    const all = this.keys(logKey(channel)).filter((k) => k > since);
    const items: Logged[] = all.slice(0, limit).map((k) => ({ cursor: k, data: JSON.parse(this.part(logKey(channel)).get(k)?.data ?? "null") as unknown }));
    return { items, more: all.length > limit };
  }
  async log(channel: string, cursor: string, data: unknown, expiresAt: number) {
    this.part(logKey(channel)).set(cursor, { data: JSON.stringify(data), expiresAt });
  }
  async *connections(channel: string, shard: number) {
    yield this.keys(subscriptionKey(channel, shard));
  }
  async unsubscribe(channel: string, shard: number, connectionId: string) {
    this.part(subscriptionKey(channel, shard)).delete(connectionId);
  }
}

class MemoryQueue implements BroadcastQueue {
  readonly sent: { body: Record<string, unknown>; group?: string; deduplicationId?: string }[] = [];
  async send(body: unknown, group?: string, deduplicationId?: string) {
    this.sent.push({ body: body as Record<string, unknown>, group, deduplicationId });
  }
}

/** The @connections API: records posts; connections in `gone` answer 410, in `broken` fail. */
class FakePoster implements Poster {
  readonly posts: [string, Record<string, unknown>][] = [];
  constructor(
    readonly gone = new Set<string>(),
    readonly broken = new Set<string>(),
  ) {}
  async post(connectionId: string, frame: string): Promise<"posted" | "gone"> {
    if (this.gone.has(connectionId)) return "gone";
    if (this.broken.has(connectionId)) throw new Error("internal server error");
    this.posts.push([connectionId, JSON.parse(frame) as Record<string, unknown>]);
    return "posted";
  }
}

const settings: Settings = { ...settingsFromEnv(), shards: 1, ordered: {{ self.realtime_ordered() }}, maxMessageBytes: {{ self.realtime_max_bytes() }}, connectionTtlSeconds: 8100 };
const NOW = 1_795_688_130;
const now = () => NOW;

function wsEvent(routeKey: string, body?: Record<string, unknown>, connectionId = "Ld3kJd8TIAMCF4Q=", query?: Record<string, string>): APIGatewayProxyWebsocketEventV2 {
  const event = loadEvent<APIGatewayProxyWebsocketEventV2 & { queryStringParameters?: Record<string, string> }>("connections");
  event.requestContext.routeKey = routeKey;
  event.requestContext.connectionId = connectionId;
  event.body = body === undefined ? undefined : JSON.stringify(body);
  if (query) event.queryStringParameters = query;
  return event;
}

function bodyOf(result: unknown): Record<string, unknown> {
  return JSON.parse((result as APIGatewayProxyStructuredResultV2).body ?? "null") as Record<string, unknown>;
}

test("connect with a channel subscribes under the connection's shard until the TTL", async () => {
  const channels = new MemoryChannels();
  await connectionsHandler(channels, new MemoryQueue(), settings, now)(wsEvent("$connect", undefined, "Ld3kJd8TIAMCF4Q=", { channel: "room-42" }), context);
  const item = channels.items.get(subscriptionKey("room-42", 0))?.get("Ld3kJd8TIAMCF4Q=");
  assert.equal(item?.expiresAt, NOW + 8100);
});

test("a connection keeps one shard and connections spread over all shards", () => {
  assert.equal(shardOf("abc=", 7), shardOf("abc=", 7));
  assert.deepEqual(new Set(Array.from({ length: 40 }, (_, i) => shardOf(`conn-${i}`, 4))), new Set([0, 1, 2, 3]));
});

test("subscribe returns what the client missed since its cursor", async () => {
  const channels = new MemoryChannels();
  for (const [cursor, text] of [["0001", "old"], ["0002", "missed"], ["0003", "missed too"]] as const) await channels.log("room-42", cursor, { text }, NOW);
  const body = bodyOf(await connectionsHandler(channels, new MemoryQueue(), settings, now)(wsEvent("subscribe", { action: "subscribe", channel: "room-42", since: "0001" }), context));
  assert.equal(body.type, "subscribed");
  assert.deepEqual((body.missed as Logged[]).map((m) => m.data), [{ text: "missed" }, { text: "missed too" }]);
  assert.equal(body.more, false);
});

test("sendmessage queues the message with its correlation id", async () => {
  const queue = new MemoryQueue();
  const body = bodyOf(await connectionsHandler(new MemoryChannels(), queue, settings, now)(loadEvent<APIGatewayProxyWebsocketEventV2>("connections"), context));
  assert.deepEqual(body, { type: "queued", channel: "room-42" });
  assert.deepEqual(queue.sent[0]?.body, { channel: "room-42", data: { text: "hello" }, correlationId: "Kc7x9jWEIAMEbXw=" });
  assert.equal(queue.sent[0]?.group, settings.ordered ? "room-42" : undefined);
});

test("a message over the size limit is refused before it is queued", async () => {
  const queue = new MemoryQueue();
  const result = await connectionsHandler(new MemoryChannels(), queue, settings, now)(
    wsEvent("sendmessage", { action: "sendmessage", channel: "room-42", data: "x".repeat(settings.maxMessageBytes) }),
    context,
  );
  assert.equal((result as APIGatewayProxyStructuredResultV2).statusCode, 413);
  assert.equal(queue.sent.length, 0);
});

test("unknown actions and pings are answered", async () => {
  const handler = connectionsHandler(new MemoryChannels(), new MemoryQueue(), settings, now);
  const unknown = bodyOf(await handler(wsEvent("$default", { action: "dance" }), context));
  assert.equal(unknown.type, "error");
  assert.match(String(unknown.message), /subscribe/);
  assert.deepEqual(bodyOf(await handler(wsEvent("ping", { action: "ping" }), context)), { type: "pong" });
});

test("disconnect removes every subscription of the connection", async () => {
  const channels = new MemoryChannels();
  const handler = connectionsHandler(channels, new MemoryQueue(), settings, now);
  for (const channel of ["room-1", "room-2"]) await handler(wsEvent("subscribe", { action: "subscribe", channel }), context);
  await handler(wsEvent("subscribe", { action: "subscribe", channel: "room-1" }, "other="), context);
  await handler(wsEvent("$disconnect"), context);
  assert.deepEqual(channels.keys(subscriptionKey("room-2", 0)), []);
  assert.deepEqual(channels.keys(subscriptionKey("room-1", 0)), ["other="]);
});

test("a broadcast reaches every subscriber, is logged, and gone connections are deleted", async () => {
  const channels = new MemoryChannels();
  for (const id of ["a=", "b=", "c="]) await channels.subscribe(id, "room-42", 0, NOW);
  const poster = new FakePoster(new Set(["b="]));
  const result = await broadcastHandler(channels, new MemoryQueue(), poster, settings, now)(loadEvent<SQSEvent>("broadcast"), context);
  assert.deepEqual(result, { batchItemFailures: [] });
  assert.deepEqual(poster.posts.map(([id]) => id).sort(), ["a=", "c="]);
  assert.deepEqual(poster.posts[0]?.[1].data, { text: "hello" });
  assert.deepEqual(channels.keys(subscriptionKey("room-42", 0)), ["a=", "c="]);
  assert.deepEqual(channels.keys(logKey("room-42")), [poster.posts[0]?.[1].cursor]);
});

test("a failed post retries the message", async () => {
  const channels = new MemoryChannels();
  await channels.subscribe("a=", "room-42", 0, NOW);
  const event = loadEvent<SQSEvent>("broadcast");
  const result = await broadcastHandler(channels, new MemoryQueue(), new FakePoster(new Set(), new Set(["a="])), settings, now)(event, context);
  assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: event.Records[0]?.messageId }]);
});

test("with several shards a message is copied once per shard, then each copy reaches its shard only", async () => {
  const channels = new MemoryChannels();
  const queue = new MemoryQueue();
  const poster = new FakePoster();
  const sharded = { ...settings, shards: 3 };
  const handler = broadcastHandler(channels, queue, poster, sharded, now);
  await handler(loadEvent<SQSEvent>("broadcast"), context);
  assert.deepEqual(queue.sent.map((s) => s.body.shard), [0, 1, 2]);
  assert.equal(poster.posts.length, 0);
  const shard = shardOf("a=", 3);
  await channels.subscribe("a=", "room-42", shard, NOW);
  const event = loadEvent<SQSEvent>("broadcast");
  const record = event.Records[0];
  assert.ok(record);
  record.body = JSON.stringify(queue.sent[shard]?.body);
  await handler(event, context);
  assert.deepEqual(poster.posts.map(([id]) => id), ["a="]);
});

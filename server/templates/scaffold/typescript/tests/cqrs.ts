import type { APIGatewayProxyStructuredResultV2, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import {
  type ApiEvent,
  type Item,
  type ReadModel,
  VIEWS,
  type View,
  type WriteModel,
  commandHandler,
  logger,
  projectorHandler,
  queryHandler,
} from "../src/app";
import { context, loadEvent } from "./setup";

/** The write model in memory, with the conditions of the DynamoDB one. */
class MemoryWrites implements WriteModel {
  readonly items = new Map<string, Item>();
  async create(item: Item): Promise<boolean> {
    if (this.items.has(item.id)) return false;
    this.items.set(item.id, { ...item });
    return true;
  }
  async get(id: string): Promise<Item | undefined> {
    return this.items.get(id);
  }
  async changeStatus(id: string, expected: number, status: string, updatedAt: string, requestId: string): Promise<Item | undefined> {
    const item = this.items.get(id);
    if (!item || item.version !== expected) return undefined;
    const next = { ...item, status, version: expected + 1, updatedAt, requestId };
    this.items.set(id, next);
    return next;
  }
}

/** The read model in memory: a view is written only over an older version. */
class MemoryReads implements ReadModel {
  readonly views = new Map<string, View>();
  async put(view: View): Promise<boolean> {
    const stored = this.views.get(view.id);
    if (stored && stored.version >= view.version) return false;
    this.views.set(view.id, { ...view });
    return true;
  }
  async remove(id: string): Promise<void> {
    this.views.delete(id);
  }
  async get(id: string): Promise<View | undefined> {
    return this.views.get(id);
  }
  async list(_index: string, attribute: string, value: string, limit: number): Promise<View[]> {
    return [...this.views.values()]
      .filter((v) => (v as unknown as Record<string, unknown>)[attribute] === value)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .slice(0, limit);
  }
}

/** A clock that moves a second on every reading, so views have an order. */
function ticking(): () => Date {
  let t = Date.parse("2026-11-26T10:15:30Z");
  return () => new Date((t += 1000));
}

function bodyOf(result: APIGatewayProxyStructuredResultV2): Record<string, unknown> {
  return JSON.parse(result.body ?? "null") as Record<string, unknown>;
}

/** The sample POST /items request, with another name, Idempotency-Key or caller. */
function post(name = "example", key?: string, caller?: string): ApiEvent {
  const event = loadEvent<ApiEvent>("command");
  event.body = JSON.stringify({ name });
  if (key !== undefined) event.headers["idempotency-key"] = key;
  if (caller !== undefined) {
{%- if self.iam_auth() %}
    event.requestContext.authorizer.iam.userArn = caller;
{%- else %}
    event.requestContext.authorizer.jwt.claims.sub = caller;
{%- endif %}
  }
  return event;
}

/** A PUT /items/{id}/status request, made from the sample's envelope. */
function putStatus(id: string, status: string, ifMatch?: string): ApiEvent {
  const event = loadEvent<ApiEvent>("command");
  event.routeKey = "PUT /items/{id}/status";
  event.rawPath = `/items/${id}/status`;
  event.pathParameters = { id };
  event.requestContext.http.method = "PUT";
  event.body = JSON.stringify({ status });
  if (ifMatch === undefined) delete event.headers["if-match"];
  else event.headers["if-match"] = ifMatch;
  return event;
}

/** A GET request to the query API on a route, made from the sample query's envelope. */
function get(routeKey: string, params: Record<string, string>): ApiEvent {
  const event = loadEvent<ApiEvent>("query");
  event.routeKey = routeKey;
  event.pathParameters = params;
  return event;
}

/** What the stream would deliver: an INSERT per item of the write model, at its version. */
async function projectAll(writes: MemoryWrites, reads: MemoryReads): Promise<void> {
  const sample = JSON.stringify(loadEvent<DynamoDBStreamEvent>("projector").Records[0]);
  const records = [...writes.items.values()].map((item, n): DynamoDBRecord => {
    const record = JSON.parse(sample) as DynamoDBRecord;
    const image = Object.fromEntries(Object.entries(item).map(([k, v]) => [k, typeof v === "number" ? { N: String(v) } : { S: String(v) }]));
    record.dynamodb = { ...record.dynamodb, Keys: { id: { S: item.id } }, NewImage: image, SequenceNumber: String(900 + n) };
    return record;
  });
  assert.deepEqual(await projectorHandler(reads)({ Records: records }, context), { batchItemFailures: [] });
}

test("a create is stored at version 1 and answered 201", async () => {
  const writes = new MemoryWrites();
  const result = await commandHandler(writes, ticking())(loadEvent<ApiEvent>("command"), context);
  assert.equal(result.statusCode, 201);
  const item = bodyOf(result);
  assert.deepEqual([item.name, item.status, item.version], ["example", "open", 1]);
  assert.deepEqual([...writes.items.keys()], [item.id]);
  assert.equal(writes.items.get(String(item.id))?.requestId, "Kc7x9jWEIAMEbXw=");
});

test("a repeated create answers the first item and stores one", async () => {
  const writes = new MemoryWrites();
  const handler = commandHandler(writes, ticking());
  const first = await handler(loadEvent<ApiEvent>("command"), context);
  const again = await handler(loadEvent<ApiEvent>("command"), context);
  assert.equal(again.statusCode, 201);
  assert.deepEqual(bodyOf(again), bodyOf(first));
  assert.equal(writes.items.size, 1);
  await handler(post("example", "another-key"), context);
  await handler(post("example", undefined, "someone-else"), context);
  assert.equal(writes.items.size, 3);
});

test("the same key with another name gets 422", async () => {
  const writes = new MemoryWrites();
  const handler = commandHandler(writes, ticking());
  await handler(loadEvent<ApiEvent>("command"), context);
  assert.equal((await handler(post("another name"), context)).statusCode, 422);
  assert.equal(writes.items.size, 1);
});

test("a create without key, body or caller is refused", async () => {
  const writes = new MemoryWrites();
  const handler = commandHandler(writes, ticking());
  const noKey = loadEvent<ApiEvent>("command");
  delete noKey.headers["idempotency-key"];
  assert.equal((await handler(noKey, context)).statusCode, 400);
  for (const body of ["not json", "[]", "{}", '{"name": ""}']) {
    const event = loadEvent<ApiEvent>("command");
    event.body = body;
    assert.equal((await handler(event, context)).statusCode, 400, body);
  }
  const noCaller = loadEvent<ApiEvent>("command") as unknown as { requestContext: Record<string, unknown> };
  delete noCaller.requestContext.authorizer;
  assert.equal((await handler(noCaller as unknown as ApiEvent, context)).statusCode, 401);
  assert.equal(writes.items.size, 0);
});

test("a status change needs the current version", async () => {
  const writes = new MemoryWrites();
  const handler = commandHandler(writes, ticking());
  const id = String(bodyOf(await handler(loadEvent<ApiEvent>("command"), context)).id);
  const changed = await handler(putStatus(id, "packed", '"1"'), context);
  assert.equal(changed.statusCode, 200, changed.body as string);
  assert.equal(bodyOf(changed).version, 2);
  // Someone else's change was first: a change based on version 1 would undo it.
  assert.equal((await handler(putStatus(id, "cancelled", "1"), context)).statusCode, 412);
  assert.equal((await handler(putStatus(id, "shipped"), context)).statusCode, 428);
  assert.equal((await handler(putStatus(id, "lost", "2"), context)).statusCode, 400);
  assert.deepEqual([writes.items.get(id)?.status, writes.items.get(id)?.version], ["packed", 2]);
});

test("the projector keeps the newest version whatever the order", async () => {
  const reads = new MemoryReads();
  const batch = loadEvent<DynamoDBStreamEvent>("projector");
  assert.deepEqual(await projectorHandler(reads)(batch, context), { batchItemFailures: [] });
  assert.deepEqual([reads.views.get("item-1001")?.status, reads.views.get("item-1001")?.version], ["shipped", 2]);
  // A redelivered batch, and the older change alone arriving late, change nothing.
  assert.deepEqual(await projectorHandler(reads)(batch, context), { batchItemFailures: [] });
  assert.deepEqual(await projectorHandler(reads)({ Records: batch.Records.slice(0, 1) }, context), { batchItemFailures: [] });
  assert.deepEqual([reads.views.get("item-1001")?.status, reads.views.get("item-1001")?.version], ["shipped", 2]);
});

test("a removed item's view is deleted", async () => {
  const reads = new MemoryReads();
  const batch = loadEvent<DynamoDBStreamEvent>("projector");
  await projectorHandler(reads)(batch, context);
  const removal = JSON.parse(JSON.stringify(batch.Records[1])) as (typeof batch.Records)[number];
  removal.eventName = "REMOVE";
  assert.deepEqual(await projectorHandler(reads)({ Records: [removal] }, context), { batchItemFailures: [] });
  assert.equal(reads.views.size, 0);
});

test("a bad change is reported by its sequence number", async () => {
  const reads = new MemoryReads();
  const batch = loadEvent<DynamoDBStreamEvent>("projector");
  const image = batch.Records[1]?.dynamodb?.NewImage;
  if (image) delete image.version;
  const result = await projectorHandler(reads)(batch, context);
  assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: batch.Records[1]?.dynamodb?.SequenceNumber }] });
  assert.equal(reads.views.get("item-1001")?.version, 1);
});

test("the projector logs the command's request id", async () => {
  const batch = loadEvent<DynamoDBStreamEvent>("projector");
  batch.Records = batch.Records.slice(0, 1);
  const image = batch.Records[0]?.dynamodb?.NewImage;
  if (image) image.requestId = { S: "Kc7x9jWEIAMEbXw=" };
  await projectorHandler(new MemoryReads())(batch, context);
  assert.equal(logger.getCorrelationId(), "Kc7x9jWEIAMEbXw=");
});

test("a query reads the read model only", async () => {
  const writes = new MemoryWrites();
  const reads = new MemoryReads();
  const item = bodyOf(await commandHandler(writes, ticking())(loadEvent<ApiEvent>("command"), context));
  const id = String(item.id);
  // Not projected yet: the read model does not have it (this is the eventual consistency).
  assert.equal((await queryHandler(reads)(get("GET /items/{id}", { id }), context)).statusCode, 404);
  await projectAll(writes, reads);
  const result = await queryHandler(reads)(get("GET /items/{id}", { id }), context);
  assert.equal(result.statusCode, 200);
  assert.deepEqual(bodyOf(result), item);
  assert.equal((await queryHandler(reads)(get("GET /nowhere", {}), context)).statusCode, 404);
});

test("every view lists its items newest first", async () => {
  assert.equal(VIEWS.length, {{ self.cqrs_view_list().len() }});
  for (const shape of VIEWS) {
    const writes = new MemoryWrites();
    const reads = new MemoryReads();
    const handler = commandHandler(writes, ticking());
    const first = bodyOf(await handler(post("example", "k1"), context));
    const second = bodyOf(await handler(post("example", "k2"), context));
    assert.equal(first[shape.attribute], second[shape.attribute]);
    await projectAll(writes, reads);
    const value = String(first[shape.attribute]);
    const result = await queryHandler(reads)(get(`GET ${shape.path}`, { [shape.attribute]: value }), context);
    assert.equal(result.statusCode, 200, shape.path);
    const listed = (bodyOf(result).items as View[]).map((v) => v.id);
    assert.deepEqual(listed, [second.id, first.id], shape.path);
  }
});

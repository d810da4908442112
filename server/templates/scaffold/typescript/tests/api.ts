import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { type ApiEvent, BadRequestError, type Item, type ItemStore, apiHandler, parseNewItem } from "../src/app";
import { context, loadEvent{% if self.idem() %}, MemoryPersistenceLayer{% endif %} } from "./setup";

/** The items table in memory. */
class MemoryItems implements ItemStore {
  readonly items = new Map<string, Item>();
  async put(item: Item): Promise<void> {
    if (this.items.has(item.id)) throw new Error(`item ${item.id} exists`);
    this.items.set(item.id, item);
  }
  async get(id: string): Promise<Item | undefined> {
    return this.items.get(id);
  }
}

function start() {
  const items = new MemoryItems();
  let next = 0;
  const handler = apiHandler({
    items,
{%- if self.idem() %}
    idempotency: new MemoryPersistenceLayer(),
{%- endif %}
    newId: () => `item-${++next}`,
  });
  return { items, handler };
}

/** The sample POST /items request (events/api.json) with another body or headers. */
function post(body?: string, headers?: Record<string, string>): ApiEvent {
  const event = loadEvent<ApiEvent>("api");
  event.routeKey = "POST /items";
  event.requestContext.http.method = "POST";
  if (body !== undefined) {
    event.body = body;
    event.isBase64Encoded = false;
  }
  if (headers !== undefined) event.headers = headers;
  return event;
}

function get(id: string): ApiEvent {
  const event = loadEvent<ApiEvent>("api");
  event.routeKey = "GET /items/{id}";
  event.rawPath = `/items/${id}`;
  event.requestContext.http.method = "GET";
  event.pathParameters = { id };
  delete event.body;
  return event;
}

function bodyOf(result: APIGatewayProxyStructuredResultV2): Record<string, unknown> {
  return JSON.parse(result.body ?? "null") as Record<string, unknown>;
}

test("parseNewItem reads a name and rejects what is not one", () => {
  assert.deepEqual(parseNewItem('{"name": " lamp "}'), { name: "lamp" });
  assert.deepEqual(parseNewItem(Buffer.from('{"name":"lamp"}').toString("base64"), true), { name: "lamp" });
  for (const bad of [undefined, "", "not json", "[]", "{}", '{"name": ""}', '{"name": 3}', JSON.stringify({ name: "x".repeat(201) })]) {
    assert.throws(() => parseNewItem(bad), BadRequestError, `accepted ${String(bad)}`);
  }
});

test("POST /items creates an item that GET /items/{id} returns", async () => {
  const { items, handler } = start();
  const created = await handler(post(), context);
  assert.equal(created.statusCode, 201);
  const item = bodyOf(created);
  assert.equal(item.id, "item-1");
  assert.equal(items.items.size, 1);

  const read = await handler(get("item-1"), context);
  assert.equal(read.statusCode, 200);
  assert.deepEqual(bodyOf(read), item);
});

test("POST /items with a bad body answers 400 and stores nothing", async () => {
  const { items, handler } = start();
  const result = await handler(post('{"nom": "lamp"}'), context);
  assert.equal(result.statusCode, 400);
  assert.match(String(bodyOf(result).message), /name/);
  assert.equal(items.items.size, 0);
});

test("GET of a missing item answers 404, and so does an unknown route", async () => {
  const { handler } = start();
  assert.equal((await handler(get("nope"), context)).statusCode, 404);
  const other = post();
  other.routeKey = "DELETE /items/{id}";
  assert.equal((await handler(other, context)).statusCode, 404);
});
{%- if self.idem() %}

/** The sample request as another caller sends it: {% if self.iam_auth() %}signed by another IAM principal{% else %}with another user's JWT{% endif %}. */
function asCaller(event: ApiEvent, caller: string): ApiEvent {
{%- if self.iam_auth() %}
  event.requestContext.authorizer.iam.userArn = caller;
{%- else %}
  event.requestContext.authorizer.jwt.claims.sub = caller;
{%- endif %}
  return event;
}

test("a retried POST (same caller, Idempotency-Key and body) returns the first item", async () => {
  const { items, handler } = start();
  const first = await handler(post(), context);
  const again = await handler(post(), context);
  assert.equal(first.statusCode, 201);
  assert.equal(again.statusCode, 201);
  assert.deepEqual(bodyOf(again), bodyOf(first));
  assert.equal(items.items.size, 1);
  const other = post();
  other.headers["idempotency-key"] = "another-key";
  assert.notEqual(bodyOf(await handler(other, context)).id, bodyOf(first).id);
  assert.equal(items.items.size, 2);
});

test("another caller with the same Idempotency-Key and body gets their own item", async () => {
  const { items, handler } = start();
  const mine = await handler(post(), context);
  const theirs = await handler(asCaller(post(), "someone-else"), context);
  assert.equal(mine.statusCode, 201);
  assert.equal(theirs.statusCode, 201);
  assert.notEqual(bodyOf(theirs).id, bodyOf(mine).id);
  assert.equal(items.items.size, 2);
});

test("an Idempotency-Key reused with another body answers 422", async () => {
  const { items, handler } = start();
  assert.equal((await handler(post('{"name": "lamp"}'), context)).statusCode, 201);
  const result = await handler(post('{"name": "desk"}'), context);
  assert.equal(result.statusCode, 422);
  assert.match(String(bodyOf(result).message), /different body/);
  assert.equal(items.items.size, 1);
});

test("a repeat while the first is in flight answers 409 with Retry-After", async () => {
  const { items, handler } = start();
  // The repeat arrives while the first request is writing its item, as a client's retry
  // after a timeout can.
  let repeat: APIGatewayProxyStructuredResultV2 | undefined;
  const put = items.put.bind(items);
  items.put = async (item) => {
    repeat = await handler(post(), context);
    await put(item);
  };
  const first = await handler(post(), context);
  assert.equal(first.statusCode, 201);
  assert.equal(repeat?.statusCode, 409);
  assert.ok(Number(repeat?.headers?.["retry-after"]) > 0);
  assert.match(String(bodyOf(repeat!).message), /retry/);
  assert.equal(items.items.size, 1);
  // Once the first has finished, the retry gets its response.
  assert.deepEqual(bodyOf(await handler(post(), context)), bodyOf(first));
});

test("a POST without an Idempotency-Key answers 400 and stores nothing", async () => {
  const { items, handler } = start();
  const event = post();
  delete event.headers["idempotency-key"];
  const result = await handler(event, context);
  assert.equal(result.statusCode, 400);
  assert.match(String(bodyOf(result).message), /Idempotency-Key/);
  assert.equal(items.items.size, 0);
});

test("a POST without a caller identity answers 401 and stores nothing", async () => {
  const { items, handler } = start();
  const event = post() as unknown as { requestContext: Record<string, unknown> };
  delete event.requestContext.authorizer;
  const result = await handler(event as unknown as ApiEvent, context);
  assert.equal(result.statusCode, 401);
  assert.equal(items.items.size, 0);
});
{%- else %}

test("without idempotency (duplicates are harmless here), each POST creates an item", async () => {
  const { items, handler } = start();
  await handler(post('{"name": "lamp"}', {}), context);
  await handler(post('{"name": "lamp"}', {}), context);
  assert.equal(items.items.size, 2);
});
{%- endif %}

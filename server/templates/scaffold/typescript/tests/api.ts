import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { BadRequestError, type Item, type ItemStore, apiHandler, parseNewItem } from "../src/app";
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
function post(body?: string, headers?: Record<string, string>): APIGatewayProxyEventV2 {
  const event = loadEvent<APIGatewayProxyEventV2>("api");
  event.routeKey = "POST /items";
  event.requestContext.http.method = "POST";
  if (body !== undefined) {
    event.body = body;
    event.isBase64Encoded = false;
  }
  if (headers !== undefined) event.headers = headers;
  return event;
}

function get(id: string): APIGatewayProxyEventV2 {
  const event = loadEvent<APIGatewayProxyEventV2>("api");
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

test("a retried POST returns the first item instead of creating another", async () => {
  const { items, handler } = start();
  const first = bodyOf(await handler(post('{"name": "lamp"}', {}), context));
  const again = bodyOf(await handler(post('{"name": "lamp"}', {}), context));
  assert.deepEqual(again, first);
  assert.equal(items.items.size, 1);
  const other = bodyOf(await handler(post('{"name": "desk"}', {}), context));
  assert.notEqual(other.id, first.id);
  assert.equal(items.items.size, 2);
});

test("an Idempotency-Key reused with another body answers 422", async () => {
  const { items, handler } = start();
  const key = { "idempotency-key": "order-7" };
  assert.equal((await handler(post('{"name": "lamp"}', key), context)).statusCode, 201);
  assert.equal((await handler(post('{"name": "lamp"}', key), context)).statusCode, 201);
  assert.equal((await handler(post('{"name": "desk"}', key), context)).statusCode, 422);
  assert.equal(items.items.size, 1);
});
{%- else %}

test("without idempotency (duplicates are harmless here), each POST creates an item", async () => {
  const { items, handler } = start();
  await handler(post('{"name": "lamp"}', {}), context);
  await handler(post('{"name": "lamp"}', {}), context);
  assert.equal(items.items.size, 2);
});
{%- endif %}

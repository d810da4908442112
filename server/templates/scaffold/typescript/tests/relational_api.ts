import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { Client } from "pg";
import { type ApiEvent, BadRequestError, type DbSettings, type Item, type ItemsDb, apiHandler, parseNewItem, postgresItems } from "../src/app";
import { context, loadEvent } from "./setup";

/** The items table in memory, with its unique (caller, idempotency_key) constraint. */
class MemoryItems implements ItemsDb {
  readonly rows: (Item & { caller: string; key: string })[] = [];
  async insert(caller: string, key: string, name: string): Promise<Item | undefined> {
    if (this.rows.some((r) => r.caller === caller && r.key === key)) return undefined;
    const item = { id: `00000000-0000-4000-8000-${String(this.rows.length + 1).padStart(12, "0")}`, name, createdAt: new Date().toISOString() };
    this.rows.push({ ...item, caller, key });
    return item;
  }
  async byKey(caller: string, key: string): Promise<Item | undefined> {
    const r = this.rows.find((x) => x.caller === caller && x.key === key);
    return r && { id: r.id, name: r.name, createdAt: r.createdAt };
  }
  async byId(id: string): Promise<Item | undefined> {
    const r = this.rows.find((x) => x.id === id);
    return r && { id: r.id, name: r.name, createdAt: r.createdAt };
  }
}

/** The sample POST /items request (events/api.json) with another body or Idempotency-Key. */
function post(body?: string, key?: string | null): ApiEvent {
  const event = loadEvent<ApiEvent>("api");
  if (body !== undefined) event.body = body;
  if (key === null) delete event.headers["idempotency-key"];
  else if (key !== undefined) event.headers["idempotency-key"] = key;
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
  for (const bad of [undefined, "", "not json", "[]", "{}", '{"name": ""}', JSON.stringify({ name: "x".repeat(201) })]) {
    assert.throws(() => parseNewItem(bad), BadRequestError, `accepted ${String(bad)}`);
  }
});

test("POST /items creates a row that GET /items/{id} returns", async () => {
  const db = new MemoryItems();
  const handler = apiHandler(db);
  const created = await handler(post(), context);
  assert.equal(created.statusCode, 201);
  const item = bodyOf(created);
  const read = await handler(get(String(item.id)), context);
  assert.equal(read.statusCode, 200);
  assert.deepEqual(bodyOf(read), item);
});

test("a retried POST returns the first row and creates nothing", async () => {
  const db = new MemoryItems();
  const handler = apiHandler(db);
  const first = await handler(post(), context);
  const again = await handler(post(), context);
  assert.equal(again.statusCode, 201);
  assert.deepEqual(bodyOf(again), bodyOf(first));
  assert.equal(db.rows.length, 1);
});

test("the same Idempotency-Key with another body answers 422", async () => {
  const db = new MemoryItems();
  const handler = apiHandler(db);
  await handler(post(), context);
  assert.equal((await handler(post('{"name": "other"}'), context)).statusCode, 422);
  assert.equal(db.rows.length, 1);
});

test("a POST without a key or with a bad body answers 400; an unknown or malformed id 404", async () => {
  const db = new MemoryItems();
  const handler = apiHandler(db);
  assert.equal((await handler(post(undefined, null), context)).statusCode, 400);
  assert.equal((await handler(post('{"nom": 1}'), context)).statusCode, 400);
  assert.equal(db.rows.length, 0);
  assert.equal((await handler(get("00000000-0000-4000-8000-000000000099"), context)).statusCode, 404);
  assert.equal((await handler(get("not-a-uuid"), context)).statusCode, 404);
});

test("one connection serves every request, and a connection the proxy closed is replaced once", async () => {
  const settings: DbSettings = { host: "proxy", port: 5432, database: "app", user: "app", connectTimeoutMs: 1000, queryTimeoutMs: 3000 };
  let opened = 0;
  let failNext = false;
  const queries: string[] = [];
  const fake = {
    async query(text: string) {
      if (failNext) {
        failNext = false;
        throw Object.assign(new Error("Connection terminated unexpectedly"), {});
      }
      queries.push(text);
      return { rows: [{ id: "00000000-0000-4000-8000-000000000001", name: "example", created_at: new Date(0) }] };
    },
    async end() {},
  } as unknown as Client;
  const db = postgresItems(settings, async () => {
    opened++;
    return fake;
  });
  await db.byId("00000000-0000-4000-8000-000000000001");
  await db.byKey("caller", "key");
  assert.equal(opened, 1);
  failNext = true;
  const item = await db.insert("caller", "key", "example");
  assert.equal(opened, 2);
  assert.equal(item?.createdAt, new Date(0).toISOString());
  assert.match(queries[2] ?? "", /ON CONFLICT \(caller, idempotency_key\) DO NOTHING/);
});

import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import {
  type ApiEvent,
  type EventStore,
  type FeedRecord,
  PROJECTIONS,
  type ProjectDeps,
  type Projected,
  type ProjectionStore,
  type StoredEvent,
  appendHandler,
  projectHandler,
  stateKey,
} from "../src/app";
import { context, loadEvent } from "./setup";

/** EventsTable in memory: a put of an existing version is refused, as the conditional put is. */
class MemoryEvents implements EventStore {
  readonly events: StoredEvent[] = [];
  async append(event: StoredEvent): Promise<boolean> {
    if (this.events.some((e) => e.aggregateId === event.aggregateId && e.version === event.version)) return false;
    this.events.push(event);
    return true;
  }
  async get(aggregateId: string, version: number): Promise<StoredEvent | undefined> {
    return this.events.find((e) => e.aggregateId === aggregateId && e.version === version);
  }
  async after(aggregateId: string, version: number): Promise<StoredEvent[]> {
    return this.events.filter((e) => e.aggregateId === aggregateId && e.version > version).sort((a, b) => a.version - b.version);
  }
}

/** ProjectionsTable and SnapshotsTable in memory, with the same conditions. */
class MemoryProjections implements ProjectionStore {
  readonly states = new Map<string, Projected>();
  readonly snapshots: Array<{ id: string } & Projected> = [];
  async read(id: string): Promise<Projected | undefined> {
    return this.states.get(id);
  }
  async write(id: string, _aggregateId: string, projected: Projected, condition: "previous" | "atMost", previous: number): Promise<boolean> {
    const stored = this.states.get(id);
    if (stored && (condition === "previous" ? stored.version !== previous : stored.version > previous)) return false;
    this.states.set(id, projected);
    return true;
  }
  async snapshot(id: string, projected: Projected): Promise<void> {
    this.snapshots.push({ id, ...projected });
  }
  async latestSnapshot(id: string): Promise<Projected | undefined> {
    return this.snapshots.filter((s) => s.id === id).sort((a, b) => b.version - a.version)[0];
  }
}

const projection = PROJECTIONS[0] ?? "project";

function appendRequest(expectedVersion: number, key = "cmd-1", amount = 250): ApiEvent {
  const event = loadEvent<ApiEvent>("append");
  event.headers["idempotency-key"] = key;
  event.body = JSON.stringify({ expectedVersion, type: "Deposited", data: { amount } });
  return event;
}

function bodyOf(result: APIGatewayProxyStructuredResultV2): Record<string, unknown> {
  return JSON.parse(result.body ?? "null") as Record<string, unknown>;
}

/** The sample feed batch with one appended change per version, in the given order. */
function changeBatch(versions: number[], amount = 250): { Records: FeedRecord[] } {
  const template = loadEvent<{ Records: FeedRecord[] }>(projection).Records[0] as FeedRecord;
  return {
    Records: versions.map((v) => {
      const record = JSON.parse(JSON.stringify(template)) as FeedRecord;
      const kinesis = record.kinesis;
      const change = (kinesis ? JSON.parse(Buffer.from(kinesis.data, "base64").toString("utf8")) : record) as FeedRecord;
      const image = change.dynamodb?.NewImage ?? {};
      image.version = { N: String(v) };
      image.data = { S: JSON.stringify({ amount }) };
      if (kinesis) {
        kinesis.data = Buffer.from(JSON.stringify(change)).toString("base64");
        kinesis.sequenceNumber = `seq-${v}`;
      } else if (record.dynamodb) {
        record.dynamodb.SequenceNumber = `seq-${v}`;
      }
      return record;
    }),
  };
}

function deps(events = new MemoryEvents(), store = new MemoryProjections()): ProjectDeps & { events: MemoryEvents; store: MemoryProjections } {
  return { projection, events, store, snapshotEvery: 3 };
}

test("an append stores the next version with its command id", async () => {
  const events = new MemoryEvents();
  const result = await appendHandler(events)(loadEvent<ApiEvent>("append"), context);
  assert.equal(result.statusCode, 201);
  assert.deepEqual(bodyOf(result), { aggregateId: "acct-1001", version: 1 });
  assert.equal(events.events[0]?.commandId, "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a");
  assert.deepEqual(JSON.parse(events.events[0]?.data ?? "null"), { amount: 250 });
});

test("a stale expected version is 409 and writes nothing", async () => {
  const events = new MemoryEvents();
  assert.equal((await appendHandler(events)(appendRequest(0, "first"), context)).statusCode, 201);
  const result = await appendHandler(events)(appendRequest(0, "second", 999), context);
  assert.equal(result.statusCode, 409);
  assert.equal(bodyOf(result).expectedVersion, 0);
  assert.equal(events.events.length, 1);
});

test("an expected version ahead of the aggregate is 409", async () => {
  const events = new MemoryEvents();
  assert.equal((await appendHandler(events)(appendRequest(5), context)).statusCode, 409);
  assert.equal(events.events.length, 0);
});

test("a retried command gets its first answer and no second event", async () => {
  const events = new MemoryEvents();
  const first = await appendHandler(events)(appendRequest(0, "retry-me"), context);
  const again = await appendHandler(events)(appendRequest(0, "retry-me"), context);
  assert.equal(again.statusCode, 201);
  assert.deepEqual(bodyOf(again), bodyOf(first));
  assert.equal(events.events.length, 1);
});

test("a malformed command or a missing key is 400", async () => {
  for (const body of ["not json", "[]", '{"type": "Deposited"}', '{"expectedVersion": -1, "type": "X"}', '{"expectedVersion": 0}']) {
    const event = loadEvent<ApiEvent>("append");
    event.body = body;
    assert.equal((await appendHandler(new MemoryEvents())(event, context)).statusCode, 400, body);
  }
  const event = loadEvent<ApiEvent>("append");
  delete event.headers["idempotency-key"];
  assert.equal((await appendHandler(new MemoryEvents())(event, context)).statusCode, 400);
});

test("a projection applies changes in version order and skips a redelivered one", async () => {
  const d = deps();
  assert.deepEqual(await projectHandler(d)(changeBatch([1, 2]), context), { batchItemFailures: [] });
  assert.deepEqual(await projectHandler(d)(changeBatch([2]), context), { batchItemFailures: [] });
  assert.deepEqual(d.store.states.get(stateKey(projection, "acct-1001")), { version: 2, state: { balance: 500, events: 2 } });
});

test("a gap fails that record and nothing after it", async () => {
  const d = deps();
  await projectHandler(d)(changeBatch([1]), context);
  assert.deepEqual(await projectHandler(d)(changeBatch([3, 2]), context), { batchItemFailures: [{ itemIdentifier: "seq-3" }] });
  assert.equal(d.store.states.get(stateKey(projection, "acct-1001"))?.version, 1);
});

test("every snapshotEvery-th version is snapshotted", async () => {
  const d = deps();
  await projectHandler(d)(changeBatch([1, 2, 3, 4]), context);
  assert.deepEqual(d.store.snapshots.map((s) => s.version), [3]);
});

test("a replay rebuilds state from the latest snapshot and the events after it", async () => {
  const d = deps();
  for (let v = 1; v <= 5; v++) {
    assert.equal((await appendHandler(d.events)(appendRequest(v - 1, `cmd-${v}`, 100), context)).statusCode, 201);
  }
  await projectHandler(d)(changeBatch([1, 2, 3], 100), context);
  const result = (await projectHandler(d)({ replay: { aggregateId: "acct-1001" } }, context)) as Record<string, unknown>;
  assert.equal(result.version, 5);
  assert.equal(result.fromSnapshot, 3);
  assert.deepEqual(d.store.states.get(stateKey(projection, "acct-1001")), { version: 5, state: { balance: 500, events: 5 } });
});

import {
  chargeHandler,
  confirmHandler,
  refundHandler,
  releaseHandler,
  reserveHandler,
  type SagaInput,
  type SagaStore,
  StepAlreadyCompensated,
  type StepRecord,
  ValidationError,
} from "../src/app";
import { context, loadEvent } from "./setup";

/** The saga table in memory, with the DynamoDB store's conditional writes. */
class MemorySagaStore implements SagaStore {
  readonly items = new Map<string, StepRecord>();

  async recordDone(sagaId: string, step: string, result: Record<string, unknown>): Promise<StepRecord | undefined> {
    const found = this.items.get(`${sagaId}/${step}`);
    if (found) return found;
    this.items.set(`${sagaId}/${step}`, { status: "done", result });
    return undefined;
  }

  async markCompensated(sagaId: string, step: string): Promise<StepRecord | undefined> {
    const before = this.items.get(`${sagaId}/${step}`);
    this.items.set(`${sagaId}/${step}`, { ...before, status: "compensated" });
    return before;
  }

  statuses(): Record<string, string> {
    return Object.fromEntries([...this.items].map(([key, record]) => [key, record.status]));
  }
}

test("the steps run in order and record themselves", async () => {
  const store = new MemorySagaStore();
  let state: SagaInput = await reserveHandler(store)(loadEvent("reserve"), context);
  assert.deepEqual(state.reserve, { held: { "A-1": 2, "B-7": 1 } });
  state = await chargeHandler(store)(state, context);
  assert.deepEqual(state.charge, { amount: "29.00" });
  state = await confirmHandler(store)(state, context);
  assert.deepEqual(state.confirm, { confirmed: true });
  assert.deepEqual(store.statuses(), { "order-1001/reserve": "done", "order-1001/charge": "done", "order-1001/confirm": "done" });
});

test("a retried step returns its first result and records once", async () => {
  const store = new MemorySagaStore();
  const event = loadEvent<SagaInput & { items: { price: number }[] }>("charge");
  const first = await chargeHandler(store)(event, context);
  // A retry with other prices must not charge again: the first result stands.
  event.items = event.items.map((item, i) => (i === 0 ? { ...item, price: 99 } : item));
  assert.deepEqual((await chargeHandler(store)(event, context)).charge, first.charge);
  assert.deepEqual(store.statuses(), { "order-1001/charge": "done" });
});

test("reserve refuses a bad order with ValidationError, the name the state machine sees", async () => {
  const good = loadEvent<SagaInput>("reserve");
  for (const change of [{ id: "" }, { id: 7 }, { items: [] }, { items: [{ sku: "A-1", price: 3 }] }, { items: [{ sku: "A-1", price: -1, quantity: 1 }] }]) {
    await assert.rejects(reserveHandler(new MemorySagaStore())({ ...good, ...change }, context), (error: Error) => {
      assert.ok(error instanceof ValidationError, JSON.stringify(change));
      return error.name === "ValidationError";
    });
  }
});

test("a compensation undoes a done step once", async () => {
  const store = new MemorySagaStore();
  await chargeHandler(store)(loadEvent("charge"), context);
  assert.equal((await refundHandler(store)(loadEvent("refund"), context)).refunded, true);
  assert.equal((await refundHandler(store)(loadEvent("refund"), context)).refunded, false);
  assert.deepEqual(store.statuses(), { "order-1001/charge": "compensated" });
});

test("a step that arrives after its compensation is refused", async () => {
  const store = new MemorySagaStore();
  // The compensation ran first (the step timed out before writing): nothing to undo,
  assert.equal((await releaseHandler(store)(loadEvent("release"), context)).released, false);
  // and the step's late retry must not hold items nobody will release.
  await assert.rejects(reserveHandler(store)(loadEvent("reserve"), context), StepAlreadyCompensated);
  assert.deepEqual(store.statuses(), { "order-1001/reserve": "compensated" });
});

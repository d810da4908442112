import type { {% if plan.api.is_some() %}APIGatewayProxyStructuredResultV2{% else %}SQSEvent{% endif %} } from "aws-lambda";
import {
  admit,
  type BreakerSettings,
  BreakerOpenError,
  type BreakerState,
  type BreakerStore,
  callHandler,
  DependencyError,
  type Send,
  type Transition,
{%- if plan.api.is_some() %}
  type ApiEvent,
{%- endif %}
} from "../src/app";
import { context, loadEvent{% if self.idem() %}, MemoryPersistenceLayer{% endif %} } from "./setup";

// The plan's threshold is FAILURE_THRESHOLD in template.yaml; three failures exercise the same
// transitions.
const settings: BreakerSettings = {
  failureThreshold: 3,
  failureWindowS: {% if let Some(b) = plan.breaker %}{{ b.failure_window_s }}{% endif %},
  openSeconds: {% if let Some(b) = plan.breaker %}{{ b.open_s }}{% endif %},
  trialLeaseS: {% if let Some(b) = plan.breaker %}{{ b.trial_lease_s }}{% endif %},
};

/** The breaker item in memory, with the conditions the DynamoDB store writes under. */
class MemoryBreaker implements BreakerStore {
  item: BreakerState | undefined;
  async read(): Promise<BreakerState | undefined> {
    return this.item && { ...this.item };
  }
  async apply(t: Transition): Promise<BreakerState | undefined> {
    const b = this.item;
    const next = ((): BreakerState | undefined => {
      switch (t.kind) {
        case "trial":
          if (b?.state !== t.from || (t.from === "open" ? b.openUntil : b.trialUntil) !== t.seen) return undefined;
          return { ...b, state: "half_open", trialUntil: t.until };
        case "close":
          if (b?.state !== "half_open" || b.trialUntil !== t.mine) return undefined;
          return { state: "closed", failures: 0, windowStart: t.now };
        case "reopen":
          if (b?.state !== "half_open" || b.trialUntil !== t.mine) return undefined;
          return { ...b, state: "open", openUntil: t.until, failures: 0, trialUntil: undefined };
        case "count":
          if (b?.state !== "closed" || b.windowStart !== t.window) return undefined;
          return { ...b, failures: b.failures + 1 };
        case "restart":
          if (t.window === undefined ? b !== undefined && (b.state !== "closed" || b.windowStart !== undefined) : b?.state !== "closed" || b.windowStart !== t.window) return undefined;
          return { ...(b ?? {}), state: "closed", failures: 1, windowStart: t.now };
        case "open":
          if (b?.state !== "closed" || b.failures < t.threshold) return undefined;
          return { ...b, state: "open", openUntil: t.until, failures: 0, trialUntil: undefined };
      }
    })();
    if (next) this.item = next;
    return next && { ...next };
  }
}

/** The dependency, scripted: records every call. */
class FakeDependency {
  readonly calls: { payload: Record<string, unknown>; key: string }[] = [];
  failing = false;
  answer = { status: 200, body: { captured: true } as unknown };
  readonly send: Send = async (payload, key) => {
    this.calls.push({ payload, key });
    if (this.failing) throw new DependencyError("no answer", true);
    return this.answer;
  };
}

function setup() {
  const clock = { now: 1_795_688_130 };
  const breaker = new MemoryBreaker();
  const dependency = new FakeDependency();
  const handler = callHandler({ breaker, settings, send: dependency.send, now: () => clock.now{% if self.idem() %}, idempotency: new MemoryPersistenceLayer(){% endif %} });
  return { clock, breaker, dependency, handler };
}
{%- if plan.api.is_some() %}

function request(key: string, body?: Record<string, unknown>): ApiEvent {
  const event = loadEvent<ApiEvent>("call");
  event.headers = { ...event.headers, "idempotency-key": key };
  if (body) event.body = JSON.stringify(body);
  return event;
}

type Handler = (event: ApiEvent, c: typeof context) => Promise<APIGatewayProxyStructuredResultV2>;

async function failUntilOpen(handler: Handler, dependency: FakeDependency, breaker: MemoryBreaker): Promise<void> {
  dependency.failing = true;
  for (let i = 0; i < settings.failureThreshold; i++) {
    assert.equal((await handler(request(`fail-${i}`), context)).statusCode, 504);
  }
  assert.equal(breaker.item?.state, "open");
}

test("a closed breaker passes the call and its answer, writing nothing", async () => {
  const { handler, dependency, breaker } = setup();
  const result = await handler(request("key-1"), context);
  assert.equal(result.statusCode, 200);
  assert.deepEqual(JSON.parse(result.body ?? "null"), { dependencyStatus: 200, answer: { captured: true } });
  assert.equal(dependency.calls[0]?.key.length, 64);
  assert.equal(breaker.item, undefined);
});

test("failures up to the threshold open the breaker; then calls get 503 and Retry-After, uncalled", async () => {
  const { handler, dependency, breaker } = setup();
  await failUntilOpen(handler, dependency, breaker);
  const calls = dependency.calls.length;
  const result = await handler(request("while-open"), context);
  assert.equal(result.statusCode, 503);
  assert.equal(result.headers?.["Retry-After"], String(settings.openSeconds));
  assert.equal(dependency.calls.length, calls);
});

test("a refusal (4XX) is answered 422 and not counted", async () => {
  const { handler, dependency, breaker } = setup();
  dependency.answer = { status: 402, body: { error: "card declined" } };
  for (let i = 0; i <= settings.failureThreshold; i++) {
    assert.equal((await handler(request(`declined-${i}`), context)).statusCode, 422);
  }
  assert.equal(breaker.item, undefined);
});

test("after the open time one trial closes the breaker, and a failed trial opens it again", async () => {
  const { handler, dependency, breaker, clock } = setup();
  await failUntilOpen(handler, dependency, breaker);
  clock.now += settings.openSeconds;
  assert.equal((await handler(request("trial-1"), context)).statusCode, 504);
  assert.equal(breaker.item?.openUntil, clock.now + settings.openSeconds);
  clock.now += settings.openSeconds;
  dependency.failing = false;
  assert.equal((await handler(request("trial-2"), context)).statusCode, 200);
  assert.equal(breaker.item?.state, "closed");
});
{%- if self.idem() %}

test("a capture retried after the trial is not charged twice", async () => {
  const { handler, dependency, breaker, clock } = setup();
  await failUntilOpen(handler, dependency, breaker);
  const firstKey = dependency.calls[0]?.key;
  clock.now += settings.openSeconds;
  dependency.failing = false;
  // The same Idempotency-Key: the dependency gets the same key as for the attempt that timed out.
  assert.equal((await handler(request("fail-0"), context)).statusCode, 200);
  assert.equal(dependency.calls.at(-1)?.key, firstKey);
  const calls = dependency.calls.length;
  assert.equal((await handler(request("fail-0"), context)).statusCode, 200);
  assert.equal(dependency.calls.length, calls, "a repeat after success gets the stored answer");
  assert.equal((await handler(request("fail-0", { orderId: "other" }), context)).statusCode, 422);
});
{%- endif %}

test("a request without an Idempotency-Key is refused", async () => {
  const { handler, dependency } = setup();
  assert.equal((await handler(request(""), context)).statusCode, 400);
  assert.equal(dependency.calls.length, 0);
});
{%- else %}

function batch(ids: string[]): SQSEvent {
  const event = loadEvent<SQSEvent>("call");
  const template = event.Records[0]!;
  return {
    Records: ids.map((id) => ({ ...template, messageId: `m-${id}`, body: JSON.stringify({ id, payload: { orderId: id } }) })),
  };
}

function left(result: { batchItemFailures: { itemIdentifier: string }[] }): string[] {
  return result.batchItemFailures.map((f) => f.itemIdentifier.replace(/^m-/, ""));
}

test("the sample batch is called in full", async () => {
  const { handler, dependency, breaker } = setup();
  assert.deepEqual(await handler(loadEvent<SQSEvent>("call"), context), { batchItemFailures: [] });
  assert.deepEqual(dependency.calls.map((c) => c.payload.orderId), ["order-1001", "order-1002"]);
  assert.equal(breaker.item, undefined);
});

test("once open, the rest of the batch stays on the queue uncalled", async () => {
  const { handler, dependency, breaker } = setup();
  dependency.failing = true;
  const ids = Array.from({ length: settings.failureThreshold + 3 }, (_, i) => `r${i}`);
  assert.deepEqual(left(await handler(batch(ids), context)), ids);
  assert.equal(dependency.calls.length, settings.failureThreshold);
  assert.equal(breaker.item?.state, "open");
  assert.deepEqual(left(await handler(batch(["later"]), context)), ["later"]);
  assert.equal(dependency.calls.length, settings.failureThreshold);
});

test("after the open time one trial closes the breaker, and a failed trial opens it again", async () => {
  const { handler, dependency, breaker, clock } = setup();
  dependency.failing = true;
  await handler(batch(Array.from({ length: settings.failureThreshold }, (_, i) => `r${i}`)), context);
  clock.now += settings.openSeconds;
  assert.deepEqual(left(await handler(batch(["t1", "t2"]), context)), ["t1", "t2"]);
  assert.equal(breaker.item?.openUntil, clock.now + settings.openSeconds);
  clock.now += settings.openSeconds;
  dependency.failing = false;
  assert.deepEqual(left(await handler(batch(["t3", "t4"]), context)), []);
  assert.equal(breaker.item?.state, "closed");
});

test("a refused request is done and not counted; a malformed message fails alone", async () => {
  const { handler, dependency, breaker } = setup();
  dependency.answer = { status: 422, body: { error: "unknown order" } };
  assert.deepEqual(left(await handler(batch(["a", "b"]), context)), []);
  const event = batch(["c"]);
  event.Records[0]!.body = "not json";
  assert.deepEqual(left(await handler(event, context)), ["c"]);
  assert.equal(breaker.item, undefined);
  assert.equal(dependency.calls.length, 2);
});
{%- if self.idem() %}

test("a capture retried after the trial sends the same key, and a redelivery calls once", async () => {
  const { handler, dependency, clock } = setup();
  dependency.failing = true;
  await handler(batch(Array.from({ length: settings.failureThreshold }, (_, i) => `r${i}`)), context);
  const firstKey = dependency.calls[0]?.key;
  clock.now += settings.openSeconds;
  dependency.failing = false;
  assert.deepEqual(left(await handler(batch(["r0"]), context)), []);
  assert.equal(dependency.calls.at(-1)?.key, firstKey);
  const calls = dependency.calls.length;
  await handler(batch(["r0"]), context);
  assert.equal(dependency.calls.length, calls);
});
{%- endif %}
{%- endif %}

test("only one environment takes the trial, and a dead trial frees the breaker after its lease", async () => {
  const breaker = new MemoryBreaker();
  const now = 1_795_688_130;
  breaker.item = { state: "open", failures: 0, openUntil: now };
  const first = await admit(breaker, settings, now);
  assert.equal(first.trialUntil, now + settings.trialLeaseS);
  await assert.rejects(admit(breaker, settings, now), BreakerOpenError);
  const later = await admit(breaker, settings, now + settings.trialLeaseS);
  assert.equal(later.trialUntil, now + 2 * settings.trialLeaseS);
});

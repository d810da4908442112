import { type ApiEvent, type Fetch, type Settings, backend } from "../src/app";
import { context, loadEvent } from "./setup";

const profile = { id: "user-7f3a2c", name: "Ada", email: "ada@example.com" };
const orders = { orders: Array.from({ length: 30 }, (_, i) => ({ id: `o-${i}`, status: "shipped", total: 10 + i, lines: [1, 2] })) };

/** The shared services, faked: each call recorded; slow or failing when asked. */
function services(delayMs = 0, failing: string[] = []): { fetch: Fetch; calls: [string, string, number][] } {
  const calls: [string, string, number][] = [];
  const fetch: Fetch = async (url, correlationId, timeoutMs) => {
    calls.push([url, correlationId, timeoutMs]);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (failing.some((name) => url.includes(`/${name}`))) throw new Error("timed out");
    return url.includes("/profiles/") ? profile : orders;
  };
  return { fetch, calls };
}

function settings(fetch: Fetch, overrides: Partial<Settings> = {}): Settings {
  return {
    services: [
{%- if let Some(b) = plan.bff %}
{%- for d in b.downstreams %}
      { name: "{{ d.name }}", base: "https://{{ d.name }}.example.com", path: "{{ d.path }}" },
{%- endfor %}
{%- endif %}
    ],
    callTimeoutMs: {% if let Some(b) = plan.bff %}{{ b.call_timeout_ms }}{% endif %},
    maxResponseBytes: {% if let Some(b) = plan.bff %}{{ b.max_response_bytes }}{% endif %},
    fetch,
    ...overrides,
  };
}

async function call(name: string, s: Settings, compact: boolean, limit: number): Promise<[number, Record<string, unknown>]> {
  const result = await backend(s, compact, limit)(loadEvent<ApiEvent>(name), context);
  return [result.statusCode ?? 0, JSON.parse(result.body ?? "null") as Record<string, unknown>];
}
{%- if let Some(b) = plan.bff %}{% for c in b.clients %}

test("the {{ c.name }} backend answers in its own shape", async () => {
  const [status, body] = await call("{{ c.name }}", settings(services().fetch), {{ c.compact }}, {{ c.list_limit }});
  assert.equal(status, 200);
  assert.equal(body.partial, false);
  assert.deepEqual(body.unavailable, []);
  const list = body.orders as Record<string, unknown>[];
  assert.equal(list.length, {{ c.list_limit }});
{%- if c.compact %}
  assert.equal(body.name, "Ada");
  assert.deepEqual(Object.keys(list[0] ?? {}).sort(), ["id", "status", "total"]);
{%- else %}
  assert.deepEqual(body.profile, profile);
  assert.deepEqual(list[0]?.lines, [1, 2]);
{%- endif %}
});
{%- endfor %}
{%- let first = b.clients[0] %}

test("the services are called at once, not one after the other", async () => {
  const started = Date.now();
  const [status] = await call("{{ first.name }}", settings(services(300).fetch, { callTimeoutMs: 2000 }), {{ first.compact }}, {{ first.list_limit }});
  assert.equal(status, 200);
  assert.ok(Date.now() - started < 550);
});

test("a failed service gives a partial answer, not an error", async () => {
  const [status, body] = await call("{{ first.name }}", settings(services(0, ["orders"]).fetch), {{ first.compact }}, {{ first.list_limit }});
  assert.equal(status, 200);
  assert.equal(body.partial, true);
  assert.deepEqual(body.unavailable, ["orders"]);
  assert.deepEqual(body.orders, []);
});

test("a late service is left out at the call timeout", async () => {
  const started = Date.now();
  const [status, body] = await call("{{ first.name }}", settings(services(500).fetch, { callTimeoutMs: 100 }), {{ first.compact }}, {{ first.list_limit }});
  assert.ok(Date.now() - started < 400);
  assert.equal(status, 502);
  assert.deepEqual((body.unavailable as string[]).sort(), ["orders", "profile"]);
});

test("each call carries the correlation id and the call timeout", async () => {
  const fake = services();
  await call("{{ first.name }}", settings(fake.fetch), {{ first.compact }}, {{ first.list_limit }});
  const sent = loadEvent<ApiEvent>("{{ first.name }}").headers["x-correlation-id"];
  assert.equal(fake.calls.length, {{ b.downstreams.len() }});
  for (const [, correlationId, timeoutMs] of fake.calls) {
    assert.equal(correlationId, sent);
    assert.equal(timeoutMs, {{ b.call_timeout_ms }});
  }
});

test("a response over the size limit is cut to fit", async () => {
  const [status, body] = await call("{{ first.name }}", settings(services().fetch, { maxResponseBytes: 600 }), {{ first.compact }}, {{ first.list_limit }});
  assert.equal(status, 200);
  assert.equal(body.truncated, true);
  const n = (body.orders as unknown[]).length;
  assert.ok(n > 0 && n < {{ first.list_limit }});
});
{%- endif %}

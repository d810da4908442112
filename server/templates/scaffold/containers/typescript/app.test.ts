// Unit tests of the app, with in-memory fakes for the AWS calls.
import assert from "node:assert/strict";
{%- if self.service() %}
import type { AddressInfo } from "node:net";
{%- endif %}
import { test } from "node:test";
{%- if self.service() %}

import { handler{% if self.table() %}, type Item, type Store{% endif %} } from "../src/server";
{%- endif %}
{%- if self.worker() || self.scheduled() %}

import { Interrupted, InvalidJob, {% if self.idem() %}type JobRecords, {% endif %}type JobResult, processJob, type Results{% if self.scheduled() %}, runScheduled{% endif %}{% if self.idem() %}, type Start{% endif %} } from "../src/jobs";
{%- endif %}
{%- if self.worker() %}
import { type Message, type Queue, Worker } from "../src/worker";
{%- endif %}
{%- if self.worker() || self.scheduled() %}

class MemoryResults implements Results {
  readonly saved: JobResult[] = [];
  async record(r: JobResult): Promise<void> {
    this.saved.push(r);
  }
}

test("a job needs an id and sane steps", async () => {
  await assert.rejects(processJob({ id: "" }, new AbortController().signal), InvalidJob);
  await assert.rejects(processJob({ id: "j", steps: 0 }, new AbortController().signal), InvalidJob);
});

test("a stopping task interrupts the job", async () => {
  const stop = new AbortController();
  stop.abort();
  await assert.rejects(processJob({ id: "j" }, stop.signal), Interrupted);
});
{%- endif %}
{%- if self.idem() %}

class MemoryRecords implements JobRecords {
  readonly items = new Map<string, string>();
  async start(id: string): Promise<Start> {
    const s = this.items.get(id);
    if (s === "COMPLETED") return "done";
    if (s === "IN_PROGRESS") return "busy";
    this.items.set(id, "IN_PROGRESS");
    return "run";
  }
  async extend(): Promise<void> {}
  async finish(id: string): Promise<void> {
    this.items.set(id, "COMPLETED");
  }
  async release(id: string): Promise<void> {
    this.items.delete(id);
  }
}
{%- endif %}
{%- if self.worker() %}

class MemoryQueue implements Queue {
  waiting: Message[] = [];
  readonly removed: string[] = [];
  readonly visibility: [string, number][] = [];
  private n = 0;
  send(body: unknown): void {
    this.n += 1;
    this.waiting.push({ id: `m${this.n}`, receipt: `r${this.n}`, body: JSON.stringify(body), receives: 1 });
  }
  async receive(): Promise<Message[]> {
    return this.waiting.splice(0, 1);
  }
  async remove(m: Message): Promise<void> {
    this.removed.push(m.id);
  }
  async setVisibility(m: Message, seconds: number): Promise<void> {
    this.visibility.push([m.id, seconds]);
  }
}

function worker(queue: Queue, stop = new AbortController(){% if self.idem() %}, records = new MemoryRecords(){% endif %}, results = new MemoryResults()) {
  return new Worker(queue, {{ self.visibility_s() }}, stop.signal, {% if self.idem() %}records, {% endif %}results, 0);
}

test("a finished job is deleted from the queue", async () => {
  const q = new MemoryQueue();
  const results = new MemoryResults();
  q.send({ id: "job-1", steps: 2 });
  assert.equal(await worker(q, undefined{% if self.idem() %}, undefined{% endif %}, results).pollOnce(), 1);
  assert.deepEqual(q.removed, ["m1"]);
  assert.equal(results.saved[0]?.id, "job-1");
});

test("a failed job stays on the queue for a retry", async () => {
  const q = new MemoryQueue();
  q.send({ id: "job-2", steps: "many" });
  await worker(q).pollOnce();
  assert.deepEqual(q.removed, []);
  assert.deepEqual(q.visibility, [["m1", 0]]);
});

test("a stopping worker hands the job back", async () => {
  const q = new MemoryQueue();
  const stop = new AbortController();
  stop.abort();
  q.send({ id: "job-3" });
  await worker(q, stop).pollOnce();
  assert.deepEqual(q.removed, []);
  assert.deepEqual(q.visibility, [["m1", 0]]);
});
{%- if self.idem() %}

test("a duplicate of a finished job is dropped without running", async () => {
  const q = new MemoryQueue();
  const records = new MemoryRecords();
  const results = new MemoryResults();
  const w = worker(q, undefined, records, results);
  q.send({ id: "job-4" });
  q.send({ id: "job-4" });
  await w.pollOnce();
  await w.pollOnce();
  assert.deepEqual(q.removed, ["m1", "m2"]);
  assert.equal(results.saved.length, 1);
});

test("a job another task holds is left alone", async () => {
  const q = new MemoryQueue();
  const records = new MemoryRecords();
  records.items.set("job-5", "IN_PROGRESS");
  q.send({ id: "job-5" });
  await worker(q, undefined, records).pollOnce();
  assert.deepEqual(q.removed, []);
  assert.deepEqual(q.visibility, []);
});
{%- endif %}
{%- endif %}
{%- if self.scheduled() %}

test("a scheduled run runs once per scheduled time", async () => {
  const results = new MemoryResults();
{%- if self.idem() %}
  const records = new MemoryRecords();
{%- endif %}
  const deps = { {% if self.idem() %}records, {% endif %}results };
  assert.ok(await runScheduled("2026-01-01T02:00:00Z", new AbortController().signal, deps));
  assert.ok(await runScheduled("2026-01-01T02:00:00Z", new AbortController().signal, deps));
  assert.equal(results.saved.length, {% if self.idem() %}1{% else %}2{% endif %});
});
{%- endif %}
{%- if self.service() %}

async function withServer(fn: (base: string) => Promise<void>{% if self.table() %}, store: Store = new MemoryStore(){% endif %}): Promise<void> {
  const { createServer } = await import("node:http");
  const server = createServer(handler({% if self.table() %}store{% endif %}));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}`);
  } finally {
    server.close();
    server.closeAllConnections();
  }
}
{%- if self.table() %}

class MemoryStore implements Store {
  readonly items = new Map<string, Item>();
  async get(id: string): Promise<Item | undefined> {
    return this.items.get(id);
  }
  async put(item: Item): Promise<void> {
    this.items.set(item.id, item);
  }
}
{%- endif %}

test("the health check answers and echoes the correlation id", async () => {
  await withServer(async (base) => {
    const r = await fetch(`${base}{{ self.health_path() }}`, { headers: { "x-correlation-id": "abc" } });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: "ok" });
    assert.equal(r.headers.get("x-correlation-id"), "abc");
  });
});
{%- if self.table() %}

test("an item is created then read", async () => {
  await withServer(async (base) => {
    const created = await fetch(`${base}/items`, { method: "POST", body: JSON.stringify({ name: "first" }) });
    assert.equal(created.status, 201);
    const item = (await created.json()) as Item;
    const read = await fetch(`${base}/items/${item.id}`);
    assert.deepEqual(await read.json(), item);
    assert.equal((await fetch(`${base}/items/missing`)).status, 404);
  });
});

test("an invalid item is refused", async () => {
  const store = new MemoryStore();
  await withServer(async (base) => {
    assert.equal((await fetch(`${base}/items`, { method: "POST", body: JSON.stringify({ name: "" }) })).status, 400);
    assert.equal((await fetch(`${base}/items`, { method: "POST", body: "[1]" })).status, 400);
  }, store);
  assert.equal(store.items.size, 0);
});
{%- else %}

test("the root names the service", async () => {
  await withServer(async (base) => {
    const r = await fetch(`${base}/`);
    assert.equal(r.status, 200);
  });
});
{%- endif %}
{%- endif %}

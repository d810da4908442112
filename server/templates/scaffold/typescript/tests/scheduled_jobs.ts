import { type RunLedger, type Slot, type SlotEvent, InvalidSlotError, lockId, parseSlot, runHandler, runId } from "../src/app";
import { context, loadEvent } from "./setup";
{%- if self.job_secret() %}

/** The job's credentials, as Secrets Manager would return them. */
const TEST_SECRET = '{"username": "sync", "password": "test-only"}';
{%- endif %}

/** The runs table in memory, with the DynamoDB ledger's conditions. */
class MemoryLedger implements RunLedger {
  readonly done_ = new Set<string>();
  readonly locks = new Map<string, { owner: string; until: number }>();

  async done(slot: Slot): Promise<boolean> {
    return this.done_.has(runId(slot));
  }

  async lock(slot: Slot, nowS: number, untilS: number): Promise<boolean> {
    const held = this.locks.get(lockId(slot));
    if (held && held.until >= nowS) return false;
    this.locks.set(lockId(slot), { owner: runId(slot), until: untilS });
    return true;
  }

  async holder(slot: Slot): Promise<string | undefined> {
    return this.locks.get(lockId(slot))?.owner;
  }

  async complete(slot: Slot): Promise<void> {
    this.done_.add(runId(slot));
  }

  async unlock(slot: Slot): Promise<void> {
    if (this.locks.get(lockId(slot))?.owner === runId(slot)) this.locks.delete(lockId(slot));
  }
}

function start(job?: (slot: Slot{% if self.job_secret() %}, secret: string{% endif %}) => Promise<Record<string, unknown>>) {
  const ran: string[] = [];
  const ledger = new MemoryLedger();
  const handler = runHandler({
    ledger,
    job:
      job ??
      (async (slot) => {
        ran.push(slot.scheduledTime);
        return { ok: true };
      }),
    now: () => Date.parse("2026-11-26T02:00:05Z"),
{%- if self.job_secret() %}
    secret: async () => TEST_SECRET,
{%- endif %}
  });
  return { ran, ledger, handler };
}

test("the sample slot runs once and its record is kept", async () => {
  const { ran, ledger, handler } = start();
  const event = loadEvent<SlotEvent>("run");
  const result = await handler(event, context);
  assert.equal(result.status, "completed");
  assert.deepEqual(ran, [event.scheduled_time]);
  assert.equal(ledger.done_.size, 1);
  assert.equal(ledger.locks.size, 0, "the lock is released when the run ends");
});

test("a redelivered slot does not run again", async () => {
  const { ran, handler } = start();
  await handler(loadEvent<SlotEvent>("run"), context);
  const again = await handler(loadEvent<SlotEvent>("run"), context);
  assert.equal(again.status, "duplicate");
  assert.equal(ran.length, 1);
});

test("a start while the previous run holds the lock is skipped", async () => {
  const { ran, ledger, handler } = start();
  const event = loadEvent<SlotEvent>("run");
  const earlier = parseSlot({ ...event, scheduled_time: "2026-11-25T02:00:00Z" });
  const nowS = Date.parse("2026-11-26T02:00:05Z") / 1000;
  assert.ok(await ledger.lock(earlier, nowS - 60, nowS + 600));
  assert.equal((await handler(event, context)).status, "skipped");
  assert.equal(ran.length, 0);
  // A lock past its holder's deadline is taken over.
  assert.ok(await ledger.lock(parseSlot(event), nowS + 601, nowS + 1200));
});

test("a second delivery of a running slot is not an overlap", async () => {
  const { ran, ledger, handler } = start();
  const event = loadEvent<SlotEvent>("run");
  const nowS = Date.parse("2026-11-26T02:00:05Z") / 1000;
  assert.ok(await ledger.lock(parseSlot(event), nowS - 5, nowS + 600));
  assert.equal((await handler(event, context)).status, "running");
  assert.equal(ran.length, 0);
});

test("a failed run records nothing and frees the lock, so the retry runs", async () => {
  let fail = true;
  const { ledger, handler } = start(async () => {
    if (fail) throw new Error("partner feed unavailable");
    return {};
  });
  await assert.rejects(handler(loadEvent<SlotEvent>("run"), context), /partner feed/);
  assert.equal(ledger.done_.size, 0);
  assert.equal(ledger.locks.size, 0);
  fail = false;
  assert.equal((await handler(loadEvent<SlotEvent>("run"), context)).status, "completed");
});

test("an event without a slot fails", async () => {
  const { handler } = start();
  for (const change of [{ schedule_arn: "" }, { scheduled_time: 5 }, { scheduled_time: "last night" }]) {
    await assert.rejects(handler({ ...loadEvent<SlotEvent>("run"), ...change }, context), InvalidSlotError);
  }
});
{%- if self.job_secret() %}

test("the job gets the secret's value", async () => {
  const seen: string[] = [];
  const { handler } = start(async (_slot, secret) => {
    seen.push(secret);
    return {};
  });
  await handler(loadEvent<SlotEvent>("run"), context);
  assert.deepEqual(seen, [TEST_SECRET]);
});
{%- endif %}

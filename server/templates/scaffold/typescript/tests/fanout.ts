import type { SQSEvent, SQSRecord } from "aws-lambda";
import { InvalidMessageError, type Message, isCreated, parseMessage, subscriberHandler } from "../src/app";
import { context, loadEvent{% if self.idem() %}, MemoryPersistenceLayer{% endif %} } from "./setup";

function start(accepts: (message: Message) => boolean = () => true) {
  const seen: Message[] = [];
  const handler = subscriberHandler(
    "Test",
    {
      sink: async (message) => {
        seen.push(message);
      },
{%- if self.idem() %}
      idempotency: new MemoryPersistenceLayer(),
{%- endif %}
    },
    accepts,
  );
  return { seen, handler };
}

/** A copy of the sample event's first record with another id and body. */
function record(event: SQSEvent, messageId: string, body: string): SQSRecord {
  const first = event.Records[0];
  assert.ok(first, "the sample event has a record");
  return { ...structuredClone(first), messageId, body };
}

test("parseMessage reads type and id, and rejects other bodies", () => {
  assert.deepEqual(parseMessage('{"type":"created","id":"1","n":2}'), { type: "created", id: "1", n: 2 });
  for (const bad of ["not json", "[]", '{"id":"1"}', '{"type":"created"}', '{"type":"","id":"1"}', '{"type":"created","id":7}']) {
    assert.throws(() => parseMessage(bad), InvalidMessageError, bad);
  }
});

test("audit handles every message of the sample batch", async () => {
  const { seen, handler } = start();
  const event = loadEvent<SQSEvent>("audit");
  const result = await handler(event, context);
  assert.deepEqual(result.batchItemFailures, []);
  assert.equal(seen.length, event.Records.length);
});

test("a message that cannot be read is reported in batchItemFailures; the rest are handled", async () => {
  const { seen, handler } = start();
  const event = loadEvent<SQSEvent>("audit");
  event.Records.push(record(event, "bad-message", "not json"));
  const result = await handler(event, context);
  assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: "bad-message" }]);
  assert.equal(seen.length, event.Records.length - 1);
});

test("notify acts on created events only", async () => {
  const { seen, handler } = start(isCreated);
  const event = loadEvent<SQSEvent>("notify");
  event.Records = [
    record(event, "m-created", JSON.stringify({ type: "created", id: "item-1" })),
    record(event, "m-updated", JSON.stringify({ type: "updated", id: "item-1" })),
  ];
  const result = await handler(event, context);
  assert.deepEqual(result.batchItemFailures, []);
  assert.deepEqual(
    seen.map((m) => m.type),
    ["created"],
  );
});
{%- if self.idem() %}

test("a redelivered message (same body) is handled once", async () => {
  const { seen, handler } = start();
  const event = loadEvent<SQSEvent>("audit");
  event.Records = [record(event, "m-1", JSON.stringify({ type: "created", id: "item-1" }))];
  await handler(event, context);
  event.Records = [record(event, "m-2", JSON.stringify({ type: "created", id: "item-1" }))];
  const result = await handler(event, context);
  assert.deepEqual(result.batchItemFailures, []);
  assert.equal(seen.length, 1);
});
{%- endif %}
{%- if plan.fifo.is_some() %}

test("after a failed message, every later message of the batch is reported failed", async () => {
  const { seen, handler } = start();
  const event = loadEvent<SQSEvent>("audit");
  const [first, second] = event.Records;
  assert.ok(first && second, "the sample event has two records");
  event.Records = [first, record(event, "bad-message", "not json"), second];
  const result = await handler(event, context);
  assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: "bad-message" }, { itemIdentifier: second.messageId }]);
  assert.equal(seen.length, 1);
});
{%- endif %}

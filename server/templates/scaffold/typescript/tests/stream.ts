import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { InvalidRecordError, type StreamData, consumeHandler, decodeData } from "../src/app";
import { context, loadEvent{% if self.idem() %}, MemoryPersistenceLayer{% endif %} } from "./setup";

function start() {
  const seen: StreamData[] = [];
  const handler = consumeHandler({
    sink: async (data) => {
      seen.push(data);
    },
{%- if self.idem() %}
    idempotency: new MemoryPersistenceLayer(),
{%- endif %}
  });
  return { seen, handler };
}

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64");

/** A copy of the sample event's first record with another sequence number and data. */
function record(event: KinesisStreamEvent, sequenceNumber: string, data: string): KinesisStreamRecord {
  const first = event.Records[0];
  assert.ok(first, "the sample event has a record");
  const copy = structuredClone(first);
  copy.kinesis.sequenceNumber = sequenceNumber;
  copy.kinesis.data = data;
  copy.eventID = `shardId-000000000000:${sequenceNumber}`;
  return copy;
}

test("decodeData reads base64 JSON objects and rejects the rest", () => {
  assert.deepEqual(decodeData(encode({ id: "a", amount: 2 })), { id: "a", amount: 2 });
  for (const bad of [Buffer.from("not json").toString("base64"), encode([1, 2]), encode("text")]) {
    assert.throws(() => decodeData(bad), InvalidRecordError);
  }
});

test("every record of the sample batch is processed", async () => {
  const { seen, handler } = start();
  const event = loadEvent<KinesisStreamEvent>("{{ plan.handlers[0].name }}");
  const result = await handler(event, context);
  assert.deepEqual(result.batchItemFailures, []);
  assert.equal(seen.length, event.Records.length);
});

test("a bad record is reported by sequence number, and nothing after it runs out of order", async () => {
  const { seen, handler } = start();
  const event = loadEvent<KinesisStreamEvent>("{{ plan.handlers[0].name }}");
  event.Records = [
    record(event, "1001", encode({ id: "first" })),
    record(event, "1002", Buffer.from("not json").toString("base64")),
    record(event, "1003", encode({ id: "third" })),
  ];
  const result = await handler(event, context);
  assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: "1002" }, { itemIdentifier: "1003" }]);
  assert.deepEqual(seen, [{ id: "first" }]);
});
{%- if self.idem() %}

test("a retried batch does not process its records twice", async () => {
  const { seen, handler } = start();
  const event = loadEvent<KinesisStreamEvent>("{{ plan.handlers[0].name }}");
  await handler(event, context);
  const result = await handler(loadEvent<KinesisStreamEvent>("{{ plan.handlers[0].name }}"), context);
  assert.deepEqual(result.batchItemFailures, []);
  assert.equal(seen.length, event.Records.length);
});
{%- endif %}

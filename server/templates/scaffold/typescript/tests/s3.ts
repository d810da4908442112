import type { S3Event } from "aws-lambda";
import { type ObjectStore, objectOf, outputKey, processHandler, summarize } from "../src/app";
import { context, loadEvent{% if self.idem() %}, MemoryPersistenceLayer{% endif %} } from "./setup";

/** Buckets in memory; counts writes. */
class MemoryObjects implements ObjectStore {
  readonly objects = new Map<string, string>();
  puts = 0;
  async get(bucket: string, key: string): Promise<Uint8Array> {
    const body = this.objects.get(`${bucket}/${key}`);
    if (body === undefined) throw new Error(`NoSuchKey: ${bucket}/${key}`);
    return Buffer.from(body);
  }
  async put(bucket: string, key: string, body: string): Promise<void> {
    this.puts += 1;
    this.objects.set(`${bucket}/${key}`, body);
  }
}

const OUTPUT = "{{ plan.project }}-output";

function start() {
  const objects = new MemoryObjects();
  const handler = processHandler({
    objects,
    outputBucket: OUTPUT,
{%- if self.idem() %}
    idempotency: new MemoryPersistenceLayer(),
{%- endif %}
  });
  return { objects, handler };
}

/** The sample notification (events/process.json), with the object it names stored. */
function sample(objects: MemoryObjects, body = "a,b\n1,2\n"): { event: S3Event; bucket: string; key: string } {
  const event = loadEvent<S3Event>("process");
  const record = event.Records[0];
  assert.ok(record, "events/process.json has a record");
  const { bucket, key } = objectOf(record);
  objects.objects.set(`${bucket}/${key}`, body);
  return { event, bucket, key };
}

test("outputKey maps incoming/ to processed/ and refuses other keys", () => {
  assert.equal(outputKey("incoming/2026/report.csv"), "processed/2026/report.csv");
  assert.equal(outputKey("processed/2026/report.csv"), undefined);
  assert.equal(outputKey("incoming/"), undefined);
  assert.equal(outputKey("other/incoming/x"), undefined);
});

test("objectOf decodes URL-encoded keys", () => {
  const record = loadEvent<S3Event>("process").Records[0];
  assert.ok(record);
  record.s3.object.key = "incoming/a+b%2C%C3%A9.csv";
  assert.equal(objectOf(record).key, "incoming/a b,é.csv");
});

test("summarize counts bytes and lines", () => {
  const summary = summarize("s3://b/k", Buffer.from("one\ntwo\n"));
  assert.equal(summary.bytes, 8);
  assert.equal(summary.lines, 2);
  assert.equal(summary.sha256.length, 64);
  assert.equal(summarize("s3://b/k", new Uint8Array()).lines, 0);
});

test("an uploaded object's summary is written to the output bucket under processed/", async () => {
  const { objects, handler } = start();
  const { event, key } = sample(objects);
  const outcomes = await handler(event, context);
  const target = outputKey(key);
  assert.ok(target);
  assert.deepEqual(outcomes, [{ key, output: target }]);
  const written = JSON.parse(objects.objects.get(`${OUTPUT}/${target}`) ?? "null") as { bytes: number; lines: number };
  assert.equal(written.bytes, 8);
  assert.equal(written.lines, 2);
});

test("an object outside incoming/ is skipped, and nothing is written", async () => {
  const { objects, handler } = start();
  const { event } = sample(objects);
  const record = event.Records[0];
  assert.ok(record);
  record.s3.object.key = "elsewhere/file.csv";
  const outcomes = await handler(event, context);
  assert.equal(outcomes[0]?.skipped, "not under incoming/");
  assert.equal(objects.puts, 0);
});

test("a failed read fails the invocation, so Lambda retries it", async () => {
  const { handler } = start();
  await assert.rejects(handler(loadEvent<S3Event>("process"), context), /NoSuchKey/);
});
{%- if self.idem() %}

test("a duplicated notification is processed once", async () => {
  const { objects, handler } = start();
  const { event } = sample(objects);
  const first = await handler(event, context);
  const again = await handler(loadEvent<S3Event>("process"), context);
  assert.deepEqual(again, first);
  assert.equal(objects.puts, 1);
});
{%- endif %}

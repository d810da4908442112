import type { APIGatewayProxyEventV2, {% if self.idem() %}SQSBatchResponse, {% endif %}SQSEvent, SQSRecord } from "aws-lambda";
import { logger, type Payload, rawBody, receiveHandler, sign, verifySignature, workHandler } from "../src/app";
import { context, loadEvent{% if self.idem() %}, MemoryPersistenceLayer{% endif %} } from "./setup";

const SECRET = "test-signing-secret";

function receiver() {
  const queued: { body: string; correlationId: string | undefined }[] = [];
  const handler = receiveHandler({
    secret: async () => SECRET,
    enqueue: async (body, correlationId) => {
      queued.push({ body, correlationId });
    },
  });
  return { queued, handler };
}

/** The sample webhook request (events/receive.json), signed with `secret`, or not signed. */
function request(secret: string | undefined): APIGatewayProxyEventV2 {
  const event = loadEvent<APIGatewayProxyEventV2>("receive");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (name.toLowerCase() !== "x-signature" && value !== undefined) headers[name] = value;
  }
  if (secret !== undefined) headers["x-signature"] = sign(rawBody(event), secret);
  event.headers = headers;
  return event;
}

test("verifySignature accepts the right signature only", () => {
  const body = Buffer.from('{"event":"paid"}');
  const good = sign(body, SECRET);
  assert.equal(verifySignature(body, good, SECRET), true);
  assert.equal(verifySignature(body, good.toUpperCase().replace("SHA256=", "sha256="), SECRET), true);
  assert.equal(verifySignature(body, undefined, SECRET), false);
  assert.equal(verifySignature(body, "", SECRET), false);
  assert.equal(verifySignature(body, good.slice(0, -2), SECRET), false);
  assert.equal(verifySignature(body, good.replace("sha256=", "sha1="), SECRET), false);
  assert.equal(verifySignature(body, sign(body, "another secret"), SECRET), false);
  assert.equal(verifySignature(Buffer.from('{"event":"refunded"}'), good, SECRET), false);
});

test("a signed request is queued and answered 202", async () => {
  const { queued, handler } = receiver();
  const event = request(SECRET);
  const result = await handler(event, context);
  assert.equal(result.statusCode, 202);
  assert.equal(queued.length, 1);
  assert.equal(queued[0]?.body, rawBody(event).toString("utf8"));
  assert.equal(queued[0]?.correlationId, event.requestContext.requestId);
});

test("an unsigned or wrongly signed request gets 401 and nothing is queued", async () => {
  const { queued, handler } = receiver();
  assert.equal((await handler(request(undefined), context)).statusCode, 401);
  assert.equal((await handler(request("wrong secret"), context)).statusCode, 401);
  const tampered = request(SECRET);
  tampered.body = `${rawBody(tampered).toString("utf8")} `;
  tampered.isBase64Encoded = false;
  assert.equal((await handler(tampered, context)).statusCode, 401);
  assert.equal(queued.length, 0);
});

function worker() {
  const seen: Payload[] = [];
  const handler = workHandler({
    sink: async (payload) => {
      seen.push(payload);
    },
{%- if self.idem() %}
    idempotency: new MemoryPersistenceLayer(),
{%- endif %}
  });
  return { seen, handler };
}

/** A copy of the sample event's first record with another id and body. */
function record(event: SQSEvent, messageId: string, body: string): SQSRecord {
  const first = event.Records[0];
  assert.ok(first, "the sample event has a record");
  return { ...structuredClone(first), messageId, body };
}

test("work processes every message of the sample batch", async () => {
  const { seen, handler } = worker();
  const event = loadEvent<SQSEvent>("work");
  const result = await handler(event, context);
  assert.deepEqual(result.batchItemFailures, []);
  assert.equal(seen.length, event.Records.length);
});

test("work handles a message under the correlation id the receiver put on it", async () => {
  const during: (string | undefined)[] = [];
  const handler = workHandler({
    sink: async () => {
      during.push(logger.getCorrelationId() as string | undefined);
    },
{%- if self.idem() %}
    idempotency: new MemoryPersistenceLayer(),
{%- endif %}
  });
  const event = loadEvent<SQSEvent>("work");
  const first = record(event, "with-attribute", event.Records[0]?.body ?? "");
  first.messageAttributes = { correlation_id: { stringValue: "request-42", dataType: "String", stringListValues: [], binaryListValues: [] } };
  const result = await handler({ Records: [first] }, context);
  assert.deepEqual(result.batchItemFailures, []);
  assert.deepEqual(during, ["request-42"]);
});

test("a message that cannot be read is reported in batchItemFailures; the rest are processed", async () => {
  const { seen, handler } = worker();
  const event = loadEvent<SQSEvent>("work");
  event.Records.push(record(event, "bad-message", "{not json"));
  const result = await handler(event, context);
  assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: "bad-message" }]);
  assert.equal(seen.length, event.Records.length - 1);
});
{%- if self.idem() %}

test("a redelivered webhook (same body) is processed once", async () => {
  const { seen, handler } = worker();
  const event = loadEvent<SQSEvent>("work");
  event.Records = [record(event, "m-1", '{"event":"paid","id":"evt-1"}')];
  await handler(event, context);
  event.Records = [record(event, "m-2", '{"event":"paid","id":"evt-1"}')];
  const result = await handler(event, context);
  assert.deepEqual(result.batchItemFailures, []);
  assert.equal(seen.length, 1);
});

test("a copy arriving while the first is being handled is skipped, not failed", async () => {
  // Two invocations share the idempotency store; the second gets a copy of the message while
  // the first is still in its sink.
  const idempotency = new MemoryPersistenceLayer();
  const event = loadEvent<SQSEvent>("work");
  const first = record(event, "m-1", '{"event":"paid","id":"evt-1"}');
  const copy = record(event, "m-2", first.body);
  let copyResult: SQSBatchResponse | undefined;
  const seen: Payload[] = [];
  const other = workHandler({ sink: async (payload) => void seen.push(payload), idempotency });
  const handler = workHandler({
    sink: async (payload) => {
      copyResult = await other({ Records: [copy] }, context);
      seen.push(payload);
    },
    idempotency,
  });
  const result = await handler({ Records: [first] }, context);
  assert.deepEqual(result.batchItemFailures, []);
  assert.deepEqual(copyResult?.batchItemFailures, []);
  assert.equal(seen.length, 1);
});
{%- endif %}

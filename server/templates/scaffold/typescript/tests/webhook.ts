import type { APIGatewayProxyEventV2, {% if self.idem() %}SQSBatchResponse, {% endif %}SQSEvent, SQSRecord } from "aws-lambda";
import { {% if plan.fifo.is_some() %}digest, type FifoIds, {% endif %}logger, type Payload, rawBody, receiveHandler, sign, verifySignature, workHandler } from "../src/app";
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
{%- if let Some(fifo) = plan.fifo %}

/** A receiver that records each message's FIFO ids. */
function fifoReceiver() {
  const queued: { body: string; order: FifoIds }[] = [];
  const handler = receiveHandler({
    secret: async () => SECRET,
    enqueue: async (body, _correlationId, order) => {
      queued.push({ body, order });
    },
  });
  return { queued, handler };
}

/** The sample request with another body, signed. */
function requestWith(body: Record<string, unknown>): APIGatewayProxyEventV2 {
  const event = loadEvent<APIGatewayProxyEventV2>("receive");
  event.body = JSON.stringify(body);
  event.isBase64Encoded = false;
  event.headers = { ...event.headers, "x-signature": sign(event.body, SECRET) };
  return event;
}

/** The sample webhook's body. */
function sampleBody(): Record<string, unknown> {
  return JSON.parse(loadEvent<APIGatewayProxyEventV2>("receive").body ?? "{}") as Record<string, unknown>;
}

test("a webhook is queued in its message group with its event id as deduplication id", async () => {
  const { queued, handler } = fifoReceiver();
  const body = sampleBody();
  assert.equal((await handler(request(SECRET), context)).statusCode, 202);
{%- if fifo.global %}
  assert.equal(queued[0]?.order.groupId, "{{ fifo.global_group }}");
{%- else %}
  assert.equal(queued[0]?.order.groupId, digest(String(body["{{ fifo.group_field }}"])));
{%- endif %}
  assert.equal(queued[0]?.order.deduplicationId, digest(String(body.id)));
  assert.match(queued[0]?.order.deduplicationId ?? "", /^[0-9a-f]{64}$/);
});

test("a webhook without an event id is refused with 400, not queued", async () => {
  const { queued, handler } = fifoReceiver();
  const body = sampleBody();
  delete body.id;
  assert.equal((await handler(requestWith(body), context)).statusCode, 400);
  assert.equal(queued.length, 0);
});
{%- if !fifo.global %}

test("a webhook without its order key is refused with 400, not queued out of order", async () => {
  const { queued, handler } = fifoReceiver();
  const body = sampleBody();
  delete body["{{ fifo.group_field }}"];
  const result = await handler(requestWith(body), context);
  assert.equal(result.statusCode, 400);
  assert.match(String(result.body), /{{ fifo.group_field }}/);
  assert.equal(queued.length, 0);
});

test("the order key field is a setting (ORDER_KEY_FIELD)", async () => {
  const { queued, handler } = fifoReceiver();
  process.env.ORDER_KEY_FIELD = "account";
  try {
    assert.equal((await handler(requestWith({ ...sampleBody(), account: "acct-7" }), context)).statusCode, 202);
  } finally {
    delete process.env.ORDER_KEY_FIELD;
  }
  assert.equal(queued[0]?.order.groupId, digest("acct-7"));
});
{%- endif %}

test("after a failed message, every later message of the batch is reported failed", async () => {
  const { seen, handler } = worker();
  const event = loadEvent<SQSEvent>("work");
  const [first, second] = event.Records;
  assert.ok(first && second, "the sample event has two records");
  event.Records = [first, record(event, "bad-message", "{not json"), second];
  const result = await handler(event, context);
  assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: "bad-message" }, { itemIdentifier: second.messageId }]);
  assert.equal(seen.length, 1);
});
{%- endif %}

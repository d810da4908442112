import { type ItemCreated, type ItemCreatedEvent, InvalidEventError, handleHandler, parseDetail } from "../src/app";
import { context, loadEvent{% if self.idem() %}, MemoryPersistenceLayer{% endif %} } from "./setup";

function start() {
  const seen: ItemCreated[] = [];
  const handler = handleHandler({
    sink: async (item) => {
      seen.push(item);
    },
{%- if self.idem() %}
    idempotency: new MemoryPersistenceLayer(),
{%- endif %}
  });
  return { seen, handler };
}

test("parseDetail reads the item id and rejects other events", () => {
  const event = loadEvent<ItemCreatedEvent>("handle");
  assert.equal(typeof parseDetail(event).id, "string");
  for (const detail of [null, "text", {}, { id: "" }, { id: 5 }]) {
    assert.throws(() => parseDetail({ ...event, detail }), InvalidEventError, JSON.stringify(detail));
  }
  assert.throws(() => parseDetail({ ...event, "detail-type": "ItemDeleted" as "ItemCreated" }), InvalidEventError);
});

test("the sample ItemCreated event is handled", async () => {
  const { seen, handler } = start();
  const event = loadEvent<ItemCreatedEvent>("handle");
  const result = await handler(event, context);
  assert.equal(result.eventId, event.id);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.id, result.itemId);
});

test("an invalid event fails the invocation, so it is retried and then dead-lettered", async () => {
  const { seen, handler } = start();
  const event = loadEvent<ItemCreatedEvent>("handle");
  event.detail = { name: "no id" };
  await assert.rejects(handler(event, context), InvalidEventError);
  assert.equal(seen.length, 0);
});
{%- if self.idem() %}

test("a redelivered event (same event id) is handled once", async () => {
  const { seen, handler } = start();
  const first = await handler(loadEvent<ItemCreatedEvent>("handle"), context);
  const again = await handler(loadEvent<ItemCreatedEvent>("handle"), context);
  assert.deepEqual(again, first);
  assert.equal(seen.length, 1);
});

test("an event sent again under a new event id is handled once; another item is not", async () => {
  const { seen, handler } = start();
  await handler(loadEvent<ItemCreatedEvent>("handle"), context);
  const resent = loadEvent<ItemCreatedEvent>("handle");
  resent.id = "a-new-eventbridge-event-id";
  await handler(resent, context);
  assert.equal(seen.length, 1);
  const other = loadEvent<ItemCreatedEvent>("handle");
  other.detail = { ...(other.detail as Record<string, unknown>), id: "another-item" };
  await handler(other, context);
  assert.equal(seen.length, 2);
});
{%- endif %}

import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { type ApiEvent, type Item, type ItemStore, facadeRequestId, migratedHandler, toLegacy } from "../src/app";
import { context, loadEvent } from "./setup";

/** The items table in memory. */
class MemoryItems implements ItemStore {
  readonly items = new Map<string, Item>();
  async get(id: string): Promise<Item | undefined> {
    return this.items.get(id);
  }
}

const lamp: Item = { id: "item-1001", name: "lamp", updated_at: 1795688130 };

function bodyOf(result: APIGatewayProxyStructuredResultV2): Record<string, unknown> {
  return JSON.parse(result.body ?? "null") as Record<string, unknown>;
}

test("a stored item is answered in the legacy shape", async () => {
  const items = new MemoryItems();
  items.items.set(lamp.id, lamp);
  const result = await migratedHandler(items)(loadEvent<ApiEvent>("migrated"), context);
  assert.equal(result.statusCode, 200);
  assert.deepEqual(bodyOf(result), { itemId: "item-1001", itemName: "lamp", lastModified: 1795688130 });
});

test("an unknown item is 404", async () => {
  const result = await migratedHandler(new MemoryItems())(loadEvent<ApiEvent>("migrated"), context);
  assert.equal(result.statusCode, 404);
});

test("a failed read throws, so the function's alarms count it", async () => {
  const failing: ItemStore = {
    get: async () => {
      throw new Error("DynamoDB is unreachable");
    },
  };
  await assert.rejects(migratedHandler(failing)(loadEvent<ApiEvent>("migrated"), context), /unreachable/);
});

test("the correlation id is the facade's request id", () => {
  assert.equal(facadeRequestId(loadEvent<ApiEvent>("migrated")), "Kc7x9jWEIAMEbXw=");
});

test("the translation keeps the legacy field names", () => {
  assert.deepEqual(Object.keys(toLegacy(lamp)).sort(), ["itemId", "itemName", "lastModified"]);
});

/** An item in the TABLE_NAME table (partition key `id`). */
export interface Item {
  id: string;
  name: string;
  createdAt: string;
}

/** Where items live: DynamoDB in Lambda, a Map in the tests. */
export interface ItemStore {
  /** Stores a new item; fails if the id is taken. */
  put(item: Item): Promise<void>;
  /** Reads an item, or undefined when there is none. */
  get(id: string): Promise<Item | undefined>;
}

/** A request the caller must fix: answered with 400. */
export class BadRequestError extends Error {
  override name = "BadRequestError";
}

/** The longest item name accepted. */
export const MAX_NAME_LENGTH = 200;

/** Reads the body of POST /items: a JSON object with a non-empty string `name`. */
export function parseNewItem(body: string | undefined, isBase64Encoded = false): { name: string } {
  if (body === undefined || body === "") {
    throw new BadRequestError('the body must be a JSON object with a "name"');
  }
  const text = isBase64Encoded ? Buffer.from(body, "base64").toString("utf8") : body;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestError("the body is not valid JSON");
  }
  if (!isObject(value)) {
    throw new BadRequestError('the body must be a JSON object with a "name"');
  }
  const name = value.name;
  if (typeof name !== "string" || name.trim() === "") {
    throw new BadRequestError('"name" must be a non-empty string');
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new BadRequestError(`"name" must be at most ${MAX_NAME_LENGTH} characters`);
  }
  return { name: name.trim() };
}

/** The items table through the DynamoDB document client. */
export function dynamoItemStore(tableName: string, client: DynamoDBClient): ItemStore {
  const documents = DynamoDBDocumentClient.from(client);
  return {
    async put(item) {
      await documents.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(id)" }),
      );
    },
    async get(id) {
      const out = await documents.send(new GetCommand({ TableName: tableName, Key: { id } }));
      return out.Item as Item | undefined;
    },
  };
}

/** A JSON response. */
export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

/** What the `api` handler needs from outside. */
export interface ApiDeps {
  items: ItemStore;
{%- if self.idem() %}
  idempotency: BasePersistenceLayer;
{%- endif %}
  /** Makes item ids; random UUIDs by default. */
  newId?: () => string;
}

/** A create request: the client's Idempotency-Key header, if any, and the item it asks for. */
export interface CreateRequest {
  idempotencyKey: string | null;
  item: { name: string };
}

/** The `api` handler: POST /items and GET /items/{id}. */
export function apiHandler(deps: ApiDeps): (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  const newId = deps.newId ?? randomUUID;
  const create = async (request: CreateRequest): Promise<Item> => {
    const item: Item = { id: newId(), name: request.item.name, createdAt: new Date().toISOString() };
    await deps.items.put(item);
    metrics.addMetric("ItemsCreated", MetricUnit.Count, 1);
    logger.info("item created", { itemId: item.id });
    return item;
  };
{%- if self.idem() %}
  // A request is the same request when it has the same Idempotency-Key header or, without
  // one, the same body. Reusing a key with a different body is refused (422).
  const config = new IdempotencyConfig({
    eventKeyJmesPath: "idempotencyKey || item",
    payloadValidationJmesPath: "item",
    expiresAfterSeconds: idempotencyTtlSeconds(),
  });
  const createOnce = makeIdempotent(create, { persistenceStore: deps.idempotency, config });
{%- else %}
  // Duplicates are harmless for this workload (see the README), so a retried POST creates a
  // second item. Turn on idempotency in the review if that changes.
  const createOnce = create;
{%- endif %}

  return async (event, context) => {
{%- if self.idem() %}
    config.registerLambdaContext(context);
{%- endif %}
    switch (event.routeKey) {
      case "POST /items": {
        let item: { name: string };
        try {
          item = parseNewItem(event.body, event.isBase64Encoded);
        } catch (error) {
          if (error instanceof BadRequestError) return json(400, { message: error.message });
          throw error;
        }
        const idempotencyKey = event.headers?.["idempotency-key"] ?? null;
{%- if self.idem() %}
        try {
          return json(201, await createOnce({ idempotencyKey, item }));
        } catch (error) {
          if (error instanceof IdempotencyValidationError) {
            return json(422, { message: "this Idempotency-Key was used with a different body" });
          }
          if (error instanceof IdempotencyAlreadyInProgressError) {
            return json(409, { message: "the same request is still being processed; retry later" });
          }
          throw error;
        }
{%- else %}
        return json(201, await createOnce({ idempotencyKey, item }));
{%- endif %}
      }
      case "GET /items/{id}": {
        const id = event.pathParameters?.id;
        if (!id) return json(400, { message: "missing item id" });
        const found = await deps.items.get(id);
        return found ? json(200, found) : json(404, { message: "no such item" });
      }
      default:
        return json(404, { message: "no such route" });
    }
  };
}

/** Lambda entry point (Handler: app.api). */
export const api = instrument(
  "api",
  (event: APIGatewayProxyEventV2) => event.requestContext?.requestId,
  lazy(() =>
    apiHandler({
      items: dynamoItemStore(requireEnv("TABLE_NAME"), tracer.captureAWSv3Client(new DynamoDBClient({}))),
{%- if self.idem() %}
      idempotency: idempotencyStore(),
{%- endif %}
    }),
  ),
);

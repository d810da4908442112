/**
 * A request from the HTTP API (payload format 2.0), with what the {% if self.iam_auth() %}IAM{% else %}JWT{% endif %} authorizer adds to its
 * request context.
 */
export type ApiEvent = {% if self.iam_auth() %}APIGatewayProxyEventV2WithIAMAuthorizer{% else %}APIGatewayProxyEventV2WithJWTAuthorizer{% endif %};

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

/** A JSON response, with any extra headers. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}
{%- if self.idem() %}

/** The longest Idempotency-Key header accepted. */
export const MAX_KEY_LENGTH = 200;

/** Seconds a client waits before retrying a request whose first copy is still being processed. */
export const RETRY_AFTER_S = 2;

/**
 * Who is calling: {% if self.iam_auth() %}the ARN of the IAM principal that signed the request{% else %}the `sub` claim of the JWT the authorizer checked{% endif %}, or
 * undefined when the request context has none (the request did not come through the authorizer).
 */
export function callerOf(event: ApiEvent): string | undefined {
{%- if self.iam_auth() %}
  const caller: unknown = event.requestContext?.authorizer?.iam?.userArn;
{%- else %}
  const caller: unknown = event.requestContext?.authorizer?.jwt?.claims?.sub;
{%- endif %}
  return typeof caller === "string" && caller !== "" ? caller : undefined;
}

/** The Idempotency-Key header of a request, or undefined when it is missing, empty or too long. */
export function idempotencyKeyOf(event: ApiEvent): string | undefined {
  const key = event.headers?.["idempotency-key"]?.trim();
  return key && key.length <= MAX_KEY_LENGTH ? key : undefined;
}
{%- endif %}

/** What the `api` handler needs from outside. */
export interface ApiDeps {
  items: ItemStore;
{%- if self.idem() %}
  idempotency: BasePersistenceLayer;
{%- endif %}
  /** Makes item ids; random UUIDs by default. */
  newId?: () => string;
}
{%- if self.idem() %}

/** A create request: the caller, their Idempotency-Key header, and the item they ask for. */
export interface CreateRequest {
  caller: string;
  idempotencyKey: string;
  item: { name: string };
}
{%- else %}

/** A create request: the item it asks for. */
export interface CreateRequest {
  item: { name: string };
}
{%- endif %}

/** The `api` handler: POST /items and GET /items/{id}. */
export function apiHandler(deps: ApiDeps): (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  const newId = deps.newId ?? randomUUID;
  const create = async (request: CreateRequest): Promise<Item> => {
    const item: Item = { id: newId(), name: request.item.name, createdAt: new Date().toISOString() };
    await deps.items.put(item);
    metrics.addMetric("ItemsCreated", MetricUnit.Count, 1);
    logger.info("item created", { itemId: item.id });
    return item;
  };
{%- if self.idem() %}
  // A request is a repeat when the same caller sends the same Idempotency-Key again: the key of
  // the record is the caller and their key together, so two callers' keys never meet. A hash of
  // the item is stored with the record, and a repeat with another item is refused (422).
  const config = new IdempotencyConfig({
    eventKeyJmesPath: "[caller, idempotencyKey]",
    payloadValidationJmesPath: "item",
    throwOnNoIdempotencyKey: true,
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
{%- if self.idem() %}
        const caller = callerOf(event);
        if (caller === undefined) {
          return json(401, { message: "the request has no caller identity ({% if self.iam_auth() %}IAM caller ARN{% else %}JWT sub claim{% endif %})" });
        }
        const idempotencyKey = idempotencyKeyOf(event);
        if (idempotencyKey === undefined) {
          return json(400, {
            message: `the Idempotency-Key header is required: a new unique value (such as a UUID) for each item, sent again unchanged when retrying, at most ${MAX_KEY_LENGTH} characters`,
          });
        }
{%- endif %}
        let item: { name: string };
        try {
          item = parseNewItem(event.body, event.isBase64Encoded);
        } catch (error) {
          if (error instanceof BadRequestError) return json(400, { message: error.message });
          throw error;
        }
{%- if self.idem() %}
        try {
          return json(201, await createOnce({ caller, idempotencyKey, item }));
        } catch (error) {
          if (error instanceof IdempotencyValidationError) {
            return json(422, { message: "this Idempotency-Key was already used with a different body" });
          }
          if (error instanceof IdempotencyAlreadyInProgressError) {
            return json(
              409,
              { message: `a request with this Idempotency-Key is still being processed; retry in ${RETRY_AFTER_S} seconds to get its response` },
              { "retry-after": String(RETRY_AFTER_S) },
            );
          }
          throw error;
        }
{%- else %}
        return json(201, await createOnce({ item }));
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
  (event: ApiEvent) => event.requestContext?.requestId,
  lazy(() =>
    apiHandler({
      items: dynamoItemStore(requireEnv("TABLE_NAME"), tracer.captureAWSv3Client(new DynamoDBClient({}))),
{%- if self.idem() %}
      idempotency: idempotencyStore(),
{%- endif %}
    }),
  ),
);

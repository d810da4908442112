/**
 * A request from the facade's HTTP API (payload format 2.0), with what the {% if self.iam_auth() %}IAM{% else %}JWT{% endif %} authorizer adds
 * to its request context.
 */
export type ApiEvent = {% if self.iam_auth() %}APIGatewayProxyEventV2WithIAMAuthorizer{% else %}APIGatewayProxyEventV2WithJWTAuthorizer{% endif %};

/** An item as the new service keeps it in the TABLE_NAME table (partition key `id`). */
export interface Item {
  id: string;
  name: string;
  /** When it last changed, in seconds since the Unix epoch. */
  updated_at: number;
}

/**
 * The item as the legacy system answers GET /items/{id}, which the route's callers already
 * parse. Replace the fields with your legacy system's contract.
 */
export interface LegacyItem {
  itemId: string;
  itemName: string;
  lastModified: number;
}

/**
 * The anti-corruption layer: an item of the new service in the legacy system's shape. The
 * translation lives here only, so the new model can change without the callers noticing.
 */
export function toLegacy(item: Item): LegacyItem {
  return { itemId: item.id, itemName: item.name, lastModified: Number(item.updated_at) };
}

/** Where items are read: DynamoDB in Lambda, a Map in the tests. */
export interface ItemStore {
  /** Reads an item, or undefined when there is none. */
  get(id: string): Promise<Item | undefined>;
}

/** The items table through the DynamoDB document client. */
export function dynamoItemStore(tableName: string, client: DynamoDBClient): ItemStore {
  const documents = DynamoDBDocumentClient.from(client);
  return {
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

/**
 * The `migrated` handler: GET /items/{id}, moved off the legacy system. 200 and the item in the
 * legacy shape, or 404. A failed read throws, so the function's error-rate alarm counts it.
 */
export function migratedHandler(items: ItemStore): (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    const id = event.pathParameters?.id;
    if (event.requestContext?.http?.method !== "GET" || !id) return json(404, { message: "no such route" });
    const found = await items.get(id);
    if (!found) return json(404, { message: "no such item" });
    metrics.addMetric("MigratedReads", MetricUnit.Count, 1);
    return json(200, toLegacy(found));
  };
}

/**
 * The facade's request id ($context.requestId): the access log records it and the facade sends
 * it to the legacy system as x-facade-request-id, so one request can be followed whichever side
 * serves its route.
 */
export function facadeRequestId(event: ApiEvent): string | undefined {
  return event.requestContext?.requestId;
}

/** Lambda entry point (Handler: app.migrated). */
export const migrated = instrument(
  "migrated",
  facadeRequestId,
  lazy(() => migratedHandler(dynamoItemStore(requireEnv("TABLE_NAME"), tracer.captureAWSv3Client(new DynamoDBClient({}))))),
);

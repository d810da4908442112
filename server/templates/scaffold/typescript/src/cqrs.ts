/**
 * A request from the command or query HTTP API (payload format 2.0), with what the {% if self.iam_auth() %}IAM{% else %}JWT{% endif %}
 * authorizer adds to its request context.
 */
export type ApiEvent = {% if self.iam_auth() %}APIGatewayProxyEventV2WithIAMAuthorizer{% else %}APIGatewayProxyEventV2WithJWTAuthorizer{% endif %};

const MAX_NAME_LENGTH = 200;
const MAX_KEY_LENGTH = 200;
/** The statuses an item moves through; change them to your own. */
export const STATUSES = ["open", "packed", "shipped", "delivered", "cancelled"] as const;
/** The most items a view answers at once. */
export const PAGE_SIZE = 25;

/** An item of the write model (WRITE_TABLE, partition key `id`). */
export interface Item {
  id: string;
  name: string;
  owner: string;
  status: string;
  version: number;
  /** When it last changed (ISO 8601): the views' sort key. */
  updatedAt: string;
  /** The request that made this version; the projector logs it as its correlation id. */
  requestId: string;
}

/** An item as the read model keeps it and both APIs answer it. */
export type View = Omit<Item, "requestId">;

/** The view of an item: its fields without the request id, the version as a number. */
export function viewOf(item: Item | View): View {
  return { id: item.id, name: item.name, owner: item.owner, status: item.status, version: Number(item.version), updatedAt: item.updatedAt };
}

/** A JSON response. */
export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

/** Whether an error is DynamoDB refusing a write because its condition failed. */
function conditionFailed(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string } | undefined)?.name === "ConditionalCheckFailedException";
}

// ---------------------------------------------------------------- commands (the write side)

/** The write model. Only the command function has it. */
export interface WriteModel {
  /** Stores a new item; false when its id exists already. */
  create(item: Item): Promise<boolean>;
  /** An item, read strongly consistent, or undefined. */
  get(id: string): Promise<Item | undefined>;
  /**
   * Sets an item's status if it is at version `expected`, moving it to the next version; the
   * item as stored after, or undefined when it is not at that version (or does not exist).
   */
  changeStatus(id: string, expected: number, status: string, updatedAt: string, requestId: string): Promise<Item | undefined>;
}

/** WRITE_TABLE through the DynamoDB document client, every write conditional. */
export function dynamoWriteModel(tableName: string, client: DynamoDBClient): WriteModel {
  const documents = DynamoDBDocumentClient.from(client);
  return {
    async create(item) {
      try {
        await documents.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(id)" }));
        return true;
      } catch (error) {
        if (conditionFailed(error)) return false;
        throw error;
      }
    },
    async get(id) {
      const out = await documents.send(new GetCommand({ TableName: tableName, Key: { id }, ConsistentRead: true }));
      return out.Item as Item | undefined;
    },
    async changeStatus(id, expected, status, updatedAt, requestId) {
      try {
        const out = await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { id },
            UpdateExpression: "SET #status = :status, #version = :next, updatedAt = :now, requestId = :request",
            ConditionExpression: "#version = :expected",
            ExpressionAttributeNames: { "#status": "status", "#version": "version" },
            ExpressionAttributeValues: { ":status": status, ":next": expected + 1, ":expected": expected, ":now": updatedAt, ":request": requestId },
            ReturnValues: "ALL_NEW",
          }),
        );
        return out.Attributes as Item | undefined;
      } catch (error) {
        if (conditionFailed(error)) return undefined;
        throw error;
      }
    },
  };
}

/** Who is calling: {% if self.iam_auth() %}the IAM principal that signed the request (its ARN){% else %}the `sub` claim of the JWT the authorizer checked{% endif %}. */
export function callerOf(event: ApiEvent): string | undefined {
{%- if self.iam_auth() %}
  const caller: unknown = event.requestContext?.authorizer?.iam?.userArn;
{%- else %}
  const caller: unknown = event.requestContext?.authorizer?.jwt?.claims?.sub;
{%- endif %}
  return typeof caller === "string" && caller !== "" ? caller : undefined;
}

/**
 * The id of the item a caller's Idempotency-Key creates: the same pair always gives the same id,
 * so a retried create finds the item its first attempt made.
 */
export function itemId(caller: string, key: string): string {
  return createHash("sha256").update(JSON.stringify([caller, key])).digest("hex").slice(0, 32);
}

/** The request's JSON object body, or undefined. */
function bodyOf(event: ApiEvent): Record<string, unknown> | undefined {
  try {
    const text = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString("utf8") : (event.body ?? "");
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * POST /items {"name": ...} with an Idempotency-Key header: 201 and the item at version 1. A
 * repeat of the same caller's key answers with the item its first attempt made (422 if the name
 * differs).
 */
async function createItem(model: WriteModel, event: ApiEvent, now: () => Date): Promise<APIGatewayProxyStructuredResultV2> {
  const caller = callerOf(event);
  if (!caller) return json(401, { message: "the request has no caller identity" });
  const key = (event.headers?.["idempotency-key"] ?? "").trim();
  if (key === "" || key.length > MAX_KEY_LENGTH) {
    return json(400, { message: `the Idempotency-Key header is required (at most ${MAX_KEY_LENGTH} characters)` });
  }
  const body = bodyOf(event);
  if (!body) return json(400, { message: "the body must be a JSON object" });
  const name = typeof body.name === "string" ? body.name.trim() : "";
  if (name === "" || name.length > MAX_NAME_LENGTH) {
    return json(400, { message: `"name" must be a string of 1 to ${MAX_NAME_LENGTH} characters` });
  }
  const item: Item = {
    id: itemId(caller, key),
    name,
    owner: caller,
    status: STATUSES[0],
    version: 1,
    updatedAt: now().toISOString(),
    requestId: event.requestContext?.requestId ?? "",
  };
  if (!(await model.create(item))) {
    const first = await model.get(item.id);
    if (!first || first.name !== item.name) {
      return json(422, { message: "this Idempotency-Key was already used with a different body" });
    }
    logger.info("repeated create: answering with the first item", { itemId: item.id });
    return json(201, viewOf(first));
  }
  metrics.addMetric("ItemsCreated", MetricUnit.Count, 1);
  logger.info("item created", { itemId: item.id });
  return json(201, viewOf(item));
}

/**
 * PUT /items/{id}/status {"status": ...} with If-Match: <version>: 200 and the item at the next
 * version; 412 when the item is not at that version (someone changed it first), 428 without it.
 */
async function changeStatus(model: WriteModel, event: ApiEvent, id: string, now: () => Date): Promise<APIGatewayProxyStructuredResultV2> {
  const match = (event.headers?.["if-match"] ?? "").trim().replace(/^"|"$/g, "");
  if (!/^[0-9]+$/.test(match)) {
    return json(428, { message: "the If-Match header must carry the version the change is based on" });
  }
  const expected = Number(match);
  const status = bodyOf(event)?.status;
  if (typeof status !== "string" || !(STATUSES as readonly string[]).includes(status)) {
    return json(400, { message: `"status" must be one of ${STATUSES.join(", ")}` });
  }
  const changed = await model.changeStatus(id, expected, status, now().toISOString(), event.requestContext?.requestId ?? "");
  if (!changed) return json(412, { message: `the item is not at version ${expected}: read it again and retry` });
  metrics.addMetric("StatusChanged", MetricUnit.Count, 1);
  return json(200, viewOf(changed));
}

/** The `command` handler: POST /items and PUT /items/{id}/status, on the write model only. */
export function commandHandler(model: WriteModel, now: () => Date = () => new Date()): (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    const id = event.pathParameters?.id;
    if (event.routeKey === "POST /items") return createItem(model, event, now);
    if (event.routeKey === "PUT /items/{id}/status" && id) return changeStatus(model, event, id, now);
    return json(404, { message: "no such route" });
  };
}

/** API Gateway's request id: the access log records it, and the item carries it to the projector. */
export function requestId(event: ApiEvent): string | undefined {
  return event.requestContext?.requestId;
}

/** Lambda entry point (Handler: app.command). */
export const command = instrument(
  "command",
  requestId,
  lazy(() => commandHandler(dynamoWriteModel(requireEnv("WRITE_TABLE"), tracer.captureAWSv3Client(new DynamoDBClient({}))))),
);

// ---------------------------------------------------------------- the read model

/** The read model: the projector writes it, the query function reads it. */
export interface ReadModel {
  /** Stores a view unless the stored one is at that version or newer; false when skipped. */
  put(view: View): Promise<boolean>;
  /** Deletes an item's view. */
  remove(id: string): Promise<void>;
  /** An item's view, or undefined. */
  get(id: string): Promise<View | undefined>;
{%- if self.cqrs_views() %}
  /** The newest views whose `attribute` is `value`, through `index`. */
  list(index: string, attribute: string, value: string, limit: number): Promise<View[]>;
{%- endif %}
}

/** READ_TABLE through the DynamoDB document client. */
export function dynamoReadModel(tableName: string, client: DynamoDBClient): ReadModel {
  const documents = DynamoDBDocumentClient.from(client);
  return {
    async put(view) {
      try {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: view,
            ConditionExpression: "attribute_not_exists(id) OR #version < :version",
            ExpressionAttributeNames: { "#version": "version" },
            ExpressionAttributeValues: { ":version": view.version },
          }),
        );
        return true;
      } catch (error) {
        if (conditionFailed(error)) return false;
        throw error;
      }
    },
    async remove(id) {
      await documents.send(new DeleteCommand({ TableName: tableName, Key: { id } }));
    },
    async get(id) {
      const out = await documents.send(new GetCommand({ TableName: tableName, Key: { id } }));
      return out.Item as View | undefined;
    },
{%- if self.cqrs_views() %}
    async list(index, attribute, value, limit) {
      const out = await documents.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: index,
          KeyConditionExpression: "#key = :value",
          ExpressionAttributeNames: { "#key": attribute },
          ExpressionAttributeValues: { ":value": value },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return (out.Items ?? []) as View[];
    },
{%- endif %}
  };
}

// ---------------------------------------------------------------- projector

/** A field of a stream image, as text. */
function text(image: Record<string, AttributeValue>, name: string): string | undefined {
  return image[name]?.S ?? image[name]?.N;
}

/** The view a change's new image describes; throws when it has no id or version. */
export function viewFromImage(image: Record<string, AttributeValue>): View {
  const id = text(image, "id");
  const version = Number(image.version?.N);
  if (!id || !Number.isInteger(version) || version < 1) throw new Error("the change has no id or version");
  return { id, name: text(image, "name") ?? "", owner: text(image, "owner") ?? "", status: text(image, "status") ?? "", version, updatedAt: text(image, "updatedAt") ?? "" };
}

/** The command's request id a change carries, else the stream record's id. */
export function changeCorrelationId(record: DynamoDBRecord | undefined): string | undefined {
  return record?.dynamodb?.NewImage?.requestId?.S ?? record?.eventID;
}

/**
 * Applies one change to the read model: "projected", "stale" (the view holds that version or a
 * newer one, so a redelivered or late change leaves it alone) or "removed". Throws on a change
 * it cannot read, which reports the record.
 */
export async function projectRecord(model: ReadModel, record: DynamoDBRecord): Promise<string> {
  logger.setCorrelationId(changeCorrelationId(record));
  if (record.eventName === "REMOVE") {
    const id = record.dynamodb?.Keys?.id?.S;
    if (!id) throw new Error("the removal has no id");
    await model.remove(id);
    return "removed";
  }
  const view = viewFromImage(record.dynamodb?.NewImage ?? {});
  if (!(await model.put(view))) {
    logger.info("older change skipped", { itemId: view.id, version: view.version });
    metrics.addMetric("StaleChangesSkipped", MetricUnit.Count, 1);
    return "stale";
  }
  metrics.addMetric("ChangesProjected", MetricUnit.Count, 1);
  return "projected";
}

/**
 * The `projector` handler: projects a batch of stream records one after another, reporting the
 * ones that failed. Lambda retries from the first of them (changes to one item stay in order),
 * bisects, then sends what still fails to the on-failure queue.
 */
export function projectorHandler(model: ReadModel): (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> {
  return async (event, context) => {
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    const handleRecord = async (record: DynamoDBRecord): Promise<void> => {
      await projectRecord(model, record);
    };
    return processPartialResponse(event, handleRecord, processor, { context, processInParallel: false });
  };
}

/** Lambda entry point (Handler: app.projector). */
export const projector = instrument(
  "projector",
  (event: DynamoDBStreamEvent) => changeCorrelationId(event.Records?.[0]),
  lazy(() => projectorHandler(dynamoReadModel(requireEnv("READ_TABLE"), tracer.captureAWSv3Client(new DynamoDBClient({}))))),
);

// ---------------------------------------------------------------- queries (the read side)

/** The read model's views: each an index and the route that reads it (see template.yaml). */
export const VIEWS: ReadonlyArray<{ index: string; attribute: string; path: string }> = [
{%- for v in self.cqrs_view_list() %}
  { index: "{{ v.index }}", attribute: "{{ v.attribute }}", path: "{{ v.path }}" },
{%- endfor %}
];

/** The `query` handler: GET /items/{id} and the views, from the read model only. */
export function queryHandler(model: ReadModel): (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    const id = event.pathParameters?.id;
    if (event.routeKey === "GET /items/{id}" && id) {
      const found = await model.get(id);
      return found ? json(200, viewOf(found)) : json(404, { message: `no item with id ${id}` });
    }
{%- if self.cqrs_views() %}
    const shape = VIEWS.find((v) => event.routeKey === `GET ${v.path}`);
    const value = shape ? event.pathParameters?.[shape.attribute] : undefined;
    if (shape && value) {
      const items = await model.list(shape.index, shape.attribute, value, PAGE_SIZE);
      return json(200, { items: items.map(viewOf) });
    }
{%- endif %}
    return json(404, { message: "no such route" });
  };
}

/** Lambda entry point (Handler: app.query). */
export const query = instrument(
  "query",
  requestId,
  lazy(() => queryHandler(dynamoReadModel(requireEnv("READ_TABLE"), tracer.captureAWSv3Client(new DynamoDBClient({}))))),
);

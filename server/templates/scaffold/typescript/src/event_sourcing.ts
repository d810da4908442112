/**
 * A request from the HTTP API (payload format 2.0), with what the {% if self.iam_auth() %}IAM{% else %}JWT{% endif %} authorizer adds to its
 * request context.
 */
export type ApiEvent = {% if self.iam_auth() %}APIGatewayProxyEventV2WithIAMAuthorizer{% else %}APIGatewayProxyEventV2WithJWTAuthorizer{% endif %};

/** The event schema versions this code reads; an older one is upcast in `upcast`. */
export const SCHEMA_VERSION = 1;
const MAX_KEY_LENGTH = 200;
const MAX_TYPE_LENGTH = 100;

/** An event as EventsTable keeps it (partition key `aggregateId`, sort key `version`). */
export interface StoredEvent {
  aggregateId: string;
  version: number;
  type: string;
  schemaVersion: number;
  /** The event's data, as JSON text. */
  data: string;
  /** The command that appended it (the Idempotency-Key header). */
  commandId: string;
  correlationId: string;
  recordedAt: string;
}

/** The event store: appends never overwrite, and nothing updates or deletes. */
export interface EventStore {
  /** Appends an event; false when its version exists already. */
  append(event: StoredEvent): Promise<boolean>;
  /** One version of an aggregate, or undefined. */
  get(aggregateId: string, version: number): Promise<StoredEvent | undefined>;
  /** An aggregate's events after a version, in version order. */
  after(aggregateId: string, version: number): Promise<StoredEvent[]>;
}

/** EventsTable through the DynamoDB document client. */
export function dynamoEventStore(tableName: string, client: DynamoDBClient): EventStore {
  const documents = DynamoDBDocumentClient.from(client);
  return {
    async append(event) {
      try {
        await documents.send(new PutCommand({ TableName: tableName, Item: event, ConditionExpression: "attribute_not_exists(aggregateId)" }));
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
    async get(aggregateId, version) {
      const out: GetCommandOutput = await documents.send(new GetCommand({ TableName: tableName, Key: { aggregateId, version }, ConsistentRead: true }));
      return out.Item as StoredEvent | undefined;
    },
    async after(aggregateId, version) {
      const events: StoredEvent[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page: QueryCommandOutput = await documents.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: "aggregateId = :id AND version > :version",
            ExpressionAttributeValues: { ":id": aggregateId, ":version": version },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        events.push(...((page.Items ?? []) as StoredEvent[]));
        start = page.LastEvaluatedKey;
      } while (start);
      return events;
    },
  };
}

/** A JSON response. */
export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

/** A valid POST /aggregates/{id}/events body. */
export interface AppendCommand {
  expectedVersion: number;
  type: string;
  data: Record<string, unknown>;
  schemaVersion: number;
}

/** Parses a POST /aggregates/{id}/events body, or returns what is wrong with it. */
export function parseAppend(body: string | undefined): AppendCommand | string {
  let value: unknown;
  try {
    value = JSON.parse(body ?? "");
  } catch {
    return 'the body must be JSON, such as {"expectedVersion": 0, "type": "Deposited", "data": {"amount": 250}}';
  }
  if (!isObject(value)) return "the body must be a JSON object";
  const { expectedVersion, type, data = {}, schemaVersion = SCHEMA_VERSION } = value;
  if (typeof expectedVersion !== "number" || !Number.isInteger(expectedVersion) || expectedVersion < 0) {
    return '"expectedVersion" must be the version the caller last read: 0 for a new aggregate';
  }
  if (typeof type !== "string" || type.trim() === "" || type.length > MAX_TYPE_LENGTH) {
    return `"type" must be a non-empty string of at most ${MAX_TYPE_LENGTH} characters`;
  }
  if (!isObject(data)) return '"data" must be a JSON object';
  if (typeof schemaVersion !== "number" || !Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > SCHEMA_VERSION) {
    return `"schemaVersion" must be between 1 and ${SCHEMA_VERSION}`;
  }
  return { expectedVersion, type: type.trim(), data, schemaVersion };
}

/** The caller's x-correlation-id header when sent, else API Gateway's request id. */
export function requestCorrelationId(event: ApiEvent): string | undefined {
  return event.headers?.["x-correlation-id"] ?? event.requestContext?.requestId;
}

/** 409: the caller's view of the aggregate is stale; it reloads and decides again. */
function conflict(aggregateId: string, expectedVersion: number, why: string): APIGatewayProxyStructuredResultV2 {
  metrics.addMetric("AppendConflicts", MetricUnit.Count, 1);
  return json(409, { message: `${why}: read the aggregate again and retry`, aggregateId, expectedVersion });
}

/**
 * The `append` handler: POST /aggregates/{id}/events appends version expectedVersion + 1. 201
 * with the version; the same answer for a retry of the same command (Idempotency-Key); 409 when
 * another command took that version, or the expected version does not exist yet.
 */
export function appendHandler(store: EventStore, now: () => Date = () => new Date()): (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    const aggregateId = event.pathParameters?.id;
    if (event.requestContext?.http?.method !== "POST" || !aggregateId) return json(404, { message: "no such route" });
    const key = (event.headers?.["idempotency-key"] ?? "").trim();
    if (key === "" || key.length > MAX_KEY_LENGTH) {
      return json(400, { message: `the Idempotency-Key header is required: a new unique value per command, sent again unchanged on a retry, at most ${MAX_KEY_LENGTH} characters` });
    }
    const command = parseAppend(event.body);
    if (typeof command === "string") return json(400, { message: command });
    const { expectedVersion } = command;
    const version = expectedVersion + 1;
    // Events are never removed, so once seen the expected version stays: no transaction needed.
    if (expectedVersion > 0 && !(await store.get(aggregateId, expectedVersion))) {
      return conflict(aggregateId, expectedVersion, `version ${expectedVersion} of ${aggregateId} does not exist`);
    }
    const appended = await store.append({
      aggregateId,
      version,
      type: command.type,
      schemaVersion: command.schemaVersion,
      data: JSON.stringify(command.data),
      commandId: key,
      correlationId: requestCorrelationId(event) ?? "",
      recordedAt: now().toISOString(),
    });
    if (!appended) {
      const existing = await store.get(aggregateId, version);
      if (existing?.commandId !== key) {
        return conflict(aggregateId, expectedVersion, `version ${version} of ${aggregateId} was appended by another command`);
      }
      logger.info("retried command answered with its first result", { aggregateId, version });
    } else {
      metrics.addMetric("EventsAppended", MetricUnit.Count, 1);
    }
    return json(201, { aggregateId, version });
  };
}

/** Lambda entry point (Handler: app.append). */
export const append = instrument(
  "append",
  requestCorrelationId,
  lazy(() => appendHandler(dynamoEventStore(requireEnv("EVENTS_TABLE"), tracer.captureAWSv3Client(new DynamoDBClient({}))))),
);

// ---------------------------------------------------------------- projections (the read side)

/** A projection's state of one aggregate. Replace with your own model. */
export interface State {
  balance: number;
  events: number;
}

/** An event as a projection reads it. */
export interface DomainEvent {
  aggregateId: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  correlationId: string;
}

/** A projection's state before an aggregate's first event. */
export function initialState(): State {
  return { balance: 0, events: 0 };
}

/**
 * Reads an event in today's shape whatever schema version wrote it. Add a step for every version
 * you retire; a version newer than this code throws, and waits in the failure queue until a
 * release reads it.
 */
export function upcast(event: DomainEvent): DomainEvent {
  if (event.schemaVersion > SCHEMA_VERSION) {
    throw new Error(`event schema version ${event.schemaVersion} is newer than this projection reads (${SCHEMA_VERSION})`);
  }
  return event;
}

/**
 * The projection itself: state after one event. Pure (no calls, no clock), so a replay builds
 * exactly the state the live feed built. Keep external side effects (emails, payments) out of
 * projections, or a replay repeats them.
 */
export function apply(state: State, event: DomainEvent): State {
  const amount = event.data.amount ?? 0;
  if (typeof amount !== "number") throw new Error(`event ${event.version} of ${event.aggregateId}: amount must be a number`);
  return { balance: state.balance + amount, events: state.events + 1 };
}

/** An attribute of a DynamoDB image (attribute-value JSON, as the feed delivers it). */
type Image = Record<string, { S?: string; N?: string } | undefined>;

/** An event from a DynamoDB image. */
export function eventFromImage(image: Image): DomainEvent {
  const text = (name: string): string => image[name]?.S ?? "";
  const number = (name: string, fallback: number): number => (image[name]?.N === undefined ? fallback : Number(image[name]?.N));
  const data: unknown = JSON.parse(text("data") || "{}");
  if (!isObject(data)) throw new Error("the event's data is not a JSON object");
  return upcast({
    aggregateId: text("aggregateId"),
    version: number("version", 0),
    type: text("type"),
    schemaVersion: number("schemaVersion", 1),
    data,
    correlationId: text("correlationId"),
  });
}

/** A feed record: from the table's stream, or a Kinesis record carrying the change as JSON. */
export interface FeedRecord {
  eventName?: string;
  dynamodb?: { NewImage?: Image; SequenceNumber?: string };
  kinesis?: { data: string; sequenceNumber: string };
}

/** A DynamoDB change, as the table's stream delivers it and as Kinesis carries it. */
interface Change {
  eventName?: string;
  dynamodb?: { NewImage?: Image };
}

/** A feed record's id for batchItemFailures and its change. */
export function changeOf(record: FeedRecord): { id: string; change: Change } {
  if (record.kinesis) {
    return { id: record.kinesis.sequenceNumber, change: JSON.parse(Buffer.from(record.kinesis.data, "base64").toString("utf8")) as Change };
  }
  return { id: record.dynamodb?.SequenceNumber ?? "", change: record };
}

/** A projection's state of an aggregate, as ProjectionsTable keeps it. */
export interface Projected {
  version: number;
  state: State;
}

/** Where projections keep state and snapshots: DynamoDB in Lambda, memory in the tests. */
export interface ProjectionStore {
  /** The state under an id, or undefined. */
  read(id: string): Promise<Projected | undefined>;
  /**
   * Writes the state if the stored version is `previous` (or none is stored), or with
   * `atMost`, if the stored version is at most `version`. False when the condition fails.
   */
  write(id: string, aggregateId: string, projected: Projected, condition: "previous" | "atMost", previous: number): Promise<boolean>;
  snapshot(id: string, projected: Projected): Promise<void>;
  latestSnapshot(id: string): Promise<Projected | undefined>;
}

/** ProjectionsTable and SnapshotsTable through the DynamoDB document client. */
export function dynamoProjectionStore(projectionsTable: string, snapshotsTable: string, client: DynamoDBClient): ProjectionStore {
  const documents = DynamoDBDocumentClient.from(client);
  const parse = (item: Record<string, unknown> | undefined): Projected | undefined =>
    item === undefined ? undefined : { version: Number(item.version), state: JSON.parse(String(item.state)) as State };
  return {
    async read(id) {
      const out: GetCommandOutput = await documents.send(new GetCommand({ TableName: projectionsTable, Key: { id }, ConsistentRead: true }));
      return parse(out.Item);
    },
    async write(id, aggregateId, projected, condition, previous) {
      try {
        await documents.send(
          new PutCommand({
            TableName: projectionsTable,
            Item: { id, aggregateId, version: projected.version, state: JSON.stringify(projected.state) },
            ConditionExpression: condition === "previous" ? "attribute_not_exists(id) OR version = :v" : "attribute_not_exists(id) OR version <= :v",
            ExpressionAttributeValues: { ":v": previous },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
    async snapshot(id, projected) {
      await documents.send(new PutCommand({ TableName: snapshotsTable, Item: { id, version: projected.version, state: JSON.stringify(projected.state) } }));
    },
    async latestSnapshot(id) {
      const out: QueryCommandOutput = await documents.send(
        new QueryCommand({ TableName: snapshotsTable, KeyConditionExpression: "id = :id", ExpressionAttributeValues: { ":id": id }, ScanIndexForward: false, Limit: 1 }),
      );
      return parse(out.Items?.[0]);
    },
  };
}

/** What a projection handler needs. */
export interface ProjectDeps {
  projection: string;
  events: EventStore;
  store: ProjectionStore;
  snapshotEvery: number;
}

/** The projection's item id: its name and the aggregate, so projections never share state. */
export function stateKey(projection: string, aggregateId: string): string {
  return `${projection}#${aggregateId}`;
}

async function save(deps: ProjectDeps, aggregateId: string, projected: Projected, condition: "previous" | "atMost", previous: number): Promise<void> {
  const id = stateKey(deps.projection, aggregateId);
  if (!(await deps.store.write(id, aggregateId, projected, condition, previous))) {
    throw new Error(`${id} changed while it was projected; the record is retried`);
  }
  if (projected.version % deps.snapshotEvery === 0) await deps.store.snapshot(id, projected);
}

/** Applies one change: "applied", "duplicate" or "skipped"; throws on a gap in the versions. */
export async function projectChange(deps: ProjectDeps, change: Change): Promise<string> {
  if (change.eventName !== "INSERT" || !change.dynamodb?.NewImage) return "skipped";
  const event = eventFromImage(change.dynamodb.NewImage);
  logger.appendKeys({ aggregateId: event.aggregateId, version: event.version, eventCorrelationId: event.correlationId });
  const current = (await deps.store.read(stateKey(deps.projection, event.aggregateId))) ?? { version: 0, state: initialState() };
  if (event.version <= current.version) return "duplicate";
  if (event.version !== current.version + 1) {
    throw new Error(`${event.aggregateId} is at version ${current.version}; version ${event.version} must wait for ${current.version + 1}`);
  }
  await save(deps, event.aggregateId, { version: event.version, state: apply(current.state, event) }, "previous", current.version);
  metrics.addMetric("EventsProjected", MetricUnit.Count, 1);
  logger.info("event projected", { type: event.type });
  return "applied";
}

/** Rebuilds a projection's state of an aggregate: its latest snapshot, then the events after it. */
export async function replay(deps: ProjectDeps, aggregateId: string): Promise<{ aggregateId: string; version: number; fromSnapshot: number; state: State }> {
  const snapshot = (await deps.store.latestSnapshot(stateKey(deps.projection, aggregateId))) ?? { version: 0, state: initialState() };
  let { version, state } = snapshot;
  for (const stored of await deps.events.after(aggregateId, snapshot.version)) {
    const event = upcast({ ...stored, data: JSON.parse(stored.data || "{}") as Record<string, unknown> });
    state = apply(state, event);
    version = event.version;
  }
  // Never behind what the live feed has already written.
  await save(deps, aggregateId, { version, state }, "atMost", version);
  logger.info("aggregate replayed", { aggregateId, fromVersion: snapshot.version, toVersion: version });
  return { aggregateId, version, fromSnapshot: snapshot.version, state };
}

/** A batch from the feed, or a replay request. */
export type ProjectEvent = { Records?: FeedRecord[]; replay?: { aggregateId: string } };

/**
 * A projection handler. Records run in order; the first that fails is reported and nothing after
 * it runs, so Lambda retries from it and one aggregate's events never apply out of order.
 * Invoked with {"replay": {"aggregateId": "..."}} it rebuilds that aggregate instead.
 */
export function projectHandler(deps: ProjectDeps): (event: ProjectEvent, context: Context) => Promise<unknown> {
  return async (event) => {
    if (event.replay) return replay(deps, String(event.replay.aggregateId));
    for (const record of event.Records ?? []) {
      let id = "";
      try {
        const { id: itemId, change } = changeOf(record);
        id = itemId;
        await projectChange(deps, change);
      } catch (error) {
        logger.error("change failed; the batch resumes from it", { itemIdentifier: id, error: error as Error });
        return { batchItemFailures: [{ itemIdentifier: id }] };
      }
    }
    return { batchItemFailures: [] };
  };
}

/** The projection functions, for the tests. */
export const PROJECTIONS = [{% for h in plan.handlers %}{% if h.name != "append" %}"{{ h.name }}", {% endif %}{% endfor %}];

function projectionDeps(name: string): ProjectDeps {
  const client = tracer.captureAWSv3Client(new DynamoDBClient({}));
  return {
    projection: env.PROJECTION ?? name,
    events: dynamoEventStore(requireEnv("EVENTS_TABLE"), client),
    store: dynamoProjectionStore(requireEnv("PROJECTIONS_TABLE"), requireEnv("SNAPSHOTS_TABLE"), client),
    snapshotEvery: Number(env.SNAPSHOT_EVERY ?? "{% if let Some(es) = plan.event_sourcing %}{{ es.snapshot_every }}{% endif %}"),
  };
}
{%- for h in plan.handlers %}{% if h.name != "append" %}

/** Lambda entry point (Handler: app.{{ h.name }}): {{ h.purpose }} */
export const {{ h.name }} = instrument(
  "{{ h.name }}",
  (event: ProjectEvent) => event.Records?.[0]?.dynamodb?.SequenceNumber ?? event.Records?.[0]?.kinesis?.sequenceNumber,
  lazy(() => projectHandler(projectionDeps("{{ h.name }}"))),
);
{%- endif %}{% endfor %}

/**
 * A request from the HTTP API (payload format 2.0), with what the {% if self.iam_auth() %}IAM{% else %}JWT{% endif %} authorizer adds to its
 * request context.
 */
export type ApiEvent = {% if self.iam_auth() %}APIGatewayProxyEventV2WithIAMAuthorizer{% else %}APIGatewayProxyEventV2WithJWTAuthorizer{% endif %};

/** A row of the items table (migrations/001_items.sql), as the API returns it. */
export interface Item {
  id: string;
  name: string;
  createdAt: string;
}

/** The statements the handler runs: PostgreSQL through RDS Proxy in Lambda, a Map in the tests. */
export interface ItemsDb {
  /** Inserts an item unless the caller already used this key; undefined when they did. */
  insert(caller: string, idempotencyKey: string, name: string): Promise<Item | undefined>;
  /** The item a caller created with a key. */
  byKey(caller: string, idempotencyKey: string): Promise<Item | undefined>;
  /** The item with an id. */
  byId(id: string): Promise<Item | undefined>;
}

/** The longest item name and Idempotency-Key accepted (the table's CHECK constraints agree). */
export const MAX_NAME_LENGTH = 200;
export const MAX_KEY_LENGTH = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A request the caller must fix: answered with 400. */
export class BadRequestError extends Error {
  override name = "BadRequestError";
}

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

/**
 * Who is calling: {% if self.iam_auth() %}the ARN of the IAM principal that signed the request{% else %}the `sub` claim of the JWT the authorizer checked{% endif %}, or
 * undefined when the request context has none.
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

/** A JSON response. */
export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

/** How a function reaches the database: RDS Proxy's endpoint, the app user, the timeouts. */
export interface DbSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

/** The settings template.yaml gives the function. */
export function dbSettings(): DbSettings {
  return {
    host: requireEnv("DB_HOST"),
    port: Number(env.DB_PORT ?? "5432"),
    database: requireEnv("DB_NAME"),
    user: requireEnv("DB_USER"),
    connectTimeoutMs: Number(env.CONNECT_TIMEOUT_S ?? "{% if let Some(db) = plan.relational %}{{ db.connect_timeout_s }}{% endif %}") * 1000,
    queryTimeoutMs: Number(env.QUERY_TIMEOUT_S ?? "{{ plan.function.timeout_s }}") * 1000,
  };
}

/**
 * Opens a TLS connection to RDS Proxy with a 15-minute IAM token signed here (no password, no
 * network call to sign). The proxy's certificate is public (ACM), so Node's own trust store
 * verifies it. PostgreSQL cancels slow statements itself (the app user's statement_timeout,
 * set by the migration); `query_timeout` only catches a connection that went silent.
 */
export async function connect(s: DbSettings): Promise<Client> {
  const token = await new Signer({ hostname: s.host, port: s.port, username: s.user }).getAuthToken();
  const client = new Client({
    host: s.host,
    port: s.port,
    database: s.database,
    user: s.user,
    password: token,
    ssl: { rejectUnauthorized: true },
    connectionTimeoutMillis: s.connectTimeoutMs,
    query_timeout: s.queryTimeoutMs,
    application_name: "{{ plan.project }}",
  });
  await client.connect();
  return client;
}

/** Whether an error means the connection is gone (closed by the proxy, a failover, a reset). */
function connectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : "";
  return (
    code === "ECONNRESET" ||
    code === "EPIPE" ||
    code === "57P01" ||
    /Connection terminated|Client has encountered a connection error|not queryable/.test(message)
  );
}

type Row = { id: string; name: string; created_at: Date };
const asItem = (r: Row): Item => ({ id: String(r.id), name: r.name, createdAt: r.created_at.toISOString() });

/**
 * The items table through one connection per execution environment, opened on the first
 * request and reused by every request after it; a connection the proxy closed is replaced once.
 * Each statement is its own transaction, so running one again after a lost connection is safe
 * (the insert is guarded by its unique key).
 */
export function postgresItems(settings: DbSettings, open: (s: DbSettings) => Promise<Client> = connect): ItemsDb {
  let client: Client | undefined;
  const query = async (text: string, values: unknown[]): Promise<Row[]> => {
    for (let attempt = 1; ; attempt++) {
      client ??= await open(settings);
      try {
        return (await client.query<Row>(text, values)).rows;
      } catch (error) {
        if (!connectionLost(error) || attempt === 2) throw error;
        logger.warn("database connection lost; reconnecting", { error: String(error) });
        client.end().catch(() => undefined);
        client = undefined;
      }
    }
  };
  return {
    async insert(caller, key, name) {
      const rows = await query(
        "INSERT INTO items (name, caller, idempotency_key) VALUES ($1, $2, $3) ON CONFLICT (caller, idempotency_key) DO NOTHING RETURNING id, name, created_at",
        [name, caller, key],
      );
      return rows[0] && asItem(rows[0]);
    },
    async byKey(caller, key) {
      const rows = await query("SELECT id, name, created_at FROM items WHERE caller = $1 AND idempotency_key = $2", [caller, key]);
      return rows[0] && asItem(rows[0]);
    },
    async byId(id) {
      const rows = await query("SELECT id, name, created_at FROM items WHERE id = $1::uuid", [id]);
      return rows[0] && asItem(rows[0]);
    },
  };
}

/**
 * The `api` handler: POST /items and GET /items/{id}. The row and the caller's Idempotency-Key
 * are written in one statement and the table holds each (caller, key) once: a repeat gets the
 * first item back and creates nothing, the same key with another name gets 422.
 */
export function apiHandler(db: ItemsDb): (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    switch (event.routeKey) {
      case "POST /items": {
        const caller = callerOf(event);
        if (caller === undefined) {
          return json(401, { message: "the request has no caller identity ({% if self.iam_auth() %}IAM caller ARN{% else %}JWT sub claim{% endif %})" });
        }
        const key = idempotencyKeyOf(event);
        if (key === undefined) {
          return json(400, {
            message: `the Idempotency-Key header is required: a new unique value (such as a UUID) for each item, sent again unchanged when retrying, at most ${MAX_KEY_LENGTH} characters`,
          });
        }
        let name: string;
        try {
          name = parseNewItem(event.body, event.isBase64Encoded).name;
        } catch (error) {
          if (error instanceof BadRequestError) return json(400, { message: error.message });
          throw error;
        }
        const created = await db.insert(caller, key, name);
        if (created !== undefined) {
          metrics.addMetric("ItemsCreated", MetricUnit.Count, 1);
          logger.info("item created", { itemId: created.id });
          return json(201, created);
        }
        const first = await db.byKey(caller, key);
        if (first === undefined) {
          return json(409, { message: "this Idempotency-Key was being used by another request; retry it" });
        }
        if (first.name !== name) {
          return json(422, { message: "this Idempotency-Key was already used with a different body" });
        }
        metrics.addMetric("DuplicatePosts", MetricUnit.Count, 1);
        return json(201, first);
      }
      case "GET /items/{id}": {
        const id = event.pathParameters?.id ?? "";
        const item = UUID.test(id) ? await db.byId(id) : undefined;
        return item === undefined ? json(404, { message: `no item with id ${id}` }) : json(200, item);
      }
      default:
        return json(404, { message: `no route ${event.routeKey}` });
    }
  };
}

/** The HTTP API's function (template.yaml: ApiFunction). */
export const api = lazy(() =>
  instrument<ApiEvent, APIGatewayProxyStructuredResultV2>(
    "api",
    (event) => event.requestContext?.requestId,
    apiHandler(postgresItems(dbSettings())),
  ),
);

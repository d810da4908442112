/** The breaker's state: one item per dependency in BREAKER_TABLE (partition key `dependency`). */
export interface BreakerState {
  state: "closed" | "open" | "half_open";
  /** Failures counted in the window that started at `windowStart`. */
  failures: number;
  windowStart?: number;
  /** While open: the second the trial may start. */
  openUntil?: number;
  /** While half-open: the second the trial's hold on the breaker ends. */
  trialUntil?: number;
}

/**
 * A change of the breaker, applied only if its condition still holds (another execution
 * environment may have changed the breaker since it was read):
 * - `trial`: an open breaker whose time is up (or a half-open one whose trial died) becomes
 *   half-open, held by this call until `until`;
 * - `close` / `reopen`: this call's trial succeeded / failed;
 * - `count`: one more failure in the current window; `restart`: the first of a new window;
 * - `open`: the count reached the threshold.
 */
export type Transition =
  | { kind: "trial"; from: "open" | "half_open"; seen: number; until: number }
  | { kind: "close"; mine: number; now: number }
  | { kind: "reopen"; mine: number; until: number }
  | { kind: "count"; window: number }
  | { kind: "restart"; window: number | undefined; now: number }
  | { kind: "open"; threshold: number; until: number };

/** Where the breaker lives: DynamoDB in Lambda, memory in the tests. */
export interface BreakerStore {
  /** Reads the breaker (strongly consistent), or undefined before its first failure. */
  read(): Promise<BreakerState | undefined>;
  /** Applies a transition; the state after it, or undefined when its condition did not hold. */
  apply(t: Transition): Promise<BreakerState | undefined>;
}

/** The breaker item in DynamoDB, changed only by conditional updates. */
export function dynamoBreakerStore(tableName: string, dependency: string, client: DynamoDBClient): BreakerStore {
  const documents = DynamoDBDocumentClient.from(client);
  const Key = { dependency };
  const fromItem = (item: Record<string, unknown> | undefined): BreakerState | undefined =>
    item && {
      state: (item.state as BreakerState["state"] | undefined) ?? "closed",
      failures: Number(item.failures ?? 0),
      windowStart: item.window_start === undefined ? undefined : Number(item.window_start),
      openUntil: item.open_until === undefined ? undefined : Number(item.open_until),
      trialUntil: item.trial_until === undefined ? undefined : Number(item.trial_until),
    };
  const update = (t: Transition): { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> } => {
    switch (t.kind) {
      case "trial":
        return t.from === "open"
          ? { UpdateExpression: "SET #state = :half_open, trial_until = :until", ConditionExpression: "#state = :open_state AND open_until = :seen", ExpressionAttributeValues: { ":half_open": "half_open", ":open_state": "open", ":seen": t.seen, ":until": t.until } }
          : { UpdateExpression: "SET #state = :half_open, trial_until = :until", ConditionExpression: "#state = :half_open AND trial_until = :seen", ExpressionAttributeValues: { ":half_open": "half_open", ":seen": t.seen, ":until": t.until } };
      case "close":
        return { UpdateExpression: "SET #state = :closed, failures = :zero, window_start = :now REMOVE open_until, trial_until", ConditionExpression: "#state = :half_open AND trial_until = :mine", ExpressionAttributeValues: { ":closed": "closed", ":half_open": "half_open", ":zero": 0, ":now": t.now, ":mine": t.mine } };
      case "reopen":
        return { UpdateExpression: "SET #state = :open_state, open_until = :until, failures = :zero REMOVE trial_until", ConditionExpression: "#state = :half_open AND trial_until = :mine", ExpressionAttributeValues: { ":open_state": "open", ":half_open": "half_open", ":until": t.until, ":zero": 0, ":mine": t.mine } };
      case "count":
        return { UpdateExpression: "ADD failures :one", ConditionExpression: "#state = :closed AND window_start = :window", ExpressionAttributeValues: { ":one": 1, ":closed": "closed", ":window": t.window } };
      case "restart":
        return t.window === undefined
          ? { UpdateExpression: "SET #state = :closed, failures = :one, window_start = :now", ConditionExpression: "attribute_not_exists(dependency) OR (#state = :closed AND attribute_not_exists(window_start))", ExpressionAttributeValues: { ":one": 1, ":closed": "closed", ":now": t.now } }
          : { UpdateExpression: "SET failures = :one, window_start = :now", ConditionExpression: "#state = :closed AND window_start = :window", ExpressionAttributeValues: { ":one": 1, ":closed": "closed", ":now": t.now, ":window": t.window } };
      case "open":
        return { UpdateExpression: "SET #state = :open_state, open_until = :until, failures = :zero REMOVE trial_until", ConditionExpression: "#state = :closed AND failures >= :threshold", ExpressionAttributeValues: { ":open_state": "open", ":closed": "closed", ":until": t.until, ":zero": 0, ":threshold": t.threshold } };
    }
  };
  return {
    async read() {
      const out = await documents.send(new GetCommand({ TableName: tableName, Key, ConsistentRead: true }));
      return fromItem(out.Item);
    },
    async apply(t) {
      try {
        const out = await documents.send(
          new UpdateCommand({ TableName: tableName, Key, ExpressionAttributeNames: { "#state": "state" }, ReturnValues: "ALL_NEW", ...update(t) }),
        );
        return fromItem(out.Attributes);
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    },
  };
}

/** The breaker's settings, from the environment template.yaml sets. */
export interface BreakerSettings {
  failureThreshold: number;
  failureWindowS: number;
  openSeconds: number;
  trialLeaseS: number;
}

export function breakerSettings(): BreakerSettings {
  return {
    failureThreshold: Number(requireEnv("FAILURE_THRESHOLD")),
    failureWindowS: Number(requireEnv("FAILURE_WINDOW_S")),
    openSeconds: Number(requireEnv("OPEN_SECONDS")),
    trialLeaseS: Number(requireEnv("TRIAL_LEASE_S")),
  };
}

/** The breaker turned the call away: the dependency was not called. */
export class BreakerOpenError extends Error {
  override name = "BreakerOpenError";
  constructor(readonly retryAfterS: number) {
    super(`the circuit breaker is open; retry in ${retryAfterS} s`);
  }
}

/** The dependency failed (a timeout, a refused connection, 5XX or 429): counted by the breaker. */
export class DependencyError extends Error {
  override name = "DependencyError";
  constructor(message: string, readonly timedOut = false) {
    super(message);
  }
}

/** How a call got through: as a closed breaker's call, or as the trial holding it until `trialUntil`. */
export interface Admission {
  trialUntil?: number;
  windowStart?: number;
}

/** Lets a call through, or throws BreakerOpenError. */
export async function admit(store: BreakerStore, settings: BreakerSettings, now: number): Promise<Admission> {
  const b = await store.read();
  if (!b || b.state === "closed") return { windowStart: b?.windowStart };
  const from = b.state;
  const seen = (from === "open" ? b.openUntil : b.trialUntil) ?? 0;
  if (now < seen) throw new BreakerOpenError(Math.max(1, seen - now));
  const until = now + settings.trialLeaseS;
  if (!(await store.apply({ kind: "trial", from, seen, until }))) throw new BreakerOpenError(settings.trialLeaseS);
  logger.info("breaker half-open: this call is the trial", { breaker_event: "trial" });
  return { trialUntil: until };
}

/** A trial that succeeded closes the breaker; a closed breaker's success writes nothing. */
export async function recordSuccess(store: BreakerStore, admission: Admission, now: number): Promise<void> {
  if (admission.trialUntil === undefined) return;
  if (await store.apply({ kind: "close", mine: admission.trialUntil, now })) {
    logger.info("breaker closed: the trial call succeeded", { breaker_event: "closed" });
  }
}

/** Counts a failure; whether it opened the breaker. */
export async function recordFailure(store: BreakerStore, settings: BreakerSettings, admission: Admission, now: number): Promise<boolean> {
  const until = now + settings.openSeconds;
  let opened: BreakerState | undefined;
  if (admission.trialUntil !== undefined) {
    opened = await store.apply({ kind: "reopen", mine: admission.trialUntil, until });
  } else {
    const w = admission.windowStart;
    const counted =
      w !== undefined && now < w + settings.failureWindowS
        ? await store.apply({ kind: "count", window: w })
        : await store.apply({ kind: "restart", window: w, now });
    if (!counted || counted.failures < settings.failureThreshold) return false;
    opened = await store.apply({ kind: "open", threshold: settings.failureThreshold, until });
  }
  if (opened) logger.warn("breaker opened: calls are turned away until the trial", { breaker_event: "opened", open_seconds: settings.openSeconds });
  return opened !== undefined;
}

/** A call to the dependency: POSTs `payload` with `key` as its Idempotency-Key header. */
export type Send = (payload: Record<string, unknown>, key: string) => Promise<{ status: number; body: unknown }>;

/** The dependency over HTTPS (DEPENDENCY_URL), cut off after CALL_TIMEOUT_MS. */
export function httpSend(url: string, timeoutMs: number): Send {
  return async (payload, key) => {
    let answer: Response;
    try {
      answer = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": key, "x-correlation-id": String(logger.getCorrelationId() ?? "") },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      throw new DependencyError(timedOut ? `no answer within ${timeoutMs} ms` : `the dependency is unreachable: ${String(error)}`, timedOut);
    }
    if (answer.status >= 500 || answer.status === 429) throw new DependencyError(`the dependency answered ${answer.status}`);
    const text = await answer.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: passed on as text.
    }
    return { status: answer.status, body };
  };
}

/** What the `call` handler needs from outside. */
export interface CallDeps {
  breaker: BreakerStore;
  settings: BreakerSettings;
  send: Send;
{%- if self.idem() %}
  idempotency: BasePersistenceLayer;
{%- endif %}
  /** Seconds since the Unix epoch; the tests move it. */
  now?: () => number;
}

/** The Idempotency-Key the dependency gets: a hash, the same for every retry of one request. */
export function dependencyKey(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\n")).digest("hex");
}

/** Calls the dependency if the breaker lets the call through, and records the outcome. */
export async function callThroughBreaker(deps: CallDeps, payload: Record<string, unknown>, key: string): Promise<{ status: number; body: unknown }> {
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  const admission = await admit(deps.breaker, deps.settings, now());
  try {
    const result = await deps.send(payload, key);
    await recordSuccess(deps.breaker, admission, now());
    return result;
  } catch (error) {
    if (!(error instanceof DependencyError)) throw error;
    metrics.addMetric(error.timedOut ? "DependencyTimeouts" : "DependencyFailures", MetricUnit.Count, 1);
    await recordFailure(deps.breaker, deps.settings, admission, now());
    throw error;
  }
}
{%- if plan.api.is_some() %}

/**
 * A request from the HTTP API (payload format 2.0), with what the {% if self.iam_auth() %}IAM{% else %}JWT{% endif %} authorizer adds to its
 * request context.
 */
export type ApiEvent = {% if self.iam_auth() %}APIGatewayProxyEventV2WithIAMAuthorizer{% else %}APIGatewayProxyEventV2WithJWTAuthorizer{% endif %};

/** A JSON response, with any extra headers. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

/** Who is calling: {% if self.iam_auth() %}the ARN of the IAM principal that signed the request{% else %}the `sub` claim of the JWT the authorizer checked{% endif %}. */
export function callerOf(event: ApiEvent): string | undefined {
{%- if self.iam_auth() %}
  const caller: unknown = event.requestContext?.authorizer?.iam?.userArn;
{%- else %}
  const caller: unknown = event.requestContext?.authorizer?.jwt?.claims?.sub;
{%- endif %}
  return typeof caller === "string" && caller !== "" ? caller : undefined;
}

/** A call request: the caller, their Idempotency-Key header, and the body for the dependency. */
export interface CallRequest {
  caller: string;
  key: string;
  payload: Record<string, unknown>;
}

/**
 * The `call` handler: POST /calls forwards the body to the dependency. 200 with its answer; 422
 * when it refuses the request (a 4XX); 503 with Retry-After while the breaker is open; 504 or 502
 * when the call times out or fails. Retrying with the same Idempotency-Key is always safe.
 */
export function callHandler(deps: CallDeps): (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  const callOnce = async (request: CallRequest) => callThroughBreaker(deps, request.payload, dependencyKey(request.caller, request.key));
{%- if self.idem() %}
  // The caller and their key name the record; a hash of the payload is kept with it, and a
  // repeat with another payload is refused. A call that threw is forgotten, so its retry calls
  // again, with the same Idempotency-Key for the dependency.
  const config = new IdempotencyConfig({
    eventKeyJmesPath: "[caller, key]",
    payloadValidationJmesPath: "payload",
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: idempotencyTtlSeconds(),
  });
  const call = makeIdempotent(callOnce, { persistenceStore: deps.idempotency, config });
{%- else %}
  const call = callOnce;
{%- endif %}
  return async (event, context) => {
{%- if self.idem() %}
    config.registerLambdaContext(context);
{%- else %}
    void context;
{%- endif %}
    const caller = callerOf(event);
    if (!caller) return json(401, { message: "the request has no caller identity" });
    const key = event.headers?.["idempotency-key"]?.trim();
    if (!key || key.length > 200) return json(400, { message: "the Idempotency-Key header is required: a new unique value for each request, sent again unchanged when retrying" });
    let payload: unknown;
    try {
      const text = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString("utf8") : (event.body ?? "");
      payload = JSON.parse(text);
    } catch {
      return json(400, { message: "the body must be a JSON object" });
    }
    if (!isObject(payload)) return json(400, { message: "the body must be a JSON object" });
    try {
      const result = await call({ caller, key, payload });
      return json(result.status < 400 ? 200 : 422, { dependencyStatus: result.status, answer: result.body });
    } catch (error) {
      if (error instanceof BreakerOpenError) {
        logger.info("call turned away: the breaker is open", { breaker_event: "rejected" });
        return json(503, { message: "the dependency is failing and calls are paused; retry after Retry-After seconds with the same Idempotency-Key" }, { "Retry-After": String(error.retryAfterS) });
      }
      if (error instanceof DependencyError) return json(error.timedOut ? 504 : 502, { message: `the dependency failed: ${error.message}; retry with the same Idempotency-Key` });
{%- if self.idem() %}
      if (error instanceof IdempotencyValidationError) return json(422, { message: "this Idempotency-Key was already used with a different body" });
      if (error instanceof IdempotencyAlreadyInProgressError) return json(409, { message: "a request with this Idempotency-Key is still being processed" }, { "Retry-After": "2" });
{%- endif %}
      throw error;
    }
  };
}

/** Lambda entry point (Handler: app.call). The correlation id is the API's request id. */
export const call = instrument(
  "call",
  (event: ApiEvent) => event.requestContext?.requestId,
  lazy(() => callHandler(liveDeps())),
);
{%- else %}

/** The SQS message attribute that carries the sender's correlation id. */
export const CORRELATION_ATTRIBUTE = "correlation_id";

/** A queued request: {"id": "...", "payload": {...}}; the id is the idempotency key. */
export interface QueuedRequest {
  id: string;
  payload: Record<string, unknown>;
}

/** Reads a message body, or throws saying what is wrong. */
export function parseMessage(body: string): QueuedRequest {
  const value: unknown = JSON.parse(body);
  if (!isObject(value) || typeof value.id !== "string" || value.id.trim() === "") throw new Error('a message must be a JSON object with a non-empty string "id"');
  if (!isObject(value.payload)) throw new Error('a message must carry a JSON object "payload"');
  return { id: value.id, payload: value.payload };
}

/**
 * The `call` handler: consumes the queue. While the breaker is open the rest of the batch is
 * left on the queue uncalled (reported as failures, back after the visibility timeout); a message
 * that failed otherwise is retried until the redrive policy moves it to the dead-letter queue.
 */
export function callHandler(deps: CallDeps): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const callOnce = async (request: QueuedRequest) => callThroughBreaker(deps, request.payload, dependencyKey(request.id));
{%- if self.idem() %}
  const config = new IdempotencyConfig({
    eventKeyJmesPath: "id",
    payloadValidationJmesPath: "payload",
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: idempotencyTtlSeconds(),
  });
  const call = makeIdempotent(callOnce, { persistenceStore: deps.idempotency, config });
{%- else %}
  const call = callOnce;
{%- endif %}
  return async (event, context) => {
{%- if self.idem() %}
    config.registerLambdaContext(context);
{%- else %}
    void context;
{%- endif %}
    const failed: string[] = [];
    let paused = false;
    for (const record of event.Records) {
      if (paused) {
        failed.push(record.messageId);
        continue;
      }
      logger.setCorrelationId(record.messageAttributes?.[CORRELATION_ATTRIBUTE]?.stringValue ?? record.messageId);
      logger.appendKeys({ message_id: record.messageId });
      try {
        const result = await call(parseMessage(record.body));
        logger.info("the dependency answered", { dependency_status: result.status });
        if (result.status >= 400) {
          // Refused for good (a 4XX): retrying the same request cannot help.
          logger.warn("the dependency refused the request", { dependency_status: result.status });
          metrics.addMetric("DependencyRefusals", MetricUnit.Count, 1);
        }
      } catch (error) {
        failed.push(record.messageId);
        if (error instanceof BreakerOpenError) {
          paused = true;
          logger.info("breaker open: leaving messages on the queue", { breaker_event: "rejected", retry_after_s: error.retryAfterS });
{%- if self.idem() %}
        } else if (error instanceof IdempotencyAlreadyInProgressError) {
          logger.info("a copy of this message is being processed; it comes back later");
{%- endif %}
        } else {
          logger.error("message failed; SQS will retry it", error as Error);
        }
      }
    }
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/** Lambda entry point (Handler: app.call). */
export const call = instrument(
  "call",
  (event: SQSEvent) => event.Records?.[0]?.messageId,
  lazy(() => callHandler(liveDeps())),
);
{%- endif %}

/** The handler's dependencies in Lambda, from the environment template.yaml sets. */
function liveDeps(): CallDeps {
  const client = tracer.captureAWSv3Client(new DynamoDBClient({}));
  return {
    breaker: dynamoBreakerStore(requireEnv("BREAKER_TABLE"), env.DEPENDENCY_NAME ?? "downstream", client),
    settings: breakerSettings(),
    send: httpSend(requireEnv("DEPENDENCY_URL"), Number(requireEnv("CALL_TIMEOUT_MS"))),
{%- if self.idem() %}
    idempotency: idempotencyStore(),
{%- endif %}
  };
}

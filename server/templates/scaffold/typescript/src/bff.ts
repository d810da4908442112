/**
 * A request from a client's HTTP API (payload format 2.0), with what its JWT or IAM authorizer
 * adds to the request context.
 */
export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer | APIGatewayProxyEventV2WithIAMAuthorizer;

/** GETs a downstream service's JSON, passing the correlation id along; rejects on failure. */
export type Fetch = (url: string, correlationId: string, timeoutMs: number) => Promise<unknown>;

/** A shared service every backend calls: its base URL and the request path after it. */
export interface Service {
  name: string;
  base: string;
  /** `{user}` is the caller's id, `{limit}` the client's list limit. */
  path: string;
}

/** What a backend needs: the services, the per-call timeout, the largest response, a fetch. */
export interface Settings {
  services: Service[];
  callTimeoutMs: number;
  maxResponseBytes: number;
  fetch: Fetch;
}

/** fetch() with the correlation id and a timeout; a non-2xx answer is a failure. */
export const fetchJson: Fetch = async (url, correlationId, timeoutMs) => {
  const answer = await fetch(url, {
    headers: { accept: "application/json", "x-correlation-id": correlationId },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!answer.ok) throw new Error(`${url}: HTTP ${answer.status}`);
  return answer.json();
};

/** The settings template.yaml gives each backend function. */
export function settingsFromEnv(): Settings {
  return {
    services: [
{%- if let Some(b) = plan.bff %}
{%- for d in b.downstreams %}
      { name: "{{ d.name }}", base: requireEnv("{{ d.variable }}"), path: "{{ d.path }}" },
{%- endfor %}
{%- endif %}
    ],
    callTimeoutMs: Number(env.CALL_TIMEOUT_MS ?? "{% if let Some(b) = plan.bff %}{{ b.call_timeout_ms }}{% endif %}"),
    maxResponseBytes: Number(env.MAX_RESPONSE_BYTES ?? "{% if let Some(b) = plan.bff %}{{ b.max_response_bytes }}{% endif %}"),
    fetch: fetchJson,
  };
}

/** A promise that rejects once `ms` have passed, unless `work` settles first. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Calls every shared service at once and waits at most the call timeout for each. Returns what
 * came back and the services that failed or were late.
 */
export async function gather(
  settings: Settings,
  user: string,
  limit: number,
  correlationId: string,
): Promise<{ results: Record<string, unknown>; unavailable: string[] }> {
  const outcomes = await Promise.allSettled(
    settings.services.map((s) => {
      const url = s.base + s.path.replace("{user}", encodeURIComponent(user)).replace("{limit}", String(limit));
      return withDeadline(settings.fetch(url, correlationId, settings.callTimeoutMs), settings.callTimeoutMs);
    }),
  );
  const results: Record<string, unknown> = {};
  const unavailable: string[] = [];
  outcomes.forEach((outcome, i) => {
    const name = settings.services[i]?.name ?? String(i);
    if (outcome.status === "fulfilled") {
      results[name] = outcome.value;
    } else {
      logger.warn("downstream service unavailable", { downstream: name, error: String(outcome.reason) });
      unavailable.push(name);
    }
  });
  return { results, unavailable };
}

/** The orders list from the orders service's answer ({"orders": [...]}), or none. */
export function ordersOf(results: Record<string, unknown>): Record<string, unknown>[] {
  const answer = results.orders;
  const orders = isObject(answer) ? answer.orders : undefined;
  return Array.isArray(orders) ? orders.filter(isObject) : [];
}

/** A response body: the client's shape plus whether it is partial or cut. */
export interface Body {
  orders: Record<string, unknown>[];
  partial?: boolean;
  unavailable?: string[];
  truncated?: boolean;
  [part: string]: unknown;
}

/** What a large screen shows: the whole profile and the latest orders as the services send them. */
export function fullShape(results: Record<string, unknown>, limit: number): Body {
  return { profile: results.profile ?? null, orders: ordersOf(results).slice(0, limit) };
}

/** What a phone shows: the name and, per order, its id, status and total. */
export function compactShape(results: Record<string, unknown>, limit: number): Body {
  const profile = results.profile;
  return {
    name: isObject(profile) ? (profile.name ?? null) : null,
    orders: ordersOf(results)
      .slice(0, limit)
      .map((o) => ({ id: o.id ?? null, status: o.status ?? null, total: o.total ?? null })),
  };
}

/** The body as JSON within `maxBytes`: orders are dropped from the end until it fits. */
export function fit(body: Body, maxBytes: number): string {
  let text = JSON.stringify(body);
  while (Buffer.byteLength(text) > maxBytes && body.orders.length > 0) {
    body.orders.pop();
    body.truncated = true;
    text = JSON.stringify(body);
  }
  return text;
}

/** Whose page this is: the token's subject, or, for a partner signing with IAM, ?customer=. */
export function caller(event: ApiEvent): string | undefined {
  const authorizer: unknown = event.requestContext?.authorizer;
  const jwt = isObject(authorizer) ? authorizer.jwt : undefined;
  if (isObject(jwt) && isObject(jwt.claims)) {
    const sub = jwt.claims.sub;
    return typeof sub === "string" ? sub : undefined;
  }
  return event.queryStringParameters?.customer;
}

/** The caller's x-correlation-id when it sends one (at most 128 characters), else the API's request id. */
export function correlationIdOf(event: ApiEvent): string | undefined {
  const sent = event.headers?.["x-correlation-id"];
  return sent && sent.length <= 128 ? sent : event.requestContext?.requestId;
}

/** A JSON response. */
export function json(statusCode: number, body: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { "content-type": "application/json" }, body };
}

/**
 * GET /home for one kind of client: every service at once, the client's shape (`compact` for
 * small screens, `limit` orders at most), partial (partial: true, unavailable: [...]) when a
 * service failed or was late, 502 when none answered.
 */
export function backend(
  settings: Settings,
  compact: boolean,
  limit: number,
): (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    const user = caller(event);
    if (!user) return json(400, JSON.stringify({ message: "no customer: send ?customer= with a signed request" }));
    const correlationId = correlationIdOf(event) ?? "";
    const { results, unavailable } = await gather(settings, user, limit, correlationId);
    metrics.addMetric("Responses", MetricUnit.Count, 1);
    if (unavailable.length > 0) metrics.addMetric("PartialResponses", MetricUnit.Count, 1);
    if (Object.keys(results).length === 0) {
      return json(502, JSON.stringify({ message: "no downstream service answered", unavailable }));
    }
    const body = compact ? compactShape(results, limit) : fullShape(results, limit);
    Object.assign(body, { partial: unavailable.length > 0, unavailable, truncated: false });
    return json(200, fit(body, settings.maxResponseBytes));
  };
}
{%- if let Some(b) = plan.bff %}{% for c in b.clients %}

/** The {{ c.name }} backend ({{ c.id }}Function, Handler: app.{{ c.name }}): GET /home in the {% if c.compact %}compact{% else %}full{% endif %} shape. */
export const {{ c.name }} = instrument("{{ c.name }}", correlationIdOf, lazy(() => backend(settingsFromEnv(), {{ c.compact }}, {{ c.list_limit }})));
{%- endfor %}{% endif %}

// The HTTP service: `GET {{ self.health_path() }}` for the load balancer's health check{% if self.table() %}, `POST /items` (body
// `{"name": "..."}`) to create an item and `GET /items/{id}` to read one, in the DynamoDB table
// TABLE_NAME{% else %} and `GET /` naming the service{% endif %}.
//
// Each request runs under a correlation id: the caller's `x-correlation-id`, else the load
// balancer's `x-amzn-trace-id`, else a new one; it is echoed in the response and in every log
// line. On SIGTERM the server stops accepting connections and finishes the requests it has.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
{%- if !self.table() %}
import { env } from "node:process";
{%- endif %}
{%- if self.table() %}

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
{%- endif %}

import { correlationId, errorFields, log, withCorrelationId } from "./log";

const MAX_BODY = 64 * 1024;
{%- if self.table() %}

export interface Item {
  id: string;
  name: string;
}

export interface Store {
  get(id: string): Promise<Item | undefined>;
  put(item: Item): Promise<void>;
}

/** Items in the DynamoDB table, one per `id`. */
export class DynamoStore implements Store {
  private readonly db = DynamoDBDocumentClient.from(new DynamoDBClient({}));

  constructor(private readonly table: string) {}

  async get(id: string): Promise<Item | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { id } }));
    return out.Item as Item | undefined;
  }

  async put(item: Item): Promise<void> {
    // A new random id never exists; the condition makes sure of it.
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: item, ConditionExpression: "attribute_not_exists(id)" }),
    );
  }
}
{%- endif %}

function send(res: ServerResponse, req: IncomingMessage, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(data),
    "x-correlation-id": correlationId(),
  });
  res.end(data);
  log.info("request", { method: req.method, path: (req.url ?? "/").split("?")[0], status });
}
{%- if self.table() %}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
{%- endif %}

/** The request handler, separate from the server so the tests can call it. */
export function handler({% if self.table() %}store: Store{% endif %}) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const id = header("x-correlation-id") ?? header("x-amzn-trace-id") ?? randomUUID();
    withCorrelationId(id, () => {
      route(req, res{% if self.table() %}, store{% endif %}).catch((err: unknown) => {
        log.error("request failed", errorFields(err));
        if (!res.headersSent) send(res, req, 500, { message: "internal error" });
      });
    });
  };
}

async function route(req: IncomingMessage, res: ServerResponse{% if self.table() %}, store: Store{% endif %}): Promise<void> {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  if (req.method === "GET" && path === "{{ self.health_path() }}") return send(res, req, 200, { status: "ok" });
{%- if self.table() %}
  if (req.method === "GET" && /^\/items\/[^/]+$/.test(path)) {
    const item = await store.get(decodeURIComponent(path.slice("/items/".length)));
    return item ? send(res, req, 200, item) : send(res, req, 404, { message: "not found" });
  }
  if (req.method === "POST" && path === "/items") {
    const text = await readBody(req);
    if (text === undefined) return send(res, req, 413, { message: "body too large" });
    let body: unknown;
    try {
      body = JSON.parse(text || "null");
    } catch {
      return send(res, req, 400, { message: "body must be JSON" });
    }
    const name = body && typeof body === "object" && !Array.isArray(body) ? (body as { name?: unknown }).name : undefined;
    if (typeof name !== "string" || name.length === 0 || name.length > 200) {
      return send(res, req, 400, { message: "name: a string of 1 to 200 characters" });
    }
    const item: Item = { id: randomUUID(), name };
    await store.put(item);
    return send(res, req, 201, item);
  }
{%- else %}
  if (req.method === "GET" && path === "/") return send(res, req, 200, { service: env.APP_NAME ?? "{{ self.plan().project }}" });
{%- endif %}
  return send(res, req, 404, { message: "not found" });
}

/** Listens on `port` until `stop` aborts, then closes and waits for in-flight requests. */
export function serve(port: number, stop: AbortSignal{% if self.table() %}, store: Store{% endif %}): Promise<void> {
  const server: Server = createServer(handler({% if self.table() %}store{% endif %}));
  return new Promise((resolve) => {
    server.listen(port, () => log.info("listening", { port }));
    stop.addEventListener("abort", () => {
      server.close(() => {
        log.info("stopped");
        resolve();
      });
      server.closeIdleConnections();
    });
  });
}

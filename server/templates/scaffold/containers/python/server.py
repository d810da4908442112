"""The HTTP service: `GET {{ self.health_path() }}` for the load balancer's health check{% if self.table() %}, `POST /items`
(body `{"name": "..."}`) to create an item and `GET /items/{id}` to read one, in the DynamoDB
table TABLE_NAME{% else %} and `GET /` naming the service{% endif %}.

Each request runs under a correlation id: the caller's `x-correlation-id`, else the load
balancer's `x-amzn-trace-id`, else a new one; it is echoed in the response and in every log line.
On SIGTERM the server stops accepting connections and finishes the requests it has.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from app import correlation_id, log

MAX_BODY = 64 * 1024
{%- if self.table() %}


class Store(Protocol):
    def get(self, item_id: str) -> dict[str, Any] | None: ...

    def put(self, item: dict[str, Any]) -> None: ...


class DynamoStore:
    """Items in the DynamoDB table, one per `id`."""

    def __init__(self, table_name: str) -> None:
        import boto3

        self._table = boto3.resource("dynamodb").Table(table_name)

    def get(self, item_id: str) -> dict[str, Any] | None:
        return self._table.get_item(Key={"id": item_id}).get("Item")

    def put(self, item: dict[str, Any]) -> None:
        # A new random id never exists; the condition makes sure of it.
        self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
{%- endif %}


class Handler(BaseHTTPRequestHandler):
    server_version = "app"
    protocol_version = "HTTP/1.1"
{%- if self.table() %}
    store: Store
{%- endif %}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # access lines are logged as JSON in _send

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("x-correlation-id", correlation_id.get())
        self.end_headers()
        self.wfile.write(data)
        log.info(
            "request",
            extra={"fields": {"method": self.command, "path": self.path.split("?")[0], "status": status}},
        )

    def _begin(self) -> None:
        cid = self.headers.get("x-correlation-id") or self.headers.get("x-amzn-trace-id") or str(uuid.uuid4())
        correlation_id.set(cid[:200])

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        self._begin()
        path = self.path.split("?")[0]
        if path == "{{ self.health_path() }}":
            return self._send(HTTPStatus.OK, {"status": "ok"})
{%- if self.table() %}
        if path.startswith("/items/") and path.count("/") == 2:
            item_id = path.removeprefix("/items/")
            try:
                item = self.store.get(item_id)
            except Exception:
                log.exception("read failed")
                return self._send(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": "internal error"})
            if item is None:
                return self._send(HTTPStatus.NOT_FOUND, {"message": "not found"})
            return self._send(HTTPStatus.OK, item)
{%- else %}
        if path == "/":
            return self._send(HTTPStatus.OK, {"service": os.environ.get("APP_NAME", "{{ self.plan().project }}")})
{%- endif %}
        return self._send(HTTPStatus.NOT_FOUND, {"message": "not found"})
{%- if self.table() %}

    def do_POST(self) -> None:  # noqa: N802 - the base class's name
        self._begin()
        if self.path.split("?")[0] != "/items":
            return self._send(HTTPStatus.NOT_FOUND, {"message": "not found"})
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"message": "body too large"})
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            return self._send(HTTPStatus.BAD_REQUEST, {"message": "body must be JSON"})
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not 0 < len(name) <= 200:
            return self._send(HTTPStatus.BAD_REQUEST, {"message": "name: a string of 1 to 200 characters"})
        item = {"id": str(uuid.uuid4()), "name": name}
        try:
            self.store.put(item)
        except Exception:
            log.exception("write failed")
            return self._send(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": "internal error"})
        return self._send(HTTPStatus.CREATED, item)
{%- endif %}


class Server(ThreadingHTTPServer):
    # Request threads are joined on close, so in-flight requests finish during a drain.
    daemon_threads = False
    block_on_close = True


def make_server(port: int{% if self.table() %}, store: Store{% endif %}) -> Server:
    handler = type("BoundHandler", (Handler,), {% if self.table() %}{"store": store}{% else %}{}{% endif %})
    return Server(("0.0.0.0", port), handler)  # noqa: S104 - the task's own network interface


def serve(stop: threading.Event) -> None:
    port = int(os.environ.get("PORT", "{{ self.port() }}"))
    server = make_server(port{% if self.table() %}, DynamoStore(os.environ["TABLE_NAME"]){% endif %})
    threading.Thread(target=lambda: (stop.wait(), server.shutdown()), daemon=True).start()
    log.info("listening", extra={"fields": {"port": port}})
    server.serve_forever()
    server.server_close()
    log.info("stopped")

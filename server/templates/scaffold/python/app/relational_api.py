import json
import os
import re
import ssl
from typing import Any

import boto3
import pg8000.native
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
    ServiceError,
    UnauthorizedError,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()

DB_HOST = os.environ["DB_HOST"]
DB_PORT = int(os.environ.get("DB_PORT", "5432"))
DB_NAME = os.environ["DB_NAME"]
DB_USER = os.environ["DB_USER"]
# How long to wait for the proxy to accept a connection, and for any one statement's answer
# (PostgreSQL cancels the statement itself at the app user's statement_timeout, set by the
# migration; this socket timeout only catches a connection that went silent).
CONNECT_TIMEOUT_S = int(os.environ.get("CONNECT_TIMEOUT_S", "{% if let Some(db) = plan.relational %}{{ db.connect_timeout_s }}{% endif %}"))
QUERY_TIMEOUT_S = int(os.environ.get("QUERY_TIMEOUT_S", "{{ plan.function.timeout_s }}"))
MAX_NAME_LENGTH = 200
MAX_KEY_LENGTH = 200
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# The connection lives outside the handler: one per execution environment, opened on its first
# request and reused by every request after it. Reserved concurrency caps the environments, and
# so the connections, below the proxy's pool (see the README's connection budget).
_rds = boto3.client("rds")
_connection: pg8000.native.Connection | None = None


def connect() -> pg8000.native.Connection:
    """Opens a TLS connection to RDS Proxy, authenticated by a 15-minute IAM token signed here
    (no network call, no password). The proxy's certificate is public (ACM), so the default
    trust store verifies it."""
    token = _rds.generate_db_auth_token(DBHostname=DB_HOST, Port=DB_PORT, DBUsername=DB_USER)
    return pg8000.native.Connection(
        user=DB_USER,
        host=DB_HOST,
        port=DB_PORT,
        database=DB_NAME,
        password=token,
        ssl_context=ssl.create_default_context(),
        timeout=max(CONNECT_TIMEOUT_S, QUERY_TIMEOUT_S),
        application_name="{{ plan.project }}",
    )


def run(sql: str, **params: Any) -> list[list[Any]]:
    """Runs one statement on the environment's connection, opening it when there is none. A
    connection the proxy closed (idle timeout, failover) is replaced once; statements here are
    single-statement transactions, so running one again after a broken connection is safe (the
    insert is guarded by its unique key)."""
    global _connection
    for attempt in (1, 2):
        if _connection is None:
            _connection = connect()
        try:
            return _connection.run(sql, **params)
        except (pg8000.native.InterfaceError, OSError):
            # The connection is gone; the statement did not reach the database or its result was
            # lost. Drop the connection and try once more on a new one.
            _connection = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def caller_identity() -> str:
    """Who is calling: {% if py.iam_auth %}the IAM principal that signed the request (its ARN){% else %}the `sub` claim of the JWT the authorizer checked{% endif %}.
    Raises UnauthorizedError (401) when the request context has none."""
    authorizer = app.current_event.request_context.authorizer
{%- if py.iam_auth %}
    caller = authorizer.iam.user_arn
{%- else %}
    caller = authorizer.jwt_claim.get("sub")
{%- endif %}
    if not isinstance(caller, str) or not caller:
        raise UnauthorizedError("the request has no caller identity ({% if py.iam_auth %}IAM caller ARN{% else %}JWT sub claim{% endif %})")
    return caller


def idempotency_key() -> str:
    """The Idempotency-Key header of a POST, or raises BadRequestError (400) when it is missing."""
    key = (app.current_event.headers.get("idempotency-key") or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadRequestError(
            f"the Idempotency-Key header is required: a new unique value (such as a UUID) for each item, "
            f"sent again unchanged when retrying, at most {MAX_KEY_LENGTH} characters"
        )
    return key


def parse_new_item(body: str | None) -> str:
    """Returns the name in a POST /items body, or raises BadRequestError (400) saying what is wrong."""
    try:
        data = json.loads(body or "")
    except ValueError:
        raise BadRequestError('the body must be JSON, such as {"name": "example"}') from None
    if not isinstance(data, dict):
        raise BadRequestError('the body must be a JSON object, such as {"name": "example"}')
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequestError('"name" must be a non-empty string')
    if len(name) > MAX_NAME_LENGTH:
        raise BadRequestError(f'"name" must be at most {MAX_NAME_LENGTH} characters')
    return name.strip()


def as_item(row: list[Any]) -> dict[str, str]:
    """An items row (id, name, created_at) as the API returns it."""
    return {"id": str(row[0]), "name": row[1], "createdAt": row[2].isoformat()}


@app.post("/items")
@tracer.capture_method
def post_item() -> tuple[dict[str, str], int]:
    """POST /items: creates an item from {"name": ...} and answers 201 with it.

    The row and the caller's Idempotency-Key are written in one statement, and the items table
    holds each (caller, key) once: a repeat gets the first item back and creates nothing, the
    same key with another name gets 422."""
    caller = caller_identity()
    key = idempotency_key()
    name = parse_new_item(app.current_event.decoded_body)
    rows = run(
        "INSERT INTO items (name, caller, idempotency_key) VALUES (:name, :caller, :key) "
        "ON CONFLICT (caller, idempotency_key) DO NOTHING RETURNING id, name, created_at",
        name=name,
        caller=caller,
        key=key,
    )
    if rows:
        item = as_item(rows[0])
        logger.info("item created", extra={"item_id": item["id"]})
        metrics.add_metric(name="ItemsCreated", unit=MetricUnit.Count, value=1)
        return item, 201
    rows = run(
        "SELECT id, name, created_at FROM items WHERE caller = :caller AND idempotency_key = :key",
        caller=caller,
        key=key,
    )
    if not rows:
        # The conflicting row was deleted between the two statements: ask for a retry.
        raise ServiceError(409, "this Idempotency-Key was being used by another request; retry it")
    if rows[0][1] != name:
        raise ServiceError(422, "this Idempotency-Key was already used with a different body")
    metrics.add_metric(name="DuplicatePosts", unit=MetricUnit.Count, value=1)
    return as_item(rows[0]), 201


@app.get("/items/<item_id>")
@tracer.capture_method
def get_item(item_id: str) -> dict[str, str]:
    """GET /items/{id}: answers 200 with the item, or 404."""
    if not UUID.match(item_id):
        raise NotFoundError(f"no item with id {item_id}")
    rows = run("SELECT id, name, created_at FROM items WHERE id = CAST(:id AS uuid)", id=item_id)
    if not rows:
        raise NotFoundError(f"no item with id {item_id}")
    return as_item(rows[0])


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def api(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The HTTP API's handler: routes POST /items and GET /items/{id}."""
    return app.resolve(event, context)

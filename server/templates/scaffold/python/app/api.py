import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
{%- if py.idem %}
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
    ServiceError,
    UnauthorizedError,
)
{%- else %}
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError
{%- endif %}
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
{% include "scaffold/python/imports_idem.py" -%}
{% if py.idem -%}
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
{% endif -%}
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
{% include "scaffold/python/idempotency.py" %}
MAX_NAME_LENGTH = 200
{%- if py.idem %}
MAX_KEY_LENGTH = 200
# Seconds a client waits before retrying a request whose first copy is still being processed.
RETRY_AFTER_S = 2


def caller_identity() -> str:
    """Who is calling: {% if py.iam_auth %}the IAM principal that signed the request (its ARN){% else %}the `sub` claim of the JWT the authorizer checked{% endif %}.
    Raises UnauthorizedError (401) when the request context has none, so a request that
    reached the function without an authorizer never shares idempotency keys with others."""
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
{%- endif %}


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


@tracer.capture_method
{% if py.idem -%}
@idempotent_function(
    data_keyword_argument="request",
    config=idempotency_config,
    persistence_store=persistence,
)
{% endif -%}
def create_item(request: dict[str, {% if py.idem %}Any{% else %}str{% endif %}]) -> dict[str, str]:
    """Stores a new item with a generated id and returns it.{% if py.idem %} `request` holds the caller, their
    Idempotency-Key and the item asked for.{% endif %}"""
    item = {
        "id": str(uuid.uuid4()),
        "name": request{% if py.idem %}["item"]{% endif %}["name"],
        "createdAt": datetime.now(UTC).isoformat(),
    }
    table.put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
    logger.info("item created", extra={"item_id": item["id"]})
    metrics.add_metric(name="ItemsCreated", unit=MetricUnit.Count, value=1)
    return item


@app.post("/items")
@tracer.capture_method
{%- if py.idem %}
def post_item() -> tuple[dict[str, str], int] | Response:
    """POST /items: creates an item from {"name": ...} and answers 201 with it.

    Each caller's POST carries an Idempotency-Key header. The same caller sending the same key
    and body again within IDEMPOTENCY_TTL_SECONDS gets the first response back, and no second
    item is made. The same key with another body is refused (422); a repeat that arrives while
    the first is still being processed gets 409 and a Retry-After header. Keys of different
    callers never meet: the record's key is the caller's identity plus their Idempotency-Key.
    """
    caller = caller_identity()
    key = idempotency_key()
    name = parse_new_item(app.current_event.decoded_body)
    try:
        return create_item(request={"caller": caller, "key": key, "item": {"name": name}}), 201
    except IdempotencyValidationError:
        raise ServiceError(422, "this Idempotency-Key was already used with a different body") from None
    except IdempotencyAlreadyInProgressError:
        return Response(
            status_code=409,
            content_type=content_types.APPLICATION_JSON,
            headers={"Retry-After": str(RETRY_AFTER_S)},
            body={
                "statusCode": 409,
                "message": "a request with this Idempotency-Key is still being processed; "
                f"retry in {RETRY_AFTER_S} seconds to get its response",
            },
        )
{%- else %}
def post_item() -> tuple[dict[str, str], int]:
    """POST /items: creates an item from {"name": ...} and answers 201 with it."""
    name = parse_new_item(app.current_event.decoded_body)
    return create_item(request={"name": name}), 201
{%- endif %}


@app.get("/items/<item_id>")
@tracer.capture_method
def get_item(item_id: str) -> dict[str, Any]:
    """GET /items/{id}: answers 200 with the item, or 404."""
    item = table.get_item(Key={"id": item_id}).get("Item")
    if item is None:
        raise NotFoundError(f"no item with id {item_id}")
    return item


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def api(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The HTTP API's handler: routes POST /items and GET /items/{id}."""
{%- if py.idem %}
    idempotency_config.register_lambda_context(context)
{%- endif %}
    return app.resolve(event, context)

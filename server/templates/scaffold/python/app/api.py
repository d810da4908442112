import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
{% include "scaffold/python/imports_idem.py" -%}
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
{% include "scaffold/python/idempotency.py" %}
MAX_NAME_LENGTH = 200


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
def create_item(request: dict[str, str]) -> dict[str, str]:
    """Stores a new item with a generated id and returns it."""
    item = {
        "id": str(uuid.uuid4()),
        "name": request["name"],
        "createdAt": datetime.now(UTC).isoformat(),
    }
    table.put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
    logger.info("item created", extra={"item_id": item["id"]})
    metrics.add_metric(name="ItemsCreated", unit=MetricUnit.Count, value=1)
    return item


@app.post("/items")
@tracer.capture_method
def post_item() -> tuple[dict[str, str], int]:
    """POST /items: creates an item from {"name": ...} and answers 201 with it."""
    name = parse_new_item(app.current_event.decoded_body)
{%- if py.idem %}
    # A retry with the same Idempotency-Key header, or without one the same name, within
    # IDEMPOTENCY_TTL_SECONDS gets the first response instead of creating a second item.
    headers = app.current_event.headers
    key = headers.get("idempotency-key") or headers.get("Idempotency-Key") or name
    return create_item(request={"key": key, "name": name}), 201
{%- else %}
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

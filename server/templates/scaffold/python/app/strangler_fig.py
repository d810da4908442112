import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def to_legacy(item: dict[str, Any]) -> dict[str, Any]:
    """The anti-corruption layer: an item of the new service in the shape the legacy system
    answers GET /items/{id} with, which the route's callers already parse. Replace the fields
    with your legacy system's contract; the translation lives here only, so the new model can
    change without the callers noticing."""
    return {
        "itemId": item["id"],
        "itemName": item["name"],
        "lastModified": int(item["updated_at"]),
    }


@app.get("/items/<item_id>")
@tracer.capture_method
def get_item(item_id: str) -> dict[str, Any]:
    """GET /items/{id}: 200 and the item in the legacy shape, or 404."""
    item = table.get_item(Key={"id": item_id}).get("Item")
    if item is None:
        raise NotFoundError(f"no item with id {item_id}")
    metrics.add_metric(name="MigratedReads", unit=MetricUnit.Count, value=1)
    return to_legacy(item)


# The correlation id is the facade's request id ($context.requestId): the access log records it
# and the facade sends it to the legacy system as x-facade-request-id, so one request can be
# followed whichever side serves its route.
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def migrated(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The migrated route's handler: GET /items/{id}, moved off the legacy system."""
    return app.resolve(event, context)

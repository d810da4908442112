{% if py.idem -%}
import os
{% endif -%}
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
{% include "scaffold/python/imports_idem.py" -%}
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
{% include "scaffold/python/idempotency.py" %}

def parse_detail(event: dict[str, Any]) -> dict[str, Any]:
    """The ItemCreated event's detail: a JSON object with a non-empty string "id"."""
    detail = event.get("detail")
    if not isinstance(detail, dict) or not isinstance(detail.get("id"), str) or not detail["id"]:
        raise ValueError('the event detail must be a JSON object with a non-empty string "id"')
    return detail


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@tracer.capture_lambda_handler
@metrics.log_metrics
{% if py.idem -%}
@idempotent(config=idempotency_config, persistence_store=persistence)
{% endif -%}
def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    """Handles an ItemCreated event from the bus. An error fails the invocation: Lambda retries
    it, then sends the event to the on-failure destination."""
    detail = parse_detail(event)
    # Replace the log line with the work this event calls for.
    logger.info(
        "event handled",
        extra={"detail_type": event.get("detail-type"), "item_id": detail["id"]},
    )
    metrics.add_metric(name="EventsHandled", unit=MetricUnit.Count, value=1)
    return {"id": detail["id"], "status": "handled"}

{% if py.approval || py.start_api -%}
import json
{% endif -%}
{% if py.idem || py.approval || py.start_api -%}
import os
{% endif -%}
{% if py.start_api -%}
import re
{% endif -%}
{% if py.approval -%}
import time
{% endif -%}
from typing import Any

{% if py.approval || py.start_api -%}
import boto3
{% endif -%}

from aws_lambda_powertools import Logger, Metrics, Tracer
{% if py.approval || py.start_api -%}
from aws_lambda_powertools.logging import correlation_paths
{% endif -%}
from aws_lambda_powertools.metrics import MetricUnit
{% include "scaffold/python/imports_idem.py" -%}
from aws_lambda_powertools.utilities.typing import LambdaContext
{% if py.approval || py.start_api -%}
from botocore.exceptions import ClientError
{% endif -%}

logger = Logger()
tracer = Tracer()
metrics = Metrics()
{% include "scaffold/python/idempotency.py" %}

class ValidationError(Exception):
    """The execution input is not valid. The state machine does not retry it."""


class ProcessingError(Exception):
    """The work failed. The state machine retries it, then fails{% if py.compensation %} and compensates{% endif %}."""


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
def validate(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Checks the execution input: a JSON object with a non-empty string "id"."""
    if not isinstance(event, dict):
        raise ValidationError("the input must be a JSON object")
    order_id = event.get("id")
    if not isinstance(order_id, str) or not order_id.strip():
        raise ValidationError('the input must have a non-empty string "id"')
    return {**event, "status": "validated"}


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@metrics.log_metrics
{% if py.idem -%}
@idempotent(config=idempotency_config, persistence_store=persistence)
{% endif -%}
def process(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Does the work: here, totals the input's items (price × quantity). Replace with yours."""
    try:
        total = sum(float(item["price"]) * int(item["quantity"]) for item in event.get("items", []))
    except (KeyError, TypeError, ValueError) as err:
        raise ProcessingError(f"could not process {event.get('id')}: {err!r}") from err
    logger.info("execution processed", extra={"total": total})
    metrics.add_metric(name="ExecutionsProcessed", unit=MetricUnit.Count, value=1)
    return {**event, "status": "processed", "total": round(total, 2)}


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def complete(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Records the finished execution. Replace the log line with your own record."""
    logger.info("execution completed", extra={"status": event.get("status")})
    metrics.add_metric(name="ExecutionsCompleted", unit=MetricUnit.Count, value=1)
    return {**event, "status": "completed"}
{%- if py.compensation %}


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def compensate(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Undoes the steps that finished before a failure. The state machine's Catch passes the
    error in "error" ({"Error": ..., "Cause": ...}). Replace the log line with the undo steps;
    they must be safe to run twice, as a retry may repeat them."""
    error = event.get("error") or {}
    logger.warning("execution compensated", extra={"error": error.get("Error")})
    metrics.add_metric(name="ExecutionsCompensated", unit=MetricUnit.Count, value=1)
    return {**event, "status": "compensated"}
{%- endif %}
{%- if py.approval || py.start_api %}
{% include "scaffold/python/app/workflow_api.py" %}
{%- endif %}

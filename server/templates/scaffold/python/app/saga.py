import json
import os
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

logger = Logger()
tracer = Tracer()
metrics = Metrics()

# One item per saga and step in SAGA_TABLE: {"id": saga id, "step": name, "status": "done" or
# "compensated", "result": the step's result as JSON}.
table = os.environ["SAGA_TABLE"]
dynamodb = boto3.client("dynamodb")
DONE = "done"
COMPENSATED = "compensated"


class ValidationError(Exception):
    """The saga's input is not valid. The state machine does not retry it: it compensates."""


class StepAlreadyCompensated(Exception):
    """The step arrived after its compensation ran (a late retry): it must not take effect."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _saga_id(event: dict[str, Any]) -> str:
    saga_id = event.get("id") if isinstance(event, dict) else None
    if not isinstance(saga_id, str) or not saga_id.strip():
        raise ValidationError('the input must have a non-empty string "id" (the saga id)')
    return saga_id


@tracer.capture_method
def run_step(event: dict[str, Any], step: str, result: dict[str, Any]) -> dict[str, Any]:
    """Records `step` of the saga as done with `result`, once. A repeat (a retried or duplicated
    invocation) returns the first result instead; a step whose compensation already ran raises
    StepAlreadyCompensated. Returns the input with the result under the step's name."""
    saga_id = _saga_id(event)
    try:
        dynamodb.put_item(
            TableName=table,
            Item={
                "id": {"S": saga_id},
                "step": {"S": step},
                "status": {"S": DONE},
                "result": {"S": json.dumps(result)},
                "done_at": {"S": _now()},
            },
            ConditionExpression="attribute_not_exists(id)",
        )
    except ClientError as err:
        if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        item = dynamodb.get_item(
            TableName=table, Key={"id": {"S": saga_id}, "step": {"S": step}}, ConsistentRead=True
        )["Item"]
        if item["status"]["S"] == COMPENSATED:
            raise StepAlreadyCompensated(f"{step} of saga {saga_id} was already compensated") from err
        logger.info("step already done: returning its first result", extra={"step": step})
        result = json.loads(item["result"]["S"])
    else:
        metrics.add_metric(name=f"Saga{step.title()}Done", unit=MetricUnit.Count, value=1)
        logger.info("step done", extra={"step": step})
    return {**event, step: result}


@tracer.capture_method
def compensate_step(event: dict[str, Any], step: str) -> bool:
    """Marks `step` of the saga compensated, whatever its state, in one write: a step that has
    not run yet is barred from running later. Returns whether the step had been done (so there
    was something to undo); a repeat returns False."""
    saga_id = _saga_id(event)
    old = dynamodb.update_item(
        TableName=table,
        Key={"id": {"S": saga_id}, "step": {"S": step}},
        UpdateExpression="SET #status = :compensated, compensated_at = if_not_exists(compensated_at, :now)",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":compensated": {"S": COMPENSATED}, ":now": {"S": _now()}},
        ReturnValues="ALL_OLD",
    ).get("Attributes", {})
    undone = old.get("status", {}).get("S") == DONE
    if undone:
        metrics.add_metric(name=f"Saga{step.title()}Compensated", unit=MetricUnit.Count, value=1)
    error = (event.get("error") or {}).get("Error")
    logger.warning("step compensated", extra={"step": step, "had_run": undone, "error": error})
    return undone


def order_lines(event: dict[str, Any]) -> list[tuple[str, Decimal, int]]:
    """The order's lines as (sku, price, quantity); raises ValidationError when one is missing
    or not positive."""
    items = event.get("items")
    if not isinstance(items, list) or not items:
        raise ValidationError('the input must have a non-empty list "items"')
    lines = []
    for item in items:
        try:
            sku, price, quantity = str(item["sku"]), Decimal(str(item["price"])), item["quantity"]
        except (KeyError, TypeError, InvalidOperation) as err:
            raise ValidationError(f"each item needs sku, price and quantity: {err!r}") from err
        if not isinstance(quantity, int) or quantity <= 0 or price <= 0:
            raise ValidationError(f"item {sku}: price and quantity must be positive")
        lines.append((sku, price, quantity))
    return lines


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def reserve(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Step 1: checks the order and holds its items. Call your inventory or booking service here
    with the idempotency key f"{event['id']}:reserve"."""
    _saga_id(event)
    lines = order_lines(event)
    return run_step(event, "reserve", {"held": {sku: quantity for sku, _, quantity in lines}})


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def charge(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Step 2: charges the order's total. Call your payment provider here with the idempotency
    key f"{event['id']}:charge"."""
    _saga_id(event)
    total = sum(price * quantity for _, price, quantity in order_lines(event))
    return run_step(event, "charge", {"amount": str(total.quantize(Decimal("0.01")))})


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def confirm(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Step 3: confirms the order. Once it succeeds the saga is done and nothing is undone."""
    _saga_id(event)
    return run_step(event, "confirm", {"confirmed": True})


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def refund(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Undoes step 2. Call your payment provider's refund here, with the idempotency key
    f"{event['id']}:refund", before the record is marked (a failure then retries both)."""
    return {**event, "refunded": compensate_step(event, "charge")}


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def release(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Undoes step 1. Call your inventory or booking service's release here, with the
    idempotency key f"{event['id']}:release", before the record is marked."""
    return {**event, "released": compensate_step(event, "reserve")}

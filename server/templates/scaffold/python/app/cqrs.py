import hashlib
import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import boto3
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
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
{%- if let Some(c) = plan.cqrs %}{% if !c.views.is_empty() %}
from boto3.dynamodb.conditions import Key
{%- endif %}{% endif %}
from botocore.exceptions import ClientError

logger = Logger()
tracer = Tracer()
metrics = Metrics()
commands = APIGatewayHttpResolver()
queries = APIGatewayHttpResolver()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)

MAX_NAME_LENGTH = 200
MAX_KEY_LENGTH = 200
# The statuses a shipment moves through; change them to your own.
STATUSES = ("open", "packed", "shipped", "delivered", "cancelled")
# The most items a view answers at once.
PAGE_SIZE = 25
# What the read model keeps of a write-model item.
VIEW_FIELDS = ("id", "name", "owner", "status", "version", "updatedAt")


@cache
def write_table() -> Any:
    """The write model (WRITE_TABLE): only the command function has it."""
    return boto3.resource("dynamodb").Table(os.environ["WRITE_TABLE"])


@cache
def read_table() -> Any:
    """The read model (READ_TABLE): the projector writes it, the query function reads it."""
    return boto3.resource("dynamodb").Table(os.environ["READ_TABLE"])


def conditional_check_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def view(item: dict[str, Any]) -> dict[str, Any]:
    """An item as the APIs answer it: the view's fields, the version as a number."""
    out = {k: item[k] for k in VIEW_FIELDS if k in item}
    if isinstance(out.get("version"), Decimal):
        out["version"] = int(out["version"])
    return out


# ---------------------------------------------------------------- commands


def caller_identity() -> str:
    """Who is calling: {% if py.iam_auth %}the IAM principal that signed the request (its ARN){% else %}the `sub` claim of the JWT the authorizer checked{% endif %}, or 401."""
    authorizer = commands.current_event.request_context.authorizer
{%- if py.iam_auth %}
    caller = authorizer.iam.user_arn
{%- else %}
    caller = authorizer.jwt_claim.get("sub")
{%- endif %}
    if not isinstance(caller, str) or not caller:
        raise UnauthorizedError("the request has no caller identity")
    return caller


def item_id(caller: str, key: str) -> str:
    """The id of the item a caller's Idempotency-Key creates: the same pair always gives the same
    id, so a retried create finds the item its first attempt made."""
    return hashlib.sha256(json.dumps([caller, key]).encode()).hexdigest()[:32]


def body() -> dict[str, Any]:
    try:
        data = json.loads(commands.current_event.decoded_body or "")
    except ValueError:
        raise BadRequestError("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise BadRequestError("the body must be a JSON object")
    return data


@commands.post("/items")
@tracer.capture_method
def create_item() -> tuple[dict[str, Any], int]:
    """POST /items {"name": ...} with an Idempotency-Key header: 201 and the item, at version 1.
    A repeat of the same caller's key gets the same item back (422 if the name differs)."""
    caller = caller_identity()
    key = (commands.current_event.headers.get("idempotency-key") or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadRequestError(f"the Idempotency-Key header is required (at most {MAX_KEY_LENGTH} characters)")
    name = body().get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
        raise BadRequestError(f'"name" must be a string of 1 to {MAX_NAME_LENGTH} characters')
    item = {
        "id": item_id(caller, key),
        "name": name.strip(),
        "owner": caller,
        "status": STATUSES[0],
        "version": 1,
        "updatedAt": now(),
        # Carried to the projector on the stream, which logs it as its correlation id.
        "requestId": commands.current_event.request_context.request_id,
    }
    try:
        write_table().put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
    except ClientError as error:
        if not conditional_check_failed(error):
            raise
        first = write_table().get_item(Key={"id": item["id"]}, ConsistentRead=True)["Item"]
        if first["name"] != item["name"]:
            raise ServiceError(422, "this Idempotency-Key was already used with a different body") from None
        logger.info("repeated create: answering with the first item", extra={"item_id": item["id"]})
        return view(first), 201
    metrics.add_metric(name="ItemsCreated", unit=MetricUnit.Count, value=1)
    logger.info("item created", extra={"item_id": item["id"]})
    return view(item), 201


@commands.put("/items/<item_id>/status")
@tracer.capture_method
def change_status(item_id: str) -> dict[str, Any]:
    """PUT /items/{id}/status {"status": ...} with If-Match: <version>: 200 and the item at the next
    version; 412 when the item is not at that version (someone changed it first), 428 without it."""
    match = (commands.current_event.headers.get("if-match") or "").strip().strip('"')
    if not match.isdigit():
        raise ServiceError(428, "the If-Match header must carry the version the change is based on")
    expected = int(match)
    status = body().get("status")
    if status not in STATUSES:
        raise BadRequestError(f'"status" must be one of {", ".join(STATUSES)}')
    try:
        out = write_table().update_item(
            Key={"id": item_id},
            UpdateExpression="SET #status = :status, #version = :next, updatedAt = :now, requestId = :request",
            ConditionExpression="#version = :expected",
            ExpressionAttributeNames={"#status": "status", "#version": "version"},
            ExpressionAttributeValues={
                ":status": status,
                ":next": expected + 1,
                ":expected": expected,
                ":now": now(),
                ":request": commands.current_event.request_context.request_id,
            },
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        if not conditional_check_failed(error):
            raise
        raise ServiceError(412, f"the item is not at version {expected}: read it again and retry") from None
    metrics.add_metric(name="StatusChanged", unit=MetricUnit.Count, value=1)
    return view(out["Attributes"])


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def command(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The command API's handler: POST /items and PUT /items/{id}/status."""
    return commands.resolve(event, context)


# ---------------------------------------------------------------- projector


@tracer.capture_method
def project_record(record: DynamoDBRecord) -> None:
    """Applies one change to the read model. A view is written only over an older version, so a
    redelivered or late change leaves a newer view alone; an exception reports the record."""
    assert record.dynamodb is not None
    if record.event_name == DynamoDBRecordEventName.REMOVE:
        read_table().delete_item(Key={"id": record.dynamodb.keys["id"]})
        return
    image = record.dynamodb.new_image
    logger.set_correlation_id(image.get("requestId") or record.event_id)
    if not isinstance(image.get("version"), (int, Decimal)) or not image.get("id"):
        raise ValueError("the change has no id or version")
    item = view(image)
    try:
        read_table().put_item(
            Item=item,
            ConditionExpression="attribute_not_exists(id) OR #version < :version",
            ExpressionAttributeNames={"#version": "version"},
            ExpressionAttributeValues={":version": item["version"]},
        )
    except ClientError as error:
        if not conditional_check_failed(error):
            raise
        logger.info("older change skipped", extra={"item_id": item["id"], "version": item["version"]})
        metrics.add_metric(name="StaleChangesSkipped", unit=MetricUnit.Count, value=1)
        return
    metrics.add_metric(name="ChangesProjected", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(correlation_id_path="Records[0].eventID")
@tracer.capture_lambda_handler
@metrics.log_metrics
def projector(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Projects a batch of stream records, reporting the ones that failed; Lambda retries from the
    first of them (changes to one item stay in order), bisects, then sends it to the failure queue."""
    return process_partial_response(event=event, record_handler=project_record, processor=processor, context=context)


# ---------------------------------------------------------------- queries


@queries.get("/items/<item_id>")
@tracer.capture_method
def get_item(item_id: str) -> dict[str, Any]:
    """GET /items/{id}: 200 and the item as the read model has it, or 404."""
    item = read_table().get_item(Key={"id": item_id}).get("Item")
    if item is None:
        raise NotFoundError(f"no item with id {item_id}")
    return view(item)
{%- if let Some(c) = plan.cqrs %}
{%- for v in c.views %}


@queries.get("{{ v.path_with("<", ">") }}")
@tracer.capture_method
def list_by_{{ v.attribute }}({{ v.attribute }}: str) -> dict[str, Any]:
    """GET {{ v.path }}: the newest {PAGE_SIZE} items of this {{ v.attribute }} (index {{ v.index }})."""
    out = read_table().query(
        IndexName="{{ v.index }}",
        KeyConditionExpression=Key("{{ v.attribute }}").eq({{ v.attribute }}),
        ScanIndexForward=False,
        Limit=PAGE_SIZE,
    )
    return {"items": [view(i) for i in out["Items"]]}
{%- endfor %}
{%- endif %}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def query(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The query API's handler: reads the read model only."""
    return queries.resolve(event, context)

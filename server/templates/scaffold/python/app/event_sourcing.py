import base64
import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()
dynamodb = boto3.resource("dynamodb")
events_table = dynamodb.Table(os.environ["EVENTS_TABLE"])
# Set on the projection functions only (template.yaml): the append function never reads them.
projections_table = dynamodb.Table(os.environ.get("PROJECTIONS_TABLE", "not-set-for-append"))
snapshots_table = dynamodb.Table(os.environ.get("SNAPSHOTS_TABLE", "not-set-for-append"))
MAX_KEY_LENGTH = 200
MAX_TYPE_LENGTH = 100
# The event schema versions this code reads; an older one is upcast in upcast().
SCHEMA_VERSION = 1
# The projection functions, for the tests and the replay script.
PROJECTIONS = "{% for h in plan.handlers %}{% if h.name != "append" %}{{ h.name }} {% endif %}{% endfor %}".split()
SNAPSHOT_EVERY = int(os.environ.get("SNAPSHOT_EVERY", "{% if let Some(es) = plan.event_sourcing %}{{ es.snapshot_every }}{% endif %}"))
_deserializer = TypeDeserializer()


# ---------------------------------------------------------------- append (the command side)


def parse_append(body: str | None) -> dict[str, Any]:
    """A POST /aggregates/{id}/events body: {"expectedVersion": n, "type": "...", "data": {...}},
    optionally "schemaVersion". Raises BadRequestError (400) saying what is wrong."""
    try:
        command = json.loads(body or "")
    except ValueError:
        raise BadRequestError('the body must be JSON, such as {"expectedVersion": 0, "type": "Deposited", "data": {"amount": 250}}') from None
    if not isinstance(command, dict):
        raise BadRequestError("the body must be a JSON object")
    expected = command.get("expectedVersion")
    if isinstance(expected, bool) or not isinstance(expected, int) or expected < 0:
        raise BadRequestError('"expectedVersion" must be the version the caller last read: 0 for a new aggregate')
    kind = command.get("type")
    if not isinstance(kind, str) or not kind.strip() or len(kind) > MAX_TYPE_LENGTH:
        raise BadRequestError(f'"type" must be a non-empty string of at most {MAX_TYPE_LENGTH} characters')
    data = command.get("data", {})
    if not isinstance(data, dict):
        raise BadRequestError('"data" must be a JSON object')
    schema = command.get("schemaVersion", SCHEMA_VERSION)
    if isinstance(schema, bool) or not isinstance(schema, int) or not 1 <= schema <= SCHEMA_VERSION:
        raise BadRequestError(f'"schemaVersion" must be between 1 and {SCHEMA_VERSION}')
    return {"expected": expected, "type": kind.strip(), "data": data, "schema": schema}


def conflict(aggregate_id: str, expected: int, why: str) -> Response:
    """409: the caller's view of the aggregate is stale; it reloads and decides again."""
    metrics.add_metric(name="AppendConflicts", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=409,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"message": f"{why}: read the aggregate again and retry", "aggregateId": aggregate_id, "expectedVersion": expected}),
    )


@app.post("/aggregates/<aggregate_id>/events")
@tracer.capture_method
def append_event(aggregate_id: str) -> Response:
    """Appends version expectedVersion + 1. 201 with the version; the same answer for a retry of
    the same command (Idempotency-Key); 409 when another command took that version or the
    expected version does not exist yet."""
    key = (app.current_event.headers.get("idempotency-key") or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadRequestError(f"the Idempotency-Key header is required: a new unique value per command, sent again unchanged on a retry, at most {MAX_KEY_LENGTH} characters")
    command = parse_append(app.current_event.body)
    expected = command["expected"]
    version = expected + 1
    # Events are never removed, so once seen the expected version stays: no transaction needed.
    if expected > 0 and "Item" not in events_table.get_item(Key={"aggregateId": aggregate_id, "version": expected}, ConsistentRead=True):
        return conflict(aggregate_id, expected, f"version {expected} of {aggregate_id} does not exist")
    try:
        events_table.put_item(
            Item={
                "aggregateId": aggregate_id,
                "version": version,
                "type": command["type"],
                "schemaVersion": command["schema"],
                "data": json.dumps(command["data"], separators=(",", ":")),
                "commandId": key,
                "correlationId": logger.get_correlation_id() or "",
                "recordedAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            },
            ConditionExpression="attribute_not_exists(aggregateId)",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        existing = events_table.get_item(Key={"aggregateId": aggregate_id, "version": version}, ConsistentRead=True).get("Item", {})
        if existing.get("commandId") != key:
            return conflict(aggregate_id, expected, f"version {version} of {aggregate_id} was appended by another command")
        logger.info("retried command answered with its first result", extra={"aggregate_id": aggregate_id, "version": version})
    else:
        metrics.add_metric(name="EventsAppended", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"aggregateId": aggregate_id, "version": version}),
    )


# The correlation id is the caller's x-correlation-id header when sent, else API Gateway's
# request id; it is stored on the event, so the projections log it too.
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def append(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """POST /aggregates/{id}/events."""
    correlation = (event.get("headers") or {}).get("x-correlation-id")
    if correlation:
        logger.set_correlation_id(correlation)
    return app.resolve(event, context)


# ---------------------------------------------------------------- projections (the read side)


class GapError(Exception):
    """A change arrived before the one it follows; the record fails and is retried."""


def initial_state() -> dict[str, Any]:
    """A projection's state before an aggregate's first event."""
    return {"balance": 0, "events": 0}


def upcast(event: dict[str, Any]) -> dict[str, Any]:
    """Reads an event in today's shape whatever schema version wrote it. Add a step here for
    every version you retire; a version newer than this code fails, and waits in the failure
    queue until a release reads it."""
    if event["schemaVersion"] > SCHEMA_VERSION:
        raise ValueError(f"event schema version {event['schemaVersion']} is newer than this projection reads ({SCHEMA_VERSION})")
    return event


def apply(state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """The projection itself: state after one event. Pure: no calls, no clock, so a replay
    builds exactly the state the live feed built. Replace with your own model; keep external
    side effects (emails, payments) out of projections, or a replay repeats them."""
    amount = event["data"].get("amount", 0)
    if isinstance(amount, bool) or not isinstance(amount, (int, float, Decimal)):
        raise ValueError(f"event {event['version']} of {event['aggregateId']}: amount must be a number")
    return {"balance": state["balance"] + amount, "events": state["events"] + 1}


def event_from_image(image: dict[str, Any]) -> dict[str, Any]:
    """An event from a DynamoDB image (attribute-value JSON, as the feed delivers it)."""
    item = {k: _deserializer.deserialize(v) for k, v in image.items()}
    return upcast({
        "aggregateId": str(item["aggregateId"]),
        "version": int(item["version"]),
        "type": str(item["type"]),
        "schemaVersion": int(item.get("schemaVersion", 1)),
        "data": json.loads(item.get("data") or "{}"),
        "correlationId": str(item.get("correlationId", "")),
    })


def change_of(record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A feed record's id for batchItemFailures and its DynamoDB change: the table stream's
    record itself, or the JSON in a Kinesis record's data."""
    if "kinesis" in record:
        change = json.loads(base64.b64decode(record["kinesis"]["data"]))
        return record["kinesis"]["sequenceNumber"], change
    return record["dynamodb"]["SequenceNumber"], record


def state_key(projection: str, aggregate_id: str) -> str:
    """The projection's item id: its name and the aggregate, so projections never share state."""
    return f"{projection}#{aggregate_id}"


def to_json_number(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; state is stored as JSON text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def read_state(projection: str, aggregate_id: str) -> tuple[int, dict[str, Any]]:
    """A projection's version and state of an aggregate (0 and the initial state when none)."""
    item = projections_table.get_item(Key={"id": state_key(projection, aggregate_id)}, ConsistentRead=True).get("Item")
    if item is None:
        return 0, initial_state()
    return int(item["version"]), json.loads(item["state"])


def write_state(projection: str, aggregate_id: str, version: int, state: dict[str, Any], condition: str, values: dict[str, Any]) -> None:
    """Writes a projection's state of an aggregate if `condition` holds, and a snapshot every
    SNAPSHOT_EVERY versions."""
    text = json.dumps(state, default=to_json_number, separators=(",", ":"))
    projections_table.put_item(
        Item={"id": state_key(projection, aggregate_id), "aggregateId": aggregate_id, "version": version, "state": text},
        ConditionExpression=condition,
        ExpressionAttributeValues=values,
    )
    if version % SNAPSHOT_EVERY == 0:
        snapshots_table.put_item(Item={"id": state_key(projection, aggregate_id), "version": version, "state": text})


@tracer.capture_method
def project_change(projection: str, change: dict[str, Any]) -> str:
    """Applies one change: "applied", "duplicate" (a version already applied) or "skipped"
    (not an append). Raises GapError when an earlier version is missing."""
    if change.get("eventName") != "INSERT":
        return "skipped"
    event = event_from_image(change["dynamodb"]["NewImage"])
    logger.append_keys(aggregate_id=event["aggregateId"], version=event["version"], event_correlation_id=event["correlationId"])
    current, state = read_state(projection, event["aggregateId"])
    if event["version"] <= current:
        return "duplicate"
    if event["version"] != current + 1:
        raise GapError(f"{event['aggregateId']} is at version {current}; version {event['version']} must wait for {current + 1}")
    write_state(
        projection,
        event["aggregateId"],
        event["version"],
        apply(state, event),
        "attribute_not_exists(id) OR version = :previous",
        {":previous": current},
    )
    metrics.add_metric(name="EventsProjected", unit=MetricUnit.Count, value=1)
    logger.info("event projected", extra={"type": event["type"]})
    return "applied"


@tracer.capture_method
def replay(projection: str, aggregate_id: str) -> dict[str, Any]:
    """Rebuilds a projection's state of an aggregate from the store: its latest snapshot, then
    every event after it, in version order."""
    snapshots = snapshots_table.query(
        KeyConditionExpression=Key("id").eq(state_key(projection, aggregate_id)), ScanIndexForward=False, Limit=1
    )["Items"]
    version, state = (int(snapshots[0]["version"]), json.loads(snapshots[0]["state"])) if snapshots else (0, initial_state())
    start = version
    query: dict[str, Any] = {
        "KeyConditionExpression": Key("aggregateId").eq(aggregate_id) & Key("version").gt(version),
        "ConsistentRead": True,
    }
    while True:
        page = events_table.query(**query)
        for item in page["Items"]:
            event = upcast({
                "aggregateId": aggregate_id,
                "version": int(item["version"]),
                "type": str(item["type"]),
                "schemaVersion": int(item.get("schemaVersion", 1)),
                "data": json.loads(item.get("data") or "{}"),
            })
            state = apply(state, event)
            version = event["version"]
        if "LastEvaluatedKey" not in page:
            break
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    # Never behind what the live feed has already written.
    write_state(projection, aggregate_id, version, state, "attribute_not_exists(id) OR version <= :version", {":version": version})
    logger.info("aggregate replayed", extra={"aggregate_id": aggregate_id, "from_version": start, "to_version": version})
    return {"aggregateId": aggregate_id, "version": version, "fromSnapshot": start, "state": json.loads(json.dumps(state, default=to_json_number))}


def project_batch(projection: str, event: dict[str, Any]) -> dict[str, Any]:
    """A batch of feed records, in order. The first record that fails is reported and nothing
    after it runs: Lambda retries from it, so one aggregate's events never apply out of order.
    Invoked with {"replay": {"aggregateId": "..."}} it rebuilds that aggregate instead."""
    if "replay" in event:
        return replay(projection, str(event["replay"]["aggregateId"]))
    for record in event.get("Records", []):
        item_id = ""
        try:
            item_id, change = change_of(record)
            project_change(projection, change)
        except Exception:
            logger.exception("change failed; the batch resumes from it", extra={"item_identifier": item_id})
            return {"batchItemFailures": [{"itemIdentifier": item_id}]}
    return {"batchItemFailures": []}
{%- for h in plan.handlers %}{% if h.name != "append" %}


@logger.inject_lambda_context(correlation_id_path="Records[0].eventID")
@tracer.capture_lambda_handler
@metrics.log_metrics
def {{ h.name }}(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """{{ h.purpose }}"""
    return project_batch(os.environ.get("PROJECTION", "{{ h.name }}"), event)
{%- endif %}{% endfor %}

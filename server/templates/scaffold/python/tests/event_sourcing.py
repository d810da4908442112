import base64
import json
from types import ModuleType
from typing import Any
from unittest import mock

import boto3
import pytest
from conftest import REGION, FakeContext, load_event


@pytest.fixture
def projection(handlers: ModuleType) -> str:
    """The first projection's name (its handler, its events/ sample and its state's prefix)."""
    return handlers.PROJECTIONS[0]


def project(handlers: ModuleType, name: str, event: dict[str, Any], context: FakeContext) -> dict[str, Any]:
    return getattr(handlers, name)(event, context)


def append_request(expected: int, key: str = "cmd-1", amount: int = 250, aggregate: str = "acct-1001") -> dict[str, Any]:
    """The sample POST /aggregates/{id}/events with another expected version, key or amount."""
    event = load_event("append")
    event["headers"]["idempotency-key"] = key
    event["pathParameters"]["id"] = aggregate
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/aggregates/{aggregate}/events"
    event["body"] = json.dumps({"expectedVersion": expected, "type": "Deposited", "data": {"amount": amount}})
    return event


def stored_events(aggregate: str = "acct-1001") -> list[dict[str, Any]]:
    items = boto3.resource("dynamodb", region_name=REGION).Table("events").query(
        KeyConditionExpression=boto3.dynamodb.conditions.Key("aggregateId").eq(aggregate)
    )["Items"]
    return sorted(items, key=lambda i: int(i["version"]))


def change_batch(projection: str, versions: list[int], amount: int = 250) -> dict[str, Any]:
    """The sample feed batch with one appended change per version, in the given order."""
    sample = load_event(projection)
    template = sample["Records"][0]
    records = []
    for v in versions:
        record = json.loads(json.dumps(template))
        if "kinesis" in record:
            change = json.loads(base64.b64decode(record["kinesis"]["data"]))
        else:
            change = record
        image = change["dynamodb"]["NewImage"]
        image["version"] = {"N": str(v)}
        image["data"] = {"S": json.dumps({"amount": amount})}
        if "kinesis" in record:
            record["kinesis"]["data"] = base64.b64encode(json.dumps(change).encode()).decode()
            record["kinesis"]["sequenceNumber"] = f"seq-{v}"
        else:
            record["dynamodb"]["SequenceNumber"] = f"seq-{v}"
        records.append(record)
    return {"Records": records}


def state(projection: str, aggregate: str = "acct-1001") -> dict[str, Any] | None:
    item = boto3.resource("dynamodb", region_name=REGION).Table("projections").get_item(
        Key={"id": f"{projection}#{aggregate}"}
    ).get("Item")
    return None if item is None else {"version": int(item["version"]), **json.loads(item["state"])}


def test_an_append_stores_the_next_version_with_its_command_id(handlers: ModuleType, context: FakeContext) -> None:
    response = handlers.append(load_event("append"), context)
    assert response["statusCode"] == 201, response["body"]
    assert json.loads(response["body"]) == {"aggregateId": "acct-1001", "version": 1}
    [event] = stored_events()
    assert event["type"] == "Deposited" and event["commandId"] == "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
    assert json.loads(event["data"]) == {"amount": 250}


def test_a_stale_expected_version_is_409_and_writes_nothing(handlers: ModuleType, context: FakeContext) -> None:
    assert handlers.append(append_request(0, key="first"), context)["statusCode"] == 201
    response = handlers.append(append_request(0, key="second", amount=999), context)
    assert response["statusCode"] == 409
    assert json.loads(response["body"])["expectedVersion"] == 0
    assert [json.loads(e["data"])["amount"] for e in stored_events()] == [250]


def test_an_expected_version_ahead_of_the_aggregate_is_409(handlers: ModuleType, context: FakeContext) -> None:
    response = handlers.append(append_request(5), context)
    assert response["statusCode"] == 409
    assert stored_events() == []


def test_a_retried_command_gets_its_first_answer_and_no_second_event(handlers: ModuleType, context: FakeContext) -> None:
    first = handlers.append(append_request(0, key="retry-me"), context)
    again = handlers.append(append_request(0, key="retry-me"), context)
    assert first["statusCode"] == again["statusCode"] == 201
    assert json.loads(again["body"]) == json.loads(first["body"])
    assert len(stored_events()) == 1


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", '{"type": "Deposited"}', '{"expectedVersion": -1, "type": "Deposited"}', '{"expectedVersion": 0}', '{"expectedVersion": 0, "type": "X", "data": 3}'],
)
def test_a_malformed_command_is_400(handlers: ModuleType, context: FakeContext, body: str) -> None:
    event = load_event("append")
    event["body"] = body
    assert handlers.append(event, context)["statusCode"] == 400
    assert stored_events() == []


def test_a_command_without_an_idempotency_key_is_400(handlers: ModuleType, context: FakeContext) -> None:
    event = load_event("append")
    del event["headers"]["idempotency-key"]
    assert handlers.append(event, context)["statusCode"] == 400


def test_a_projection_applies_changes_in_version_order(handlers: ModuleType, context: FakeContext, projection: str) -> None:
    assert project(handlers, projection, change_batch(projection, [1, 2]), context) == {"batchItemFailures": []}
    assert state(projection) == {"version": 2, "balance": 500, "events": 2}


def test_a_redelivered_change_is_not_applied_twice(handlers: ModuleType, context: FakeContext, projection: str) -> None:
    project(handlers, projection, change_batch(projection, [1]), context)
    assert project(handlers, projection, change_batch(projection, [1]), context) == {"batchItemFailures": []}
    assert state(projection) == {"version": 1, "balance": 250, "events": 1}


def test_a_gap_fails_that_record_and_nothing_after_it(handlers: ModuleType, context: FakeContext, projection: str) -> None:
    project(handlers, projection, change_batch(projection, [1]), context)
    result = project(handlers, projection, change_batch(projection, [3, 2]), context)
    assert result == {"batchItemFailures": [{"itemIdentifier": "seq-3"}]}
    assert state(projection) == {"version": 1, "balance": 250, "events": 1}


def test_a_schema_version_newer_than_the_code_fails_the_record(handlers: ModuleType, context: FakeContext, projection: str) -> None:
    batch = change_batch(projection, [1])
    record = batch["Records"][0]
    if "kinesis" in record:
        change = json.loads(base64.b64decode(record["kinesis"]["data"]))
        change["dynamodb"]["NewImage"]["schemaVersion"] = {"N": "99"}
        record["kinesis"]["data"] = base64.b64encode(json.dumps(change).encode()).decode()
    else:
        record["dynamodb"]["NewImage"]["schemaVersion"] = {"N": "99"}
    assert project(handlers, projection, batch, context) == {"batchItemFailures": [{"itemIdentifier": "seq-1"}]}
    assert state(projection) is None


def test_every_snapshot_every_th_version_is_snapshotted(handlers: ModuleType, context: FakeContext, projection: str) -> None:
    # conftest sets SNAPSHOT_EVERY to 3.
    project(handlers, projection, change_batch(projection, [1, 2, 3, 4]), context)
    snapshots = boto3.resource("dynamodb", region_name=REGION).Table("snapshots").scan()["Items"]
    assert [int(s["version"]) for s in snapshots] == [3]
    assert json.loads(snapshots[0]["state"]) == {"balance": 750, "events": 3}


def test_a_replay_rebuilds_state_from_the_latest_snapshot_and_the_events_after_it(handlers: ModuleType, context: FakeContext, projection: str) -> None:
    for version in range(1, 6):
        assert handlers.append(append_request(version - 1, key=f"cmd-{version}", amount=100), context)["statusCode"] == 201
    project(handlers, projection, change_batch(projection, [1, 2, 3], amount=100), context)
    result = project(handlers, projection, {"replay": {"aggregateId": "acct-1001"}}, context)
    assert result["version"] == 5 and result["fromSnapshot"] == 3
    assert state(projection) == {"version": 5, "balance": 500, "events": 5}


def test_the_projection_logs_the_commands_correlation_id(handlers: ModuleType, context: FakeContext, projection: str) -> None:
    with mock.patch.object(handlers.logger, "append_keys") as keys:
        project(handlers, projection, change_batch(projection, [1]), context)
    assert any(c.kwargs.get("event_correlation_id") == "Kc7x9jWEIAMEbXw=" for c in keys.call_args_list)

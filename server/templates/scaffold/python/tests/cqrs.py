import json
from types import ModuleType
from typing import Any

import boto3
from conftest import REGION, FakeContext, load_event


def post(name: str = "example", key: str | None = None, caller: str | None = None) -> dict[str, Any]:
    """The sample POST /items request, with another name, Idempotency-Key or caller."""
    event = load_event("command")
    event["body"] = json.dumps({"name": name})
    if key is not None:
        event["headers"]["idempotency-key"] = key
    if caller is not None:
{%- if py.iam_auth %}
        event["requestContext"]["authorizer"]["iam"]["userArn"] = caller
{%- else %}
        event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = caller
{%- endif %}
    return event


def put_status(item_id: str, status: str, if_match: str | None) -> dict[str, Any]:
    """A PUT /items/{id}/status request, made from the sample's envelope."""
    event = load_event("command")
    event.update(routeKey="PUT /items/{id}/status", rawPath=f"/items/{item_id}/status", pathParameters={"id": item_id})
    event["body"] = json.dumps({"status": status})
    event["requestContext"]["http"].update(method="PUT", path=f"/items/{item_id}/status")
    if if_match is None:
        event["headers"].pop("if-match", None)
    else:
        event["headers"]["if-match"] = if_match
    return event


def get(path: str, params: dict[str, str]) -> dict[str, Any]:
    """A GET request to the query API, made from the sample query's envelope."""
    event = load_event("query")
    event.update(rawPath=path, pathParameters=params)
    event["requestContext"]["http"].update(method="GET", path=path)
    return event


def rows(table: str) -> list[dict[str, Any]]:
    return boto3.client("dynamodb", region_name=REGION).scan(TableName=table)["Items"]


def project_write_table(handlers: ModuleType, context: FakeContext) -> None:
    """What the stream would deliver: an INSERT per item of the write table, at its version."""
    records = []
    sample = load_event("projector")["Records"][0]
    for n, item in enumerate(rows("write")):
        record = json.loads(json.dumps(sample))
        record["dynamodb"].update(Keys={"id": item["id"]}, NewImage=item, SequenceNumber=str(900 + n))
        records.append(record)
    assert handlers.projector({"Records": records}, context) == {"batchItemFailures": []}


def test_a_create_is_stored_at_version_1_and_answered_201(handlers: ModuleType, context: FakeContext) -> None:
    response = handlers.command(load_event("command"), context)
    assert response["statusCode"] == 201
    item = json.loads(response["body"])
    assert (item["name"], item["status"], item["version"]) == ("example", "open", 1)
    assert [r["id"]["S"] for r in rows("write")] == [item["id"]]


def test_a_repeated_create_answers_the_first_item_and_stores_one(handlers: ModuleType, context: FakeContext) -> None:
    first = handlers.command(load_event("command"), context)
    again = handlers.command(load_event("command"), context)
    assert first["statusCode"] == again["statusCode"] == 201
    assert json.loads(first["body"]) == json.loads(again["body"])
    assert len(rows("write")) == 1
    handlers.command(post(key="another-key"), context)
    handlers.command(post(caller="someone-else"), context)
    assert len(rows("write")) == 3


def test_the_same_key_with_another_name_gets_422(handlers: ModuleType, context: FakeContext) -> None:
    handlers.command(load_event("command"), context)
    response = handlers.command(post(name="another name"), context)
    assert response["statusCode"] == 422
    assert len(rows("write")) == 1


def test_a_create_without_key_or_caller_is_refused(handlers: ModuleType, context: FakeContext) -> None:
    event = load_event("command")
    del event["headers"]["idempotency-key"]
    assert handlers.command(event, context)["statusCode"] == 400
    event = load_event("command")
    del event["requestContext"]["authorizer"]
    assert handlers.command(event, context)["statusCode"] == 401
    assert rows("write") == []


def test_a_status_change_needs_the_current_version(handlers: ModuleType, context: FakeContext) -> None:
    item = json.loads(handlers.command(load_event("command"), context)["body"])
    changed = handlers.command(put_status(item["id"], "packed", '"1"'), context)
    assert changed["statusCode"] == 200, changed["body"]
    assert json.loads(changed["body"])["version"] == 2
    # Someone else's change was first: a change based on version 1 would undo it.
    stale = handlers.command(put_status(item["id"], "cancelled", "1"), context)
    assert stale["statusCode"] == 412
    assert handlers.command(put_status(item["id"], "shipped", None), context)["statusCode"] == 428
    assert handlers.command(put_status(item["id"], "lost", "2"), context)["statusCode"] == 400
    [stored] = rows("write")
    assert (stored["status"]["S"], stored["version"]["N"]) == ("packed", "2")


def test_the_projector_keeps_the_newest_version_whatever_the_order(handlers: ModuleType, context: FakeContext) -> None:
    batch = load_event("projector")
    assert handlers.projector(batch, context) == {"batchItemFailures": []}
    [view] = rows("read")
    assert (view["status"]["S"], view["version"]["N"]) == ("shipped", "2")
    # A redelivered batch, and the older change alone arriving late, change nothing.
    assert handlers.projector(batch, context) == {"batchItemFailures": []}
    assert handlers.projector({"Records": batch["Records"][:1]}, context) == {"batchItemFailures": []}
    [view] = rows("read")
    assert (view["status"]["S"], view["version"]["N"]) == ("shipped", "2")


def test_a_bad_change_is_reported_by_its_sequence_number(handlers: ModuleType, context: FakeContext) -> None:
    batch = load_event("projector")
    del batch["Records"][1]["dynamodb"]["NewImage"]["version"]
    result = handlers.projector(batch, context)
    assert result == {"batchItemFailures": [{"itemIdentifier": batch["Records"][1]["dynamodb"]["SequenceNumber"]}]}


def test_the_projector_logs_the_commands_request_id(handlers: ModuleType, context: FakeContext) -> None:
    batch = load_event("projector")
    batch["Records"] = batch["Records"][:1]
    batch["Records"][0]["dynamodb"]["NewImage"]["requestId"] = {"S": "Kc7x9jWEIAMEbXw="}
    handlers.projector(batch, context)
    assert handlers.logger.get_correlation_id() == "Kc7x9jWEIAMEbXw="


def test_a_query_reads_the_read_model_only(handlers: ModuleType, context: FakeContext) -> None:
    item = json.loads(handlers.command(load_event("command"), context)["body"])
    path = f"/items/{item['id']}"
    # Not projected yet: the read model does not have it (this is the eventual consistency).
    assert handlers.query(get(path, {"id": item["id"]}), context)["statusCode"] == 404
    project_write_table(handlers, context)
    response = handlers.query(get(path, {"id": item["id"]}), context)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == item
{%- if let Some(c) = plan.cqrs %}
{%- for v in c.views %}


def test_the_{{ v.attribute }}_view_lists_newest_first(handlers: ModuleType, context: FakeContext) -> None:
    first = json.loads(handlers.command(post(key="k1"), context)["body"])
    second = json.loads(handlers.command(post(key="k2"), context)["body"])
    assert first["{{ v.attribute }}"] == second["{{ v.attribute }}"]
    project_write_table(handlers, context)
    value = first["{{ v.attribute }}"]
    path = "{{ v.path }}".replace("{{ "{" }}{{ v.attribute }}}", value)
    response = handlers.query(get(path, {"{{ v.attribute }}": value}), context)
    assert response["statusCode"] == 200, response["body"]
    listed = json.loads(response["body"])["items"]
    assert [i["id"] for i in listed] == [second["id"], first["id"]]
{%- endfor %}
{%- endif %}

import json
from types import ModuleType
from typing import Any

import boto3
{% if py.idem -%}
import pytest
{% endif -%}
from conftest import REGION, FakeContext, load_event


def post(body: str | None) -> dict[str, Any]:
    """The sample POST /items request with another body."""
    event = load_event("api")
    event["body"] = body
    return event


def get(item_id: str) -> dict[str, Any]:
    """A GET /items/{id} request, made from the sample's envelope."""
    event = load_event("api")
    event.update(
        routeKey="GET /items/{id}",
        rawPath=f"/items/{item_id}",
        pathParameters={"id": item_id},
        body=None,
    )
    event["headers"].pop("content-type", None)
    event["headers"].pop("content-length", None)
    event["requestContext"]["routeKey"] = "GET /items/{id}"
    event["requestContext"]["http"].update(method="GET", path=f"/items/{item_id}")
    return event


def stored_items() -> list[dict[str, Any]]:
    """The items in the fake table."""
    return boto3.client("dynamodb", region_name=REGION).scan(TableName="items")["Items"]
{% include "scaffold/python/tests/idem_records.py" %}

def test_post_creates_an_item(handlers: ModuleType, context: FakeContext) -> None:
    response = handlers.api(load_event("api"), context)
    assert response["statusCode"] == 201
    item = json.loads(response["body"])
    assert item["name"] == "example"
    assert [i["id"]["S"] for i in stored_items()] == [item["id"]]

{% if py.idem %}
def as_caller(event: dict[str, Any], caller: str) -> dict[str, Any]:
    """The request as another caller would send it: {% if py.iam_auth %}signed by another IAM principal{% else %}with another user's JWT{% endif %}."""
{%- if py.iam_auth %}
    event["requestContext"]["authorizer"]["iam"]["userArn"] = caller
{%- else %}
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = caller
{%- endif %}
    return event


def test_the_same_post_twice_creates_one_item(handlers: ModuleType, context: FakeContext) -> None:
    first = handlers.api(load_event("api"), context)
    second = handlers.api(load_event("api"), context)
    assert first["statusCode"] == second["statusCode"] == 201
    assert json.loads(first["body"]) == json.loads(second["body"])
    assert len(stored_items()) == 1
    assert len(idempotency_records()) == 1


def test_another_idempotency_key_creates_another_item(handlers: ModuleType, context: FakeContext) -> None:
    handlers.api(load_event("api"), context)
    event = load_event("api")
    event["headers"]["idempotency-key"] = "another-key"
    handlers.api(event, context)
    assert len(stored_items()) == 2


def test_another_caller_with_the_same_key_and_body_gets_their_own_item(
    handlers: ModuleType, context: FakeContext
) -> None:
    mine = handlers.api(load_event("api"), context)
    theirs = handlers.api(as_caller(load_event("api"), "someone-else"), context)
    assert mine["statusCode"] == theirs["statusCode"] == 201
    assert json.loads(mine["body"])["id"] != json.loads(theirs["body"])["id"]
    assert len(stored_items()) == 2
    assert len(idempotency_records()) == 2


def test_the_same_key_with_another_body_gets_422(handlers: ModuleType, context: FakeContext) -> None:
    assert handlers.api(load_event("api"), context)["statusCode"] == 201
    response = handlers.api(post('{"name": "another name"}'), context)
    assert response["statusCode"] == 422
    assert "different body" in json.loads(response["body"])["message"]
    assert len(stored_items()) == 1


def test_a_repeat_while_the_first_is_in_flight_gets_409_with_retry_after(
    handlers: ModuleType, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The repeat arrives while the first request is writing its item, as a client's retry
    # after a timeout can.
    repeats: list[dict[str, Any]] = []
    put_item = handlers.table.put_item

    def put_item_during_a_repeat(**kwargs: Any) -> Any:
        repeats.append(handlers.api(load_event("api"), context))
        return put_item(**kwargs)

    monkeypatch.setattr(handlers.table, "put_item", put_item_during_a_repeat)
    first = handlers.api(load_event("api"), context)
    assert first["statusCode"] == 201
    [repeat] = repeats
    assert repeat["statusCode"] == 409
    assert int(repeat["headers"]["Retry-After"]) > 0
    assert "retry" in json.loads(repeat["body"])["message"]
    assert len(stored_items()) == 1
    # Once the first has finished, the retry gets its response.
    again = handlers.api(load_event("api"), context)
    assert again["statusCode"] == 201
    assert json.loads(again["body"]) == json.loads(first["body"])


def test_a_post_without_an_idempotency_key_gets_400(handlers: ModuleType, context: FakeContext) -> None:
    event = load_event("api")
    del event["headers"]["idempotency-key"]
    response = handlers.api(event, context)
    assert response["statusCode"] == 400
    assert "Idempotency-Key" in json.loads(response["body"])["message"]
    assert stored_items() == []


def test_a_post_without_a_caller_identity_gets_401(handlers: ModuleType, context: FakeContext) -> None:
    event = load_event("api")
    del event["requestContext"]["authorizer"]
    response = handlers.api(event, context)
    assert response["statusCode"] == 401
    assert stored_items() == []
    assert idempotency_records() == []
{% else %}
def test_each_post_creates_an_item(handlers: ModuleType, context: FakeContext) -> None:
    # Duplicates are harmless in this review, so there is no idempotency store.
    handlers.api(load_event("api"), context)
    handlers.api(load_event("api"), context)
    assert len(stored_items()) == 2
{% endif %}

def test_a_bad_body_gets_400(handlers: ModuleType, context: FakeContext) -> None:
    for body, reason in [
        ("not json", "must be JSON"),
        ("[1, 2]", "JSON object"),
        ('{"name": ""}', "non-empty string"),
        ('{"name": 42}', "non-empty string"),
        (json.dumps({"name": "x" * 201}), "at most 200"),
    ]:
        response = handlers.api(post(body), context)
        assert response["statusCode"] == 400, body
        assert reason in json.loads(response["body"])["message"], body
    assert stored_items() == []


def test_get_returns_the_created_item(handlers: ModuleType, context: FakeContext) -> None:
    created = json.loads(handlers.api(load_event("api"), context)["body"])
    response = handlers.api(get(created["id"]), context)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == created


def test_get_of_a_missing_item_gets_404(handlers: ModuleType, context: FakeContext) -> None:
    response = handlers.api(get("no-such-item"), context)
    assert response["statusCode"] == 404

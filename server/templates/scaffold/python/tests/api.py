import json
from types import ModuleType
from typing import Any

import boto3
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

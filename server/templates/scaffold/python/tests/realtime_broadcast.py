import json
import time
from types import ModuleType
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from conftest import REGION, FakeContext, load_event


def ws_event(route: str, body: dict[str, Any] | None = None, connection_id: str = "Ld3kJd8TIAMCF4Q=", **query: str) -> dict[str, Any]:
    """events/connections.json on another route, connection or body."""
    event = load_event("connections")
    event["requestContext"]["routeKey"] = route
    event["requestContext"]["connectionId"] = connection_id
    event["body"] = json.dumps(body) if body is not None else None
    if query:
        event["queryStringParameters"] = query
    return event


def items(pk: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb", region_name=REGION).Table("channels")
    return table.query(KeyConditionExpression=Key("pk").eq(pk))["Items"]


def queued(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    out = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"])
    return out.get("Messages", [])


class FakeConnections:
    """The @connections API: records posts; connections in `gone` answer 410, in `broken` 500."""

    def __init__(self, gone: set[str] | None = None, broken: set[str] | None = None) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.gone = gone or set()
        self.broken = broken or set()

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:  # noqa: N803 (boto3's names)
        if ConnectionId in self.gone:
            raise ClientError({"Error": {"Code": "GoneException", "Message": "gone"}}, "PostToConnection")
        if ConnectionId in self.broken:
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "boom"}}, "PostToConnection")
        self.posts.append((ConnectionId, json.loads(Data)))


def test_connect_with_a_channel_subscribes_under_the_connections_shard_until_ttl(handlers: ModuleType, context: FakeContext) -> None:
    before = int(time.time())
    response = handlers.connections(ws_event("$connect", channel="room-42"), context)
    assert response["statusCode"] == 200
    [item] = items("conn#room-42#0")
    assert item["connectionId"] == "Ld3kJd8TIAMCF4Q="
    ttl = handlers.CONNECTION_TTL_SECONDS
    assert ttl > 2 * 3600
    assert before + ttl <= int(item["expiresAt"]) <= int(time.time()) + ttl


def test_a_connection_keeps_one_shard_for_every_channel(handlers: ModuleType) -> None:
    assert handlers.shard_of("Ld3kJd8TIAMCF4Q=", 7) == handlers.shard_of("Ld3kJd8TIAMCF4Q=", 7)
    assert {handlers.shard_of(f"conn-{i}", 4) for i in range(40)} == {0, 1, 2, 3}


def test_subscribe_returns_what_the_client_missed_since_its_cursor(handlers: ModuleType, context: FakeContext) -> None:
    table = boto3.resource("dynamodb", region_name=REGION).Table("channels")
    for cursor, text in [("0001", "old"), ("0002", "missed"), ("0003", "missed too")]:
        table.put_item(Item={"pk": "log#room-42", "sk": cursor, "data": json.dumps({"text": text})})
    response = handlers.connections(ws_event("subscribe", {"action": "subscribe", "channel": "room-42", "since": "0001"}), context)
    body = json.loads(response["body"])
    assert body["type"] == "subscribed"
    assert [m["data"]["text"] for m in body["missed"]] == ["missed", "missed too"]
    assert body["more"] is False
    assert len(items("conn#room-42#0")) == 1


def test_sendmessage_queues_the_message_with_its_correlation_id(handlers: ModuleType, context: FakeContext, resources: dict[str, str]) -> None:
    response = handlers.connections(load_event("connections"), context)
    assert json.loads(response["body"]) == {"type": "queued", "channel": "room-42"}
    [message] = queued(resources["queue_url"])
    body = json.loads(message["Body"])
    assert body == {"channel": "room-42", "data": {"text": "hello"}, "correlationId": "Kc7x9jWEIAMEbXw="}
{%- if let Some(rt) = plan.realtime %}{% if rt.ordered %}
    assert message["Attributes"]["MessageGroupId"] == "room-42"
{%- endif %}{% endif %}


def test_a_message_over_the_size_limit_is_refused_before_it_is_queued(handlers: ModuleType, context: FakeContext, resources: dict[str, str]) -> None:
    big = {"action": "sendmessage", "channel": "room-42", "data": "x" * handlers.MAX_MESSAGE_BYTES}
    response = handlers.connections(ws_event("sendmessage", big), context)
    assert response["statusCode"] == 413
    assert queued(resources["queue_url"]) == []


def test_unknown_actions_and_pings_are_answered(handlers: ModuleType, context: FakeContext) -> None:
    unknown = json.loads(handlers.connections(ws_event("$default", {"action": "dance"}), context)["body"])
    assert unknown["type"] == "error" and "subscribe" in unknown["message"]
    assert json.loads(handlers.connections(ws_event("ping", {"action": "ping"}), context)["body"]) == {"type": "pong"}


def test_disconnect_removes_every_subscription_of_the_connection(handlers: ModuleType, context: FakeContext) -> None:
    for channel in ["room-1", "room-2"]:
        handlers.connections(ws_event("subscribe", {"action": "subscribe", "channel": channel}), context)
    handlers.connections(ws_event("subscribe", {"action": "subscribe", "channel": "room-1"}, connection_id="other="), context)
    handlers.connections(ws_event("$disconnect"), context)
    assert items("conn#room-2#0") == []
    assert [i["sk"] for i in items(f"conn#room-1#{handlers.shard_of('other=', handlers.SHARDS)}")] == ["other="]


def test_a_broadcast_reaches_every_subscriber_is_logged_and_gone_connections_are_deleted(handlers: ModuleType, context: FakeContext, monkeypatch: pytest.MonkeyPatch) -> None:
    for connection in ["a=", "b=", "c="]:
        handlers.subscribe(connection, "room-42")
    fake = FakeConnections(gone={"b="})
    monkeypatch.setattr(handlers, "management", lambda: fake)
    result = handlers.broadcast(load_event("broadcast"), context)
    assert result == {"batchItemFailures": []}
    assert sorted(c for c, _ in fake.posts) == ["a=", "c="]
    frame = fake.posts[0][1]
    assert frame["type"] == "message" and frame["data"] == {"text": "hello"} and frame["cursor"]
    assert sorted(i["sk"] for i in items("conn#room-42#0")) == ["a=", "c="]
    [logged] = items("log#room-42")
    assert logged["sk"] == frame["cursor"]


def test_a_failed_post_retries_the_message(handlers: ModuleType, context: FakeContext, monkeypatch: pytest.MonkeyPatch) -> None:
    handlers.subscribe("a=", "room-42")
    monkeypatch.setattr(handlers, "management", lambda: FakeConnections(broken={"a="}))
    event = load_event("broadcast")
    result = handlers.broadcast(event, context)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}


def test_with_several_shards_a_message_is_copied_once_per_shard(handlers: ModuleType, context: FakeContext, monkeypatch: pytest.MonkeyPatch, resources: dict[str, str]) -> None:
    monkeypatch.setattr(handlers, "SHARDS", 3)
    fake = FakeConnections()
    monkeypatch.setattr(handlers, "management", lambda: fake)
    handlers.broadcast(load_event("broadcast"), context)
    copies = [json.loads(m["Body"]) for m in queued(resources["queue_url"])]
    assert sorted(c["shard"] for c in copies) == [0, 1, 2]
    assert fake.posts == []
    # A shard's copy is delivered to that shard's connections only.
    handlers.subscribe("a=", "room-42")
    shard = handlers.shard_of("a=", 3)
    copy = next(c for c in copies if c["shard"] == shard)
    event = load_event("broadcast")
    event["Records"][0]["body"] = json.dumps(copy)
    handlers.broadcast(event, context)
    assert [c for c, _ in fake.posts] == ["a="]

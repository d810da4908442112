import json
import uuid
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pg8000.native
import pytest
from conftest import FakeContext, load_event


class FakeDatabase:
    """The items table in memory, answering the handler's statements as PostgreSQL would
    (the unique (caller, idempotency_key) constraint included). `fail_next` makes the next
    statement fail as a connection the proxy closed would."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.connections = 0
        self.fail_next = False

    def connect(self) -> "FakeDatabase":
        self.connections += 1
        return self

    def run(self, sql: str, **params: Any) -> list[list[Any]]:
        if self.fail_next:
            self.fail_next = False
            raise pg8000.native.InterfaceError("network error")
        as_row = lambda r: [r["id"], r["name"], r["created_at"]]  # noqa: E731
        if sql.startswith("INSERT INTO items"):
            if any(r["caller"] == params["caller"] and r["key"] == params["key"] for r in self.rows):
                return []
            row = {
                "id": uuid.uuid4(),
                "name": params["name"],
                "caller": params["caller"],
                "key": params["key"],
                "created_at": datetime.now(UTC),
            }
            self.rows.append(row)
            return [as_row(row)]
        if "WHERE caller = :caller" in sql:
            return [as_row(r) for r in self.rows if r["caller"] == params["caller"] and r["key"] == params["key"]]
        if "WHERE id = " in sql:
            return [as_row(r) for r in self.rows if str(r["id"]) == params["id"]]
        raise AssertionError(f"unexpected statement: {sql}")


@pytest.fixture
def db(handlers: ModuleType, monkeypatch: pytest.MonkeyPatch) -> FakeDatabase:
    """An in-memory database in place of RDS Proxy."""
    fake = FakeDatabase()
    monkeypatch.setattr(handlers, "connect", fake.connect)
    return fake


def post(body: str | None, key: str | None = "3f1c2a9e-7b4d-4e6a-9c1f-2d8e5b7a0c41") -> dict[str, Any]:
    """The sample POST /items request with another body and Idempotency-Key."""
    event = load_event("api")
    event["body"] = body
    if key is None:
        event["headers"].pop("idempotency-key", None)
    else:
        event["headers"]["idempotency-key"] = key
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


def test_post_creates_an_item_and_get_reads_it(handlers: ModuleType, db: FakeDatabase, context: FakeContext) -> None:
    created = handlers.api(load_event("api"), context)
    assert created["statusCode"] == 201
    item = json.loads(created["body"])
    assert item["name"] == "example"
    read = handlers.api(get(item["id"]), context)
    assert read["statusCode"] == 200
    assert json.loads(read["body"]) == item


def test_the_same_post_twice_creates_one_row(handlers: ModuleType, db: FakeDatabase, context: FakeContext) -> None:
    first = handlers.api(load_event("api"), context)
    second = handlers.api(load_event("api"), context)
    assert second["statusCode"] == 201
    assert json.loads(second["body"]) == json.loads(first["body"])
    assert len(db.rows) == 1


def test_the_same_key_with_another_body_is_refused(handlers: ModuleType, db: FakeDatabase, context: FakeContext) -> None:
    handlers.api(load_event("api"), context)
    response = handlers.api(post('{"name": "other"}'), context)
    assert response["statusCode"] == 422
    assert len(db.rows) == 1


def test_a_post_without_a_key_or_with_a_bad_body_is_refused(handlers: ModuleType, db: FakeDatabase, context: FakeContext) -> None:
    assert handlers.api(post('{"name": "x"}', key=None), context)["statusCode"] == 400
    assert handlers.api(post("not json"), context)["statusCode"] == 400
    assert handlers.api(post('{"name": ""}'), context)["statusCode"] == 400
    assert db.rows == []


def test_an_unknown_or_malformed_id_is_404(handlers: ModuleType, db: FakeDatabase, context: FakeContext) -> None:
    assert handlers.api(get(str(uuid.uuid4())), context)["statusCode"] == 404
    assert handlers.api(get("not-a-uuid"), context)["statusCode"] == 404


def test_one_connection_serves_every_request_and_a_closed_one_is_replaced(
    handlers: ModuleType, db: FakeDatabase, context: FakeContext
) -> None:
    handlers.api(load_event("api"), context)
    handlers.api(post('{"name": "b"}', key="another-key"), context)
    assert db.connections == 1
    db.fail_next = True
    response = handlers.api(post('{"name": "c"}', key="third-key"), context)
    assert response["statusCode"] == 201
    assert db.connections == 2
    assert len(db.rows) == 3


def test_the_token_is_signed_for_the_proxy_and_the_app_user(handlers: ModuleType) -> None:
    token = handlers._rds.generate_db_auth_token(DBHostname=handlers.DB_HOST, Port=handlers.DB_PORT, DBUsername=handlers.DB_USER)
    assert token.startswith(f"{handlers.DB_HOST}:5432/?Action=connect&DBUser=app")

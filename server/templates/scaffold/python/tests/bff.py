import json
import time
from types import ModuleType
from typing import Any

import pytest
from conftest import FakeContext, load_event

PROFILE = {"id": "user-7f3a2c", "name": "Ada", "email": "ada@example.com"}
ORDERS = {"orders": [{"id": f"o-{i}", "status": "shipped", "total": 10 + i, "lines": [1, 2]} for i in range(30)]}


class Services:
    """The shared services, faked: each URL's answer, or the exception a call raises, and
    the headers and timeouts each call was made with."""

    def __init__(self, delay_s: float = 0.0, failing: tuple[str, ...] = ()) -> None:
        self.delay_s = delay_s
        self.failing = failing
        self.calls: list[tuple[str, str, float]] = []

    def __call__(self, url: str, correlation_id: str, timeout_s: float) -> Any:
        self.calls.append((url, correlation_id, timeout_s))
        time.sleep(self.delay_s)
        if any(f"/{name}" in url for name in self.failing):
            raise TimeoutError("timed out")
        return PROFILE if "/profiles/" in url else ORDERS


def call(handlers: ModuleType, context: FakeContext, name: str, services: Services) -> tuple[int, dict[str, Any]]:
    handlers.fetch_json = services
    response = getattr(handlers, name)(load_event(name), context)
    return response["statusCode"], json.loads(response["body"])
{% if let Some(b) = plan.bff %}{% for c in b.clients %}


def test_the_{{ c.name }}_backend_answers_in_its_own_shape(handlers: ModuleType, context: FakeContext) -> None:
    status, body = call(handlers, context, "{{ c.name }}", Services())
    assert status == 200
    assert body["partial"] is False and body["unavailable"] == []
    assert len(body["orders"]) == {{ c.list_limit }}
{%- if c.compact %}
    assert body["name"] == "Ada"
    assert set(body["orders"][0]) == {"id", "status", "total"}
{%- else %}
    assert body["profile"] == PROFILE
    assert body["orders"][0]["lines"] == [1, 2]
{%- endif %}
{%- endfor %}

{% let first = b.clients[0].name %}
def test_the_services_are_called_at_once_not_one_after_the_other(handlers: ModuleType, context: FakeContext) -> None:
    handlers.CALL_TIMEOUT_S = 2.0
    started = time.monotonic()
    status, _ = call(handlers, context, "{{ first }}", Services(delay_s=0.3))
    assert status == 200
    assert time.monotonic() - started < 0.55


def test_a_failed_service_gives_a_partial_answer_not_an_error(handlers: ModuleType, context: FakeContext) -> None:
    status, body = call(handlers, context, "{{ first }}", Services(failing=("orders",)))
    assert status == 200
    assert body["partial"] is True and body["unavailable"] == ["orders"]
    assert body["orders"] == []


def test_a_late_service_is_left_out_at_the_call_timeout(handlers: ModuleType, context: FakeContext) -> None:
    handlers.CALL_TIMEOUT_S = 0.1
    started = time.monotonic()
    status, body = call(handlers, context, "{{ first }}", Services(delay_s=0.5))
    assert time.monotonic() - started < 0.4
    assert status == 502 and sorted(body["unavailable"]) == ["orders", "profile"]


def test_each_call_carries_the_correlation_id_and_the_call_timeout(handlers: ModuleType, context: FakeContext) -> None:
    services = Services()
    call(handlers, context, "{{ first }}", services)
    sent = load_event("{{ first }}")["headers"]["x-correlation-id"]
    assert len(services.calls) == {{ b.downstreams.len() }}
    assert {c[1] for c in services.calls} == {sent}
    assert {c[2] for c in services.calls} == { {{ b.call_timeout_ms }} / 1000}
    assert handlers.logger.get_correlation_id() == sent


def test_a_response_over_the_size_limit_is_cut_to_fit(handlers: ModuleType, context: FakeContext) -> None:
    handlers.MAX_RESPONSE_BYTES = 600
    status, body = call(handlers, context, "{{ first }}", Services())
    assert status == 200 and body["truncated"] is True
    assert 0 < len(body["orders"]) < {{ b.clients[0].list_limit }}


@pytest.mark.parametrize("failing", [("profile", "orders")])
def test_no_service_answering_is_502(handlers: ModuleType, context: FakeContext, failing: tuple[str, ...]) -> None:
    status, body = call(handlers, context, "{{ first }}", Services(failing=failing))
    assert status == 502 and sorted(body["unavailable"]) == sorted(failing)
{%- endif %}

from types import ModuleType
{% if py.idem -%}
from typing import Any
{% endif %}
{% if py.idem -%}
import boto3
{% endif -%}
import pytest
from conftest import {% if py.idem %}REGION, {% endif %}FakeContext, load_event
{% include "scaffold/python/tests/idem_records.py" %}

def test_handle_accepts_the_sample_event(handlers: ModuleType, context: FakeContext) -> None:
    event = load_event("handle")
    assert event["detail-type"] == "ItemCreated"
    assert handlers.handle(event, context) == {"id": "item-1001", "status": "handled"}


def test_handle_fails_on_an_event_without_an_id(handlers: ModuleType, context: FakeContext) -> None:
    # The invocation fails, so Lambda retries it and then sends it to the on-failure destination.
    event = load_event("handle")
    del event["detail"]["id"]
    with pytest.raises(ValueError, match='non-empty string "id"'):
        handlers.handle(event, context)
{%- if py.idem %}


def test_a_redelivered_event_is_handled_once(handlers: ModuleType, context: FakeContext) -> None:
    first = handlers.handle(load_event("handle"), context)
    second = handlers.handle(load_event("handle"), context)
    assert first == second
    assert len(idempotency_records()) == 1


def test_an_event_sent_again_under_a_new_event_id_is_handled_once(
    handlers: ModuleType, context: FakeContext
) -> None:
    handlers.handle(load_event("handle"), context)
    again = load_event("handle")
    again["id"] = "a-new-eventbridge-event-id"
    handlers.handle(again, context)
    assert len(idempotency_records()) == 1
    other = load_event("handle")
    other["detail"]["id"] = "another-item"
    handlers.handle(other, context)
    assert len(idempotency_records()) == 2
{%- endif %}

import base64
from types import ModuleType
from typing import Any

{% if py.idem -%}
import boto3
{% endif -%}
from conftest import {% if py.idem %}REGION, {% endif %}FakeContext, load_event
{% include "scaffold/python/tests/idem_records.py" %}
# The reader the tests drive{% if plan.handlers.len() > 1 %}; every reader runs the same batch code{% endif %}.
READER = "{{ plan.handlers[0].name }}"


def with_record(data: bytes, sequence_number: str) -> dict[str, Any]:
    """The sample batch plus a record with this data and sequence number."""
    event = load_event(READER)
    extra = dict(event["Records"][-1])
    extra["kinesis"] = dict(extra["kinesis"], data=base64.b64encode(data).decode(), sequenceNumber=sequence_number)
    event["Records"].append(extra)
    return event


def test_a_good_batch_has_no_failures(handlers: ModuleType, context: FakeContext) -> None:
    assert getattr(handlers, READER)(load_event(READER), context) == {"batchItemFailures": []}


def test_a_bad_record_is_reported_by_sequence_number(handlers: ModuleType, context: FakeContext) -> None:
    for data in [b"not json", b'{"amount": 1}', b'{"id": "txn-9", "amount": "ten"}']:
        result = getattr(handlers, READER)(with_record(data, "999"), context)
        assert result == {"batchItemFailures": [{"itemIdentifier": "999"}]}, data
{%- if py.idem %}


def test_a_retried_batch_applies_each_record_once(handlers: ModuleType, context: FakeContext) -> None:
    assert getattr(handlers, READER)(load_event(READER), context) == {"batchItemFailures": []}
    assert getattr(handlers, READER)(load_event(READER), context) == {"batchItemFailures": []}
    # One record per payload id: the retry returned the stored results.
    assert len(idempotency_records()) == len(load_event(READER)["Records"])
{%- endif %}
{%- if plan.handlers.len() > 1 %}


def test_every_reader_handles_the_batch(handlers: ModuleType, context: FakeContext) -> None:
    for reader in [{% for h in plan.handlers %}"{{ h.name }}"{% if !loop.last %}, {% endif %}{% endfor %}]:
        assert getattr(handlers, reader)(load_event(reader), context) == {"batchItemFailures": []}, reader
{%- endif %}

import base64
from types import ModuleType
from typing import Any

{% if py.idem -%}
import boto3
{% endif -%}
from conftest import {% if py.idem %}REGION, {% endif %}FakeContext, load_event
{% include "scaffold/python/tests/idem_records.py" %}

def with_record(data: bytes, sequence_number: str) -> dict[str, Any]:
    """The sample batch plus a record with this data and sequence number."""
    event = load_event("consume")
    extra = dict(event["Records"][-1])
    extra["kinesis"] = dict(extra["kinesis"], data=base64.b64encode(data).decode(), sequenceNumber=sequence_number)
    event["Records"].append(extra)
    return event


def test_a_good_batch_has_no_failures(handlers: ModuleType, context: FakeContext) -> None:
    assert handlers.consume(load_event("consume"), context) == {"batchItemFailures": []}


def test_a_bad_record_is_reported_by_sequence_number(handlers: ModuleType, context: FakeContext) -> None:
    for data in [b"not json", b'{"amount": 1}', b'{"id": "txn-9", "amount": "ten"}']:
        result = handlers.consume(with_record(data, "999"), context)
        assert result == {"batchItemFailures": [{"itemIdentifier": "999"}]}, data
{%- if py.idem %}


def test_a_retried_batch_applies_each_record_once(handlers: ModuleType, context: FakeContext) -> None:
    assert handlers.consume(load_event("consume"), context) == {"batchItemFailures": []}
    assert handlers.consume(load_event("consume"), context) == {"batchItemFailures": []}
    # One record per payload id: the retry returned the stored results.
    assert len(idempotency_records()) == len(load_event("consume")["Records"])
{%- endif %}

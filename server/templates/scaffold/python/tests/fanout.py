from types import ModuleType
from typing import Any

{% if py.idem -%}
import boto3
{% endif -%}
from conftest import {% if py.idem %}REGION, {% endif %}FakeContext, load_event
{% include "scaffold/python/tests/idem_records.py" %}

def with_bad_message(name: str) -> dict[str, Any]:
    """The sample batch plus a message whose body is not JSON."""
    event = load_event(name)
    bad = dict(event["Records"][0], messageId="bad-message", body="not json")
    event["Records"].append(bad)
    return event


def test_audit_records_every_event(handlers: ModuleType, context: FakeContext) -> None:
    assert handlers.audit(load_event("audit"), context) == {"batchItemFailures": []}


def test_audit_reports_only_the_bad_message(handlers: ModuleType, context: FakeContext) -> None:
    result = handlers.audit(with_bad_message("audit"), context)
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad-message"}]}


def test_notify_acts_on_created_events(handlers: ModuleType, context: FakeContext) -> None:
    assert handlers.notify(load_event("notify"), context) == {"batchItemFailures": []}


def test_notify_reports_only_the_bad_message(handlers: ModuleType, context: FakeContext) -> None:
    result = handlers.notify(with_bad_message("notify"), context)
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad-message"}]}


def test_a_message_without_an_id_is_reported(handlers: ModuleType, context: FakeContext) -> None:
    event = load_event("audit")
{%- if plan.fifo.is_some() %}
    # The last of the batch: with FIFO queues a failure also reports every later message.
    event["Records"][-1]["body"] = '{"type": "created"}'
    result = handlers.audit(event, context)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][-1]["messageId"]}]}
{%- else %}
    event["Records"][0]["body"] = '{"type": "created"}'
    result = handlers.audit(event, context)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
{%- endif %}
{%- if py.idem %}


def test_a_redelivered_batch_is_handled_once(handlers: ModuleType, context: FakeContext) -> None:
    assert handlers.audit(load_event("audit"), context) == {"batchItemFailures": []}
    assert handlers.audit(load_event("audit"), context) == {"batchItemFailures": []}
    # One record per event id: the second delivery returned the stored results.
    assert len(idempotency_records()) == len(load_event("audit")["Records"])
{%- endif %}
{%- if plan.fifo.is_some() %}


def test_after_a_failed_message_every_later_one_of_the_batch_is_reported_failed(
    handlers: ModuleType, context: FakeContext
) -> None:
    event = load_event("audit")
    first, second = event["Records"]
    event["Records"] = [first, dict(first, messageId="bad-message", body="not json"), second]
    result = handlers.audit(event, context)
    assert result == {
        "batchItemFailures": [{"itemIdentifier": "bad-message"}, {"itemIdentifier": second["messageId"]}]
    }


def test_the_sample_messages_carry_their_fifo_group(handlers: ModuleType, context: FakeContext) -> None:
    for record in load_event("audit")["Records"]:
        assert record["attributes"]["MessageGroupId"]
        assert record["eventSourceARN"].endswith(".fifo")
{%- endif %}

{% if py.approval || py.start_api -%}
import json
{% endif -%}
from types import ModuleType
{% if py.idem || py.approval || py.start_api -%}
from typing import Any
{% endif %}
{% if py.idem || py.approval -%}
import boto3
{% endif -%}
{% if py.approval || py.start_api -%}
from botocore.exceptions import ClientError
{% endif -%}
import pytest
from conftest import {% if py.idem || py.approval %}REGION, {% endif %}FakeContext, load_event
{% include "scaffold/python/tests/idem_records.py" %}

def test_validate_passes_a_good_input_on(handlers: ModuleType, context: FakeContext) -> None:
    event = load_event("validate")
    assert handlers.validate(event, context) == {**event, "status": "validated"}


@pytest.mark.parametrize(
    "event",
    [{}, {"id": ""}, {"id": "   "}, {"id": 42}, {"items": []}],
    ids=["no id", "empty id", "blank id", "number id", "items only"],
)
def test_validate_rejects_a_bad_input_with_validation_error(
    handlers: ModuleType, context: FakeContext, event: dict
) -> None:
    with pytest.raises(handlers.ValidationError) as raised:
        handlers.validate(event, context)
    # Step Functions sees the exception's class name as the error name.
    assert type(raised.value).__name__ == "ValidationError"


def test_process_totals_the_items(handlers: ModuleType, context: FakeContext) -> None:
    result = handlers.process(load_event("process"), context)
    assert result["status"] == "processed"
    assert result["total"] == 29.0


def test_process_raises_processing_error_on_a_bad_item(handlers: ModuleType, context: FakeContext) -> None:
    event = load_event("process")
    del event["items"][0]["price"]
    with pytest.raises(handlers.ProcessingError) as raised:
        handlers.process(event, context)
    assert type(raised.value).__name__ == "ProcessingError"


def test_complete_marks_the_execution_completed(handlers: ModuleType, context: FakeContext) -> None:
    event = load_event("complete")
    assert handlers.complete(event, context) == {**event, "status": "completed"}
{%- if py.compensation %}


def test_compensate_marks_the_execution_compensated(handlers: ModuleType, context: FakeContext) -> None:
    event = load_event("compensate")
    assert event["error"]["Error"] == "ProcessingError"
    assert handlers.compensate(event, context) == {**event, "status": "compensated"}
{%- endif %}
{%- if py.idem %}


def test_a_retried_process_step_runs_once(handlers: ModuleType, context: FakeContext) -> None:
    first = handlers.process(load_event("process"), context)
    second = handlers.process(load_event("process"), context)
    assert first == second
    assert len(idempotency_records()) == 1
{%- endif %}
{%- if py.approval || py.start_api %}
{% include "scaffold/python/tests/workflow_api.py" %}
{%- endif %}

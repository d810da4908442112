import json
from types import ModuleType
{% if py.idem -%}
from typing import Any
{% endif -%}
from urllib.parse import unquote_plus

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import REGION, FakeContext, load_event
{% include "scaffold/python/tests/idem_records.py" %}

def upload(resources: dict[str, str], body: bytes) -> str:
    """Puts the sample event's object into the input bucket; returns its (decoded) key."""
    key = unquote_plus(load_event("process")["Records"][0]["s3"]["object"]["key"])
    boto3.client("s3", region_name=REGION).put_object(Bucket=resources["input_bucket"], Key=key, Body=body)
    return key


def test_an_object_in_incoming_is_processed_into_the_output_bucket(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    key = upload(resources, b"id,total\n1,25.0\n2,4.5\n")
    assert key.startswith("incoming/")
    result = handlers.process(load_event("process"), context)
    expected_key = "processed/" + key.removeprefix("incoming/")
    assert result == {"written": [{"bucket": resources["output_bucket"], "key": expected_key}]}
    s3 = boto3.client("s3", region_name=REGION)
    output = json.loads(s3.get_object(Bucket=resources["output_bucket"], Key=expected_key)["Body"].read())
    assert output["lines"] == 3
    assert output["bytes"] == 22
    assert output["source"] == f"s3://{resources['input_bucket']}/{key}"


def test_an_object_outside_incoming_is_skipped(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    event = load_event("process")
    event["Records"][0]["s3"]["object"]["key"] = "processed/report.csv"
    assert handlers.process(event, context) == {"written": []}
    listed = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=resources["output_bucket"])
    assert listed.get("KeyCount") == 0


def test_a_missing_object_fails_the_invocation(handlers: ModuleType, context: FakeContext) -> None:
    # Lambda retries a failed invocation, then sends the event to the on-failure destination.
    with pytest.raises(ClientError):
        handlers.process(load_event("process"), context)
{%- if py.idem %}


def test_a_repeated_event_is_processed_once(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    upload(resources, b"first\n")
    first = handlers.process(load_event("process"), context)
    s3 = boto3.client("s3", region_name=REGION)
    s3.delete_object(Bucket=resources["output_bucket"], Key=first["written"][0]["key"])
    second = handlers.process(load_event("process"), context)
    assert second == first
    listed = s3.list_objects_v2(Bucket=resources["output_bucket"])
    assert listed.get("KeyCount") == 0, "a repeated event must not be processed again"
    assert len(idempotency_records()) == 1
{%- endif %}

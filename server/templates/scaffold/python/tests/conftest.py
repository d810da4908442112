"""Test fixtures: environment variables, fake AWS services (moto), the sample events in events/
and a Lambda context. The handlers module is imported afresh in each test, inside the fake AWS,
so its clients and settings never reach a real account."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

{% if py.idem || py.approval || plan.pattern == Pattern::Api || plan.pattern == Pattern::Saga || plan.pattern == Pattern::S3Events || plan.pattern == Pattern::Webhook || plan.pattern == Pattern::ScheduledJobs || plan.pattern == Pattern::StranglerFig || plan.pattern == Pattern::EventSourcing || plan.pattern == Pattern::RealtimeBroadcast || plan.pattern == Pattern::CircuitBreaker || plan.pattern == Pattern::Cqrs -%}
import boto3
{% endif -%}
import pytest
from moto import mock_aws

EVENTS = Path(__file__).resolve().parent.parent / "events"
REGION = "us-east-1"
{% if plan.pattern == Pattern::Webhook -%}
# The key the sample request in events/receive.json is signed with.
TEST_SECRET = "test-secret"
{% endif -%}
{% if py.job_secret -%}
# The scheduled job's credentials in the fake Secrets Manager.
TEST_JOB_SECRET = '{"username": "sync", "password": "test-only"}'
{% endif %}

def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of the sample event events/<name>.json."""
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class FakeContext:
    """The parts of the Lambda context the handlers and Powertools read."""

    function_name: str = "{{ plan.project }}-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = {{ plan.function.memory_mb }}
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:{{ plan.project }}-test"
    aws_request_id: str = "8f5a6c1e-2b3d-4e5f-9a0b-1c2d3e4f5a6b"

    def get_remaining_time_in_millis(self) -> int:
        """Time left: the function's whole timeout."""
        return {{ plan.function.timeout_s }} * 1000


@pytest.fixture
def context() -> FakeContext:
    """A Lambda context."""
    return FakeContext()


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region, so nothing can reach a real account, and the Powertools
    settings template.yaml gives the functions (tracing off: no X-Ray daemon here)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_SERVICE_NAME": "{{ plan.project }}",
        "POWERTOOLS_METRICS_NAMESPACE": "{{ plan.project }}",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def aws() -> Iterator[None]:
    """Fake AWS services for the length of a test."""
    with mock_aws():
        yield


@pytest.fixture
def resources(aws: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Creates what template.yaml would, in the fake AWS, and sets the functions' variables."""
    names: dict[str, str] = {}
{%- if py.idem %}
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    # Keyed as Powertools' DynamoDBPersistenceLayer expects: partition key "id", TTL "expiration".
    dynamodb.create_table(
        TableName="idempotency",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "idempotency")
    monkeypatch.setenv("IDEMPOTENCY_TTL_SECONDS", "{{ py.ttl_s }}")
    names["idempotency_table"] = "idempotency"
{%- endif %}
{%- match plan.pattern %}
{%- when Pattern::Api %}
{%- if !py.idem %}
    dynamodb = boto3.client("dynamodb", region_name=REGION)
{%- endif %}
    dynamodb.create_table(
        TableName="items",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("TABLE_NAME", "items")
    names["table"] = "items"
{%- when Pattern::EventSourcing %}
    # Keyed as template.yaml's EventsTable, ProjectionsTable and SnapshotsTable.
    client = boto3.client("dynamodb", region_name=REGION)
    for table, keys in {
        "events": [("aggregateId", "S", "HASH"), ("version", "N", "RANGE")],
        "projections": [("id", "S", "HASH")],
        "snapshots": [("id", "S", "HASH"), ("version", "N", "RANGE")],
    }.items():
        client.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": n, "KeyType": k} for n, _, k in keys],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t, _ in keys],
            BillingMode="PAY_PER_REQUEST",
        )
        names[table] = table
    monkeypatch.setenv("EVENTS_TABLE", "events")
    monkeypatch.setenv("PROJECTIONS_TABLE", "projections")
    monkeypatch.setenv("SNAPSHOTS_TABLE", "snapshots")
    monkeypatch.setenv("SNAPSHOT_EVERY", "3")
{%- when Pattern::StranglerFig %}
    # Keyed as template.yaml's ItemsTable: partition key "id".
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="items",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("TABLE_NAME", "items")
    names["table"] = "items"
{%- when Pattern::Cqrs %}
{% include "scaffold/python/tests/cqrs_tables.py" %}
{%- when Pattern::RealtimeBroadcast %}
{%- include "scaffold/python/tests/realtime_broadcast_resources.py" %}
{%- when Pattern::Bff %}
{%- if let Some(b) = plan.bff %}
    # The shared services' base URLs (the tests replace app.fetch_json, so nothing is called).
{%- for d in b.downstreams %}
    monkeypatch.setenv("{{ d.variable }}", "https://{{ d.name }}.example.com")
{%- endfor %}
    monkeypatch.setenv("CALL_TIMEOUT_MS", "{{ b.call_timeout_ms }}")
    monkeypatch.setenv("MAX_RESPONSE_BYTES", "{{ b.max_response_bytes }}")
{%- endif %}
{%- when Pattern::CircuitBreaker %}
    # Keyed as template.yaml's BreakerTable: partition key "dependency".
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="breaker",
        KeySchema=[{"AttributeName": "dependency", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "dependency", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for name, value in {
        "BREAKER_TABLE": "breaker",
        "DEPENDENCY_URL": "https://dependency.example.com/captures",
        "DEPENDENCY_NAME": "downstream",
        "CALL_TIMEOUT_MS": "{% if let Some(b) = plan.breaker %}{{ b.call_timeout_ms }}{% endif %}",
        "FAILURE_THRESHOLD": "{% if let Some(b) = plan.breaker %}{{ b.failure_threshold }}{% endif %}",
        "FAILURE_WINDOW_S": "{% if let Some(b) = plan.breaker %}{{ b.failure_window_s }}{% endif %}",
        "OPEN_SECONDS": "{% if let Some(b) = plan.breaker %}{{ b.open_s }}{% endif %}",
        "TRIAL_LEASE_S": "{% if let Some(b) = plan.breaker %}{{ b.trial_lease_s }}{% endif %}",
    }.items():
        monkeypatch.setenv(name, value)
    names["breaker_table"] = "breaker"
{%- when Pattern::S3Events %}
    s3 = boto3.client("s3", region_name=REGION)
    names["input_bucket"] = load_event("process")["Records"][0]["s3"]["bucket"]["name"]
    names["output_bucket"] = "{{ plan.project }}-output"
    s3.create_bucket(Bucket=names["input_bucket"])
    s3.create_bucket(Bucket=names["output_bucket"])
    monkeypatch.setenv("OUTPUT_BUCKET", names["output_bucket"])
{%- when Pattern::EventBus %}
    monkeypatch.setenv("EVENT_BUS_NAME", "{{ plan.project }}")
{%- when Pattern::Saga %}
{%- if !py.idem %}
    dynamodb = boto3.client("dynamodb", region_name=REGION)
{%- endif %}
    # Keyed as template.yaml's SagaTable: partition key "id" (the saga), sort key "step".
    dynamodb.create_table(
        TableName="saga",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "step", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "step", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("SAGA_TABLE", "saga")
    names["saga_table"] = "saga"
{%- when Pattern::Workflow %}
    monkeypatch.setenv("STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:{{ plan.project }}")
{%- if py.approval %}
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="approvals",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("APPROVALS_TABLE", "approvals")
    monkeypatch.setenv("APPROVAL_TTL_SECONDS", "86400")
    names["approvals_table"] = "approvals"
    names["approval_topic"] = boto3.client("sns", region_name=REGION).create_topic(Name="approvals")["TopicArn"]
    monkeypatch.setenv("APPROVAL_TOPIC_ARN", names["approval_topic"])
{%- endif %}
{%- when Pattern::Webhook %}
    sqs = boto3.client("sqs", region_name=REGION)
{%- if plan.fifo.is_some() %}
    # FIFO, as template.yaml's WorkQueue (deduplication ids come from the handler, not the body).
    names["queue_url"] = sqs.create_queue(QueueName="webhooks.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
{%- else %}
    names["queue_url"] = sqs.create_queue(QueueName="webhooks")["QueueUrl"]
{%- endif %}
    monkeypatch.setenv("QUEUE_URL", names["queue_url"])
    secrets = boto3.client("secretsmanager", region_name=REGION)
    arn = secrets.create_secret(Name="webhook-signing", SecretString=TEST_SECRET)["ARN"]
    monkeypatch.setenv("SIGNING_SECRET_ARN", arn)
{%- when Pattern::ScheduledJobs %}
    # Keyed as template.yaml's RunsTable: partition key "id", TTL attribute "expiration".
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="runs",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("RUNS_TABLE", "runs")
    monkeypatch.setenv("RUN_RECORD_TTL_SECONDS", "{% if let Some(s) = plan.schedule %}{{ s.run_record_ttl_s }}{% endif %}")
    names["runs_table"] = "runs"
{%- if py.job_secret %}
    secrets = boto3.client("secretsmanager", region_name=REGION)
    arn = secrets.create_secret(Name="job-credentials", SecretString=TEST_JOB_SECRET)["ARN"]
    monkeypatch.setenv("JOB_SECRET_ARN", arn)
{%- endif %}
{%- when Pattern::Relational %}
    # The proxy is never reached: tests replace app.connect with an in-memory database.
    monkeypatch.setenv("DB_HOST", "{{ plan.project }}-proxy.proxy-abcdefghijkl.us-east-1.rds.amazonaws.com")
    monkeypatch.setenv("DB_PORT", "5432")
    monkeypatch.setenv("DB_NAME", "app")
    monkeypatch.setenv("DB_USER", "app")
{%- else %}
{%- endmatch %}
    return names


@pytest.fixture
def handlers(resources: dict[str, str]) -> ModuleType:
    """src/app.py, imported afresh inside the fake AWS."""
    sys.modules.pop("app", None)
    return importlib.import_module("app")


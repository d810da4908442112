"""Unit tests of the app{% if self.worker() || self.scheduled() %}, against SQS and DynamoDB faked by moto{% endif %}."""

from __future__ import annotations

import json
import threading
{%- if self.service() %}
import urllib.error
import urllib.request
{%- endif %}
{%- if self.worker() || self.scheduled() %}

import boto3
import pytest
from moto import mock_aws
{%- endif %}
{%- if self.worker() || self.scheduled() %}

from app.jobs import Interrupted, InvalidJob, process


def test_a_job_needs_an_id_and_sane_steps() -> None:
    with pytest.raises(InvalidJob):
        process({"steps": 2}, threading.Event())
    with pytest.raises(InvalidJob):
        process({"id": "j", "steps": 0}, threading.Event())


def test_a_stopping_task_interrupts_the_job() -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(Interrupted):
        process({"id": "j"}, stop)
{%- endif %}
{%- if self.worker() || self.scheduled() %}


def _table(name: str) -> object:
    ddb = boto3.resource("dynamodb")
    return ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
{%- endif %}
{%- if self.worker() %}


class Queue:
    """A moto queue with a dead-letter queue, like the template's."""

    def __init__(self) -> None:
        self.sqs = boto3.client("sqs")
        dlq = self.sqs.create_queue(QueueName="dlq")["QueueUrl"]
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.url = self.sqs.create_queue(
            QueueName="jobs",
            Attributes={
                "VisibilityTimeout": "{{ self.visibility_s() }}",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}),
            },
        )["QueueUrl"]

    def send(self, body: object) -> None:
        self.sqs.send_message(QueueUrl=self.url, MessageBody=json.dumps(body))

    def counts(self) -> tuple[int, int]:
        a = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["All"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


def _worker(q: Queue, stop: threading.Event | None = None) -> object:
    from app.worker import Worker

    return Worker(
        q.sqs,
        q.url,
        {{ self.visibility_s() }},
        stop or threading.Event(),
{%- if self.idem() %}
        _records(),
{%- endif %}
{%- if self.table() %}
        _table("data"),
{%- endif %}
        wait_s=0,
    )
{%- if self.idem() %}


def _records() -> object:
    from app.jobs import JobRecords

    return JobRecords(_table("idempotency"), {{ self.idem_ttl_s() }})
{%- endif %}


@mock_aws
def test_a_finished_job_is_deleted_from_the_queue() -> None:
    q = Queue()
    q.send({"id": "job-1", "steps": 2})
    w = _worker(q)
    assert w.poll_once() == 1
    assert q.counts() == (0, 0)
{%- if self.table() %}
    assert boto3.resource("dynamodb").Table("data").get_item(Key={"id": "job-1"})["Item"]["status"] == "done"
{%- endif %}


@mock_aws
def test_a_failed_job_stays_on_the_queue_for_a_retry() -> None:
    q = Queue()
    q.send({"id": "job-2", "steps": "many"})
    w = _worker(q)
    assert w.poll_once() == 1
    # Not deleted: it comes back (here at once, as an invalid job) until the dead-letter queue takes it.
    assert sum(q.counts()) == 1


@mock_aws
def test_a_stopping_worker_hands_the_job_back() -> None:
    q = Queue()
    q.send({"id": "job-3"})
    stop = threading.Event()
    stop.set()
    w = _worker(q, stop)
    assert w.poll_once() == 1
    assert q.counts() == (1, 0)
{%- if self.idem() %}


@mock_aws
def test_a_duplicate_of_a_finished_job_is_dropped_without_running() -> None:
    q = Queue()
    w = _worker(q)
    q.send({"id": "job-4"})
    w.poll_once()
    q.send({"id": "job-4"})
    ran: list[str] = []
    import app.worker as worker_module

    original = worker_module.process
    worker_module.process = lambda job, *a: ran.append(job["id"]) or original(job, *a)
    try:
        assert w.poll_once() == 1
    finally:
        worker_module.process = original
    assert ran == []
    assert q.counts() == (0, 0)


@mock_aws
def test_a_job_another_task_holds_is_left_alone() -> None:
    records = _records()
    assert records.start("job-5", lease_s=600) == "run"
    assert records.start("job-5", lease_s=600) == "busy"
    records.finish("job-5")
    assert records.start("job-5", lease_s=600) == "done"
{%- endif %}
{%- endif %}
{%- if self.scheduled() %}


@mock_aws
def test_a_scheduled_run_runs_once_per_scheduled_time() -> None:
    from app.jobs import run_scheduled
{%- if self.idem() %}
    from app.jobs import JobRecords

    records = JobRecords(_table("idempotency"), {{ self.idem_ttl_s() }})
{%- endif %}
{%- if self.table() %}
    data = _table("data")
{%- endif %}
    args = {{ "{" }}{% if self.idem() %}"records": records{% endif %}{% if self.idem() && self.table() %}, {% endif %}{% if self.table() %}"table": data{% endif %}{{ "}" }}
    assert run_scheduled("2026-01-01T02:00:00Z", threading.Event(), **args)
    assert run_scheduled("2026-01-01T02:00:00Z", threading.Event(), **args)
{%- if self.table() %}
    assert data.get_item(Key={"id": "run-2026-01-01T02:00:00Z"})["Item"]["status"] == "done"
{%- endif %}
{%- endif %}
{%- if self.service() %}


class _Running:
    """The server on a free port, in a thread."""

    def __init__(self) -> None:
        from app.server import make_server
{%- if self.table() %}

        self.items: dict[str, dict] = {}
        store = type("Store", (), {"get": lambda _, k: self.items.get(k), "put": lambda _, i: self.items.__setitem__(i["id"], i)})()
        self.server = make_server(0, store)
{%- else %}

        self.server = make_server(0)
{%- endif %}
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def call(self, method: str, path: str, body: object = None, headers: dict | None = None) -> tuple[int, dict, dict]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, json.loads(r.read()), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read()), dict(e.headers)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_health_check_answers_and_echoes_the_correlation_id() -> None:
    s = _Running()
    try:
        status, body, headers = s.call("GET", "{{ self.health_path() }}", headers={"x-correlation-id": "abc"})
        assert (status, body) == (200, {"status": "ok"})
        assert headers["x-correlation-id"] == "abc"
    finally:
        s.close()
{%- if self.table() %}


def test_an_item_is_created_then_read() -> None:
    s = _Running()
    try:
        status, item, _ = s.call("POST", "/items", {"name": "first"})
        assert status == 201 and item["name"] == "first"
        assert s.call("GET", f"/items/{item['id']}")[:2] == (200, item)
        assert s.call("GET", "/items/missing")[0] == 404
    finally:
        s.close()


def test_an_invalid_item_is_refused() -> None:
    s = _Running()
    try:
        assert s.call("POST", "/items", {"name": ""})[0] == 400
        assert s.call("POST", "/items", ["not", "an", "object"])[0] == 400
        assert s.items == {}
    finally:
        s.close()
{%- else %}


def test_the_root_names_the_service() -> None:
    s = _Running()
    try:
        status, body, _ = s.call("GET", "/")
        assert status == 200 and "service" in body
    finally:
        s.close()
{%- endif %}
{%- endif %}

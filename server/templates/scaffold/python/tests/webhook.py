import hashlib
import hmac
import json
from types import ModuleType
from typing import Any

import boto3
import pytest
{% if py.idem -%}
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
{% endif -%}
from conftest import REGION, TEST_SECRET, FakeContext, load_event
{% include "scaffold/python/tests/idem_records.py" %}

def signed(body: str, secret: str = TEST_SECRET) -> dict[str, Any]:
    """The sample request with another body, signed with `secret`."""
    event = load_event("receive")
    event["body"] = body
    digest = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    event["headers"]["x-signature"] = f"sha256={digest}"
    return event


def queued(resources: dict[str, str]) -> list[str]:
    """The bodies of the messages waiting in the fake queue."""
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=resources["queue_url"], MaxNumberOfMessages=10)
    return [m["Body"] for m in messages.get("Messages", [])]


def test_a_signed_webhook_is_queued_with_202(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    event = load_event("receive")
    response = handlers.receive(event, context)
    assert response["statusCode"] == 202
    assert queued(resources) == [event["body"]]


def test_the_request_id_travels_to_the_worker_as_its_correlation_id(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    event = load_event("receive")
    assert handlers.receive(event, context)["statusCode"] == 202
    sqs = boto3.client("sqs", region_name=REGION)
    message = sqs.receive_message(
        QueueUrl=resources["queue_url"], MessageAttributeNames=["All"], MaxNumberOfMessages=1
    )["Messages"][0]
    request_id = event["requestContext"]["requestId"]
    assert message["MessageAttributes"]["correlation_id"]["StringValue"] == request_id

    # The worker logs under it (SQS's event spells the attribute in camel case).
    record = dict(
        load_event("work")["Records"][0],
        body=message["Body"],
        messageAttributes={"correlation_id": {"stringValue": request_id, "dataType": "String"}},
    )
    logged: list[tuple[str, str | None]] = []
    info = handlers.logger.info

    def info_with_correlation_id(msg: object, *args: Any, **kwargs: Any) -> None:
        logged.append((str(msg), handlers.logger.get_correlation_id()))
        info(msg, *args, **kwargs)

    monkeypatch.setattr(handlers.logger, "info", info_with_correlation_id)
    assert handlers.work({"Records": [record]}, context) == {"batchItemFailures": []}
    assert ("webhook handled", request_id) in logged


def test_a_bad_signature_gets_401_and_nothing_is_queued(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    tampered = load_event("receive")
    tampered["body"] = tampered["body"].replace("25.0", "2500.0")
    wrong_key = signed(load_event("receive")["body"], secret="another-secret")
    unsigned = load_event("receive")
    del unsigned["headers"]["x-signature"]
    for event in [tampered, wrong_key, unsigned]:
        response = handlers.receive(event, context)
        assert response["statusCode"] == 401
    assert queued(resources) == []


def test_a_signed_body_that_is_not_json_gets_400(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    response = handlers.receive(signed("not json"), context)
    assert response["statusCode"] == 400
    assert queued(resources) == []


def test_work_handles_the_sample_batch(handlers: ModuleType, context: FakeContext) -> None:
    assert handlers.work(load_event("work"), context) == {"batchItemFailures": []}


def test_work_reports_only_the_bad_message(handlers: ModuleType, context: FakeContext) -> None:
    event = load_event("work")
    event["Records"].append(dict(event["Records"][0], messageId="bad-message", body=json.dumps({"type": "x"})))
    result = handlers.work(event, context)
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad-message"}]}
{%- if py.idem %}


def test_a_redelivered_webhook_is_handled_once(handlers: ModuleType, context: FakeContext) -> None:
    assert handlers.work(load_event("work"), context) == {"batchItemFailures": []}
    assert handlers.work(load_event("work"), context) == {"batchItemFailures": []}
    assert len(idempotency_records()) == len(load_event("work")["Records"])
{%- endif %}
{%- if py.idem %}


def test_a_copy_arriving_while_the_first_is_handled_is_skipped_not_failed(
    handlers: ModuleType, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another invocation gets a copy of the webhook while this one is still handling it.
    record = load_event("work")["Records"][0]
    copies: list[dict[str, str]] = []
    add_metric = handlers.metrics.add_metric

    def add_metric_while_a_copy_arrives(**kwargs: Any) -> None:
        if not copies:
            copies.append(handlers.work_record(SQSRecord({**record, "messageId": "copy"})))
        add_metric(**kwargs)

    monkeypatch.setattr(handlers.metrics, "add_metric", add_metric_while_a_copy_arrives)
    response = handlers.work({"Records": [record]}, context)
    assert response["batchItemFailures"] == []
    assert copies == [{"id": json.loads(record["body"])["id"], "status": "skipped"}]
    assert len(idempotency_records()) == 1
{%- endif %}
{%- if let Some(fifo) = plan.fifo %}


def queued_fifo(resources: dict[str, str]) -> list[dict[str, Any]]:
    """The messages waiting in the fake FIFO queue, with their group and deduplication ids."""
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(
        QueueUrl=resources["queue_url"],
        MaxNumberOfMessages=10,
        MessageSystemAttributeNames=["MessageGroupId", "MessageDeduplicationId"],
    )
    return messages.get("Messages", [])


def test_a_webhook_is_queued_in_its_group_with_its_event_id_as_deduplication_id(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    event = load_event("receive")
    body = json.loads(event["body"])
    assert handlers.receive(event, context)["statusCode"] == 202
    [message] = queued_fifo(resources)
{%- if fifo.global %}
    assert message["Attributes"]["MessageGroupId"] == "{{ fifo.global_group }}"
{%- else %}
    assert message["Attributes"]["MessageGroupId"] == hashlib.sha256(body["{{ fifo.group_field }}"].encode()).hexdigest()
{%- endif %}
    assert message["Attributes"]["MessageDeduplicationId"] == hashlib.sha256(body["id"].encode()).hexdigest()


def test_a_sender_retry_within_five_minutes_is_queued_once(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    assert handlers.receive(load_event("receive"), context)["statusCode"] == 202
    assert handlers.receive(load_event("receive"), context)["statusCode"] == 202
    assert len(queued_fifo(resources)) == 1


def test_a_webhook_without_an_event_id_is_refused_not_queued(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    body = json.loads(load_event("receive")["body"])
    del body["id"]
    response = handlers.receive(signed(json.dumps(body)), context)
    assert response["statusCode"] == 400
    assert queued_fifo(resources) == []
{%- if !fifo.global %}


def test_a_webhook_without_its_order_key_is_refused_not_queued_out_of_order(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    body = json.loads(load_event("receive")["body"])
    del body["{{ fifo.group_field }}"]
    response = handlers.receive(signed(json.dumps(body)), context)
    assert response["statusCode"] == 400
    assert "{{ fifo.group_field }}" in response["body"]
    assert queued_fifo(resources) == []


def test_the_order_key_field_is_a_setting(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handlers, "ORDER_KEY_FIELD", "account")
    body = dict(json.loads(load_event("receive")["body"]), account="acct-7")
    assert handlers.receive(signed(json.dumps(body)), context)["statusCode"] == 202
    [message] = queued_fifo(resources)
    assert message["Attributes"]["MessageGroupId"] == hashlib.sha256(b"acct-7").hexdigest()
{%- endif %}


def test_after_a_failed_message_every_later_one_of_the_batch_is_reported_failed(
    handlers: ModuleType, context: FakeContext
) -> None:
    event = load_event("work")
    first, second = event["Records"]
    bad = dict(first, messageId="bad-message", body=json.dumps({"type": "x"}))
    event["Records"] = [first, bad, second]
    result = handlers.work(event, context)
    assert result == {
        "batchItemFailures": [{"itemIdentifier": "bad-message"}, {"itemIdentifier": second["messageId"]}]
    }
{%- endif %}

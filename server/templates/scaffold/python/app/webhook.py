import base64
import hashlib
import hmac
import json
import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, UnauthorizedError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.batch import (
{%- if plan.fifo.is_some() %}
    SqsFifoPartialProcessor,
{%- else %}
    BatchProcessor,
    EventType,
{%- endif %}
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
{% include "scaffold/python/imports_idem.py" -%}
{% if py.idem -%}
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
{% endif -%}
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()
{% if plan.fifo.is_some() -%}
# FIFO: after the first message that fails, every later message of the batch is reported failed
# too, so none of them is handled ahead of the one it follows.
processor = SqsFifoPartialProcessor()
{%- else -%}
processor = BatchProcessor(event_type=EventType.SQS)
{%- endif %}
sqs = boto3.client("sqs")
{% include "scaffold/python/idempotency.py" %}
SIGNATURE_HEADER = "x-signature"
# The SQS message attribute that carries the receiver's correlation id to the worker.
CORRELATION_ATTRIBUTE = "correlation_id"
SIGNATURE_PREFIX = "sha256="
# The secret is fetched once and cached for this long, so a rotated secret is used within minutes.
SECRET_MAX_AGE_S = 300
{%- if let Some(fifo) = plan.fifo %}
{%- if fifo.global %}
# Every webhook goes to this one message group: one strict order for all of them.
MESSAGE_GROUP = os.environ.get("MESSAGE_GROUP", "{{ fifo.global_group }}")
{%- else %}
# The top-level field of a webhook that names the entity whose events stay in order.
ORDER_KEY_FIELD = os.environ.get("ORDER_KEY_FIELD", "{{ fifo.group_field }}")
{%- endif %}


def digest(value: str) -> str:
    """SHA-256 in hex: any key or id becomes a valid 64-character FIFO group or deduplication id."""
    return hashlib.sha256(value.encode()).hexdigest()


def fifo_ids(message: Any) -> tuple[str, str]:
    """The webhook's MessageGroupId and MessageDeduplicationId (from its "id", so the FIFO queue
    drops a sender's retry sent within 5 minutes). Raises ValueError when the webhook lacks what
    its order needs: it is refused rather than queued out of order."""
    if not isinstance(message, dict) or not isinstance(message.get("id"), str) or not message["id"]:
        raise ValueError('the webhook must be a JSON object with a non-empty string "id"')
{%- if fifo.global %}
    return MESSAGE_GROUP, digest(message["id"])
{%- else %}
    key = message.get(ORDER_KEY_FIELD)
    if isinstance(key, bool) or not isinstance(key, (str, int)) or key == "":
        raise ValueError(f'the webhook has no string "{ORDER_KEY_FIELD}": its events could not be kept in order')
    return digest(str(key)), digest(message["id"])
{%- endif %}
{%- endif %}


def signing_key() -> bytes:
    """The HMAC key: the string in the Secrets Manager secret SIGNING_SECRET_ARN."""
    secret = parameters.get_secret(os.environ["SIGNING_SECRET_ARN"], max_age=SECRET_MAX_AGE_S)
    return secret if isinstance(secret, bytes) else str(secret).encode()


def signature_valid(body: bytes, header: str | None, key: bytes) -> bool:
    """Whether the header is "sha256=" + the hex HMAC-SHA256 of the body, compared in constant time."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(key, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix(SIGNATURE_PREFIX).strip().lower())


@app.post("/webhook")
@tracer.capture_method
def post_webhook() -> tuple[dict[str, str], int]:
    """POST /webhook: 401 unless the signature matches, 400 unless the body is JSON, else queues
    the body and answers 202."""
    event = app.current_event
    raw = base64.b64decode(event.body or "") if event.is_base64_encoded else (event.body or "").encode()
    if not signature_valid(raw, event.headers.get(SIGNATURE_HEADER), signing_key()):
        metrics.add_metric(name="SignaturesRejected", unit=MetricUnit.Count, value=1)
        raise UnauthorizedError(f"missing or invalid {SIGNATURE_HEADER} header")
    try:
        body = raw.decode("utf-8")
        message = json.loads(body)
    except ValueError:
        raise BadRequestError("the body must be JSON") from None
{%- if plan.fifo.is_some() %}
    try:
        group_id, deduplication_id = fifo_ids(message)
    except ValueError as e:
        metrics.add_metric(name="WebhooksWithoutOrderKey", unit=MetricUnit.Count, value=1)
        raise BadRequestError(str(e)) from None
{%- endif %}
    # The request's correlation id travels with the message, so the worker's logs join this one.
    attributes = {}
    correlation_id = logger.get_correlation_id()
    if correlation_id:
        attributes[CORRELATION_ATTRIBUTE] = {"DataType": "String", "StringValue": correlation_id}
{%- if plan.fifo.is_some() %}
    sent = sqs.send_message(
        QueueUrl=os.environ["QUEUE_URL"],
        MessageBody=body,
        MessageAttributes=attributes,
        MessageGroupId=group_id,
        MessageDeduplicationId=deduplication_id,
    )
{%- else %}
    sent = sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=body, MessageAttributes=attributes)
{%- endif %}
    logger.info("webhook queued", extra={"sqs_message_id": sent["MessageId"]})
    metrics.add_metric(name="WebhooksQueued", unit=MetricUnit.Count, value=1)
    return {"status": "queued"}, 202


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def receive(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The HTTP API's handler for POST /webhook."""
    return app.resolve(event, context)


def parse_webhook(body: str) -> dict[str, Any]:
    """A queued webhook: a JSON object with a non-empty string "id" (the sender's event id)."""
    message = json.loads(body)
    if not isinstance(message, dict) or not isinstance(message.get("id"), str) or not message["id"]:
        raise ValueError('the webhook must be a JSON object with a non-empty string "id"')
    return message


@tracer.capture_method
{% if py.idem -%}
@idempotent_function(
    data_keyword_argument="message",
    config=idempotency_config,
    persistence_store=persistence,
)
{% endif -%}
def handle_webhook(message: dict[str, Any]) -> dict[str, str]:
    """Acts on one webhook. Replace the log line with your own work."""
    logger.info("webhook handled", extra={"event_id": message["id"], "event_type": message.get("type")})
    metrics.add_metric(name="WebhooksHandled", unit=MetricUnit.Count, value=1)
    return {"id": message["id"], "status": "handled"}


def message_correlation_id(record: SQSRecord) -> str:
    """The correlation id the receiver put on the message, else the message's own id."""
    attribute = record.raw_event.get("messageAttributes", {}).get(CORRELATION_ATTRIBUTE) or {}
    return attribute.get("stringValue") or record.message_id


def work_record(record: SQSRecord) -> dict[str, str]:
    """Handles one queued webhook under the request's correlation id; an exception marks only
    this message as failed."""
    logger.set_correlation_id(message_correlation_id(record))
    logger.append_keys(message_id=record.message_id)
{%- if py.idem %}
    message = parse_webhook(record.body)
    try:
        return handle_webhook(message=message)
    except IdempotencyAlreadyInProgressError:
        # Another invocation is handling a copy of this webhook right now (the sender retried, or
        # SQS delivered twice). That copy stays in the queue until it succeeds and comes back if
        # it fails, so this one is done, not failed: failing it would make a batch of one fail
        # the whole invocation and set off the Errors alarm.
        logger.info("a copy of this webhook is being handled elsewhere: skipped", extra={"event_id": message["id"]})
        return {"id": message["id"], "status": "skipped"}
{%- else %}
    return handle_webhook(message=parse_webhook(record.body))
{%- endif %}


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def work(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Consumes the webhook queue and reports failed messages in batchItemFailures."""
{%- if py.idem %}
    idempotency_config.register_lambda_context(context)
{%- endif %}
    return process_partial_response(event=event, record_handler=work_record, processor=processor, context=context)

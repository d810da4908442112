import json
{% if py.idem -%}
import os
{% endif -%}
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
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
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
{% if plan.fifo.is_some() -%}
# FIFO queues: after the first message that fails, every later message of the batch is reported
# failed too, so none of them is handled ahead of the one it follows.
processor = SqsFifoPartialProcessor()
{%- else -%}
processor = BatchProcessor(event_type=EventType.SQS)
{%- endif %}
{% include "scaffold/python/idempotency.py" %}

def parse_message(body: str) -> dict[str, Any]:
    """The SNS message in an SQS body (raw delivery): a JSON object with string "type" and "id"."""
    message = json.loads(body)
    if not isinstance(message, dict):
        raise ValueError("the message must be a JSON object")
    for field in ("type", "id"):
        if not isinstance(message.get(field), str) or not message[field]:
            raise ValueError(f'the message must have a non-empty string "{field}"')
    return message


@tracer.capture_method
{% if py.idem -%}
@idempotent_function(
    data_keyword_argument="message",
    config=idempotency_config,
    persistence_store=persistence,
)
{% endif -%}
def record_audit(message: dict[str, Any]) -> dict[str, str]:
    """Records one event. Replace the log line with your audit store."""
    logger.info("event audited", extra={"event_type": message["type"], "event_id": message["id"]})
    metrics.add_metric(name="EventsAudited", unit=MetricUnit.Count, value=1)
    return {"id": message["id"], "type": message["type"]}


@tracer.capture_method
{% if py.idem -%}
@idempotent_function(
    data_keyword_argument="message",
    config=idempotency_config,
    persistence_store=persistence,
)
{% endif -%}
def send_notification(message: dict[str, Any]) -> dict[str, str]:
    """Acts on one created event. Replace the log line with your notification."""
    logger.info("notification sent", extra={"event_id": message["id"]})
    metrics.add_metric(name="NotificationsSent", unit=MetricUnit.Count, value=1)
    return {"id": message["id"], "status": "notified"}


def audit_record(record: SQSRecord) -> dict[str, str]:
    """Handles one message of an audit batch; an exception marks only this message as failed."""
    logger.append_keys(message_id=record.message_id)
    return record_audit(message=parse_message(record.body))


def notify_record(record: SQSRecord) -> dict[str, str] | None:
    """Handles one message of a notify batch; an exception marks only this message as failed."""
    logger.append_keys(message_id=record.message_id)
    message = parse_message(record.body)
    if message["type"] != "created":
        # The subscription's filter policy lets only created events through; this is a guard.
        logger.warning("skipped an event that is not created", extra={"event_type": message["type"]})
        return None
    return send_notification(message=message)


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def audit(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Consumes the audit queue and reports failed messages in batchItemFailures."""
{%- if py.idem %}
    idempotency_config.register_lambda_context(context)
{%- endif %}
    return process_partial_response(event=event, record_handler=audit_record, processor=processor, context=context)


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def notify(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Consumes the notify queue (created events only) and reports failed messages."""
{%- if py.idem %}
    idempotency_config.register_lambda_context(context)
{%- endif %}
    return process_partial_response(event=event, record_handler=notify_record, processor=processor, context=context)

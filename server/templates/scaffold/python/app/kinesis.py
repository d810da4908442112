{% if py.idem -%}
import os
{% endif -%}
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
    KinesisStreamRecord,
)
{% include "scaffold/python/imports_idem.py" -%}
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.KinesisDataStreams)
{% include "scaffold/python/idempotency.py" %}

def parse_payload(record: KinesisStreamRecord) -> dict[str, Any]:
    """A record's data: base64 JSON, an object with a non-empty string "id" and a number "amount"."""
    payload = record.kinesis.data_as_json()
    if not isinstance(payload, dict):
        raise ValueError("the record must be a JSON object")
    if not isinstance(payload.get("id"), str) or not payload["id"]:
        raise ValueError('the record must have a non-empty string "id"')
    amount = payload.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        raise ValueError('the record must have a number "amount"')
    return payload


@tracer.capture_method
{% if py.idem -%}
@idempotent_function(
    data_keyword_argument="payload",
    config=idempotency_config,
    persistence_store=persistence,
)
{% endif -%}
def apply_record(payload: dict[str, Any]) -> dict[str, str]:
    """Applies one record. Replace the log line with your own work."""
    logger.info("record applied", extra={"record_id": payload["id"], "amount": payload["amount"]})
    metrics.add_metric(name="RecordsApplied", unit=MetricUnit.Count, value=1)
    return {"id": payload["id"], "status": "applied"}


def consume_record(record: KinesisStreamRecord) -> dict[str, str]:
    """Handles one record; an exception reports its sequence number in batchItemFailures."""
    logger.append_keys(sequence_number=record.kinesis.sequence_number)
    return apply_record(payload=parse_payload(record))


{%- if plan.handlers.len() == 1 %}
@logger.inject_lambda_context(correlation_id_path="Records[0].eventID")
@tracer.capture_lambda_handler
@metrics.log_metrics
def consume(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Consumes a batch of stream records. Lambda retries from the first failed record (records
    of a shard stay in order), bisecting the batch, then sends it to the on-failure destination."""
{%- if py.idem %}
    idempotency_config.register_lambda_context(context)
{%- endif %}
    return process_partial_response(event=event, record_handler=consume_record, processor=processor, context=context)
{%- else %}
def consume_batch(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Consumes a batch of stream records. Lambda retries from the first failed record (records
    of a shard stay in order), bisecting the batch, then sends it to the on-failure destination."""
{%- if py.idem %}
    # Each reader is its own function, so its idempotency keys (prefixed with the function's
    # name) never collide with another reader's for the same record.
    idempotency_config.register_lambda_context(context)
{%- endif %}
    return process_partial_response(event=event, record_handler=consume_record, processor=processor, context=context)
{%- for h in plan.handlers %}


@logger.inject_lambda_context(correlation_id_path="Records[0].eventID")
@tracer.capture_lambda_handler
@metrics.log_metrics
def {{ h.name }}(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """{{ h.purpose }} Replace apply_record's work with this reader's own."""
    return consume_batch(event, context)
{%- endfor %}
{%- endif %}

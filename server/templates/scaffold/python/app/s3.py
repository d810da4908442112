import hashlib
import json
import os
from typing import Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event
{% include "scaffold/python/imports_idem.py" -%}
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
s3 = boto3.client("s3")
OUTPUT_BUCKET = os.environ["OUTPUT_BUCKET"]
{% include "scaffold/python/idempotency.py" %}
INPUT_PREFIX = "incoming/"
OUTPUT_PREFIX = "processed/"


def output_key(key: str) -> str:
    """The result's key in the output bucket: incoming/a/b.csv gives processed/a/b.csv."""
    return OUTPUT_PREFIX + key.removeprefix(INPUT_PREFIX)


def summarize(body: bytes) -> dict[str, Any]:
    """The processing step: replace it with your own. Here, the object's size, lines and checksum."""
    return {
        "bytes": len(body),
        "lines": len(body.splitlines()),
        "sha256": hashlib.sha256(body).hexdigest(),
    }


@tracer.capture_method
{% if py.idem -%}
@idempotent_function(
    data_keyword_argument="source",
    config=idempotency_config,
    persistence_store=persistence,
)
{% endif -%}
def process_object(source: dict[str, str]) -> dict[str, str]:
    """Reads one uploaded object and writes its result to the output bucket; returns where."""
    body = s3.get_object(Bucket=source["bucket"], Key=source["key"])["Body"].read()
    result = {"source": f"s3://{source['bucket']}/{source['key']}", **summarize(body)}
    target = output_key(source["key"])
    s3.put_object(
        Bucket=OUTPUT_BUCKET,
        Key=target,
        Body=json.dumps(result).encode(),
        ContentType="application/json",
    )
    logger.info("object processed", extra={"source_key": source["key"], "output_key": target})
    metrics.add_metric(name="ObjectsProcessed", unit=MetricUnit.Count, value=1)
    return {"bucket": OUTPUT_BUCKET, "key": target}


@logger.inject_lambda_context(correlation_id_path='Records[0].responseElements."x-amz-request-id"')
@tracer.capture_lambda_handler
@metrics.log_metrics
def process(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Handles an S3 notification. An error fails the invocation: Lambda retries it, then sends
    the event to the on-failure destination."""
{%- if py.idem %}
    idempotency_config.register_lambda_context(context)
{%- endif %}
    written = []
    for record in S3Event(event).records:
        # Keys arrive URL-encoded ("a+b.csv" for "a b.csv").
        key = unquote_plus(record.s3.get_object.key)
        if not key.startswith(INPUT_PREFIX):
            logger.warning("skipped an object outside incoming/", extra={"source_key": key})
            continue
        source = {
            "bucket": record.s3.bucket.name,
            "key": key,
            "sequencer": record.s3.get_object.sequencer,
        }
        written.append(process_object(source=source))
    return {"written": written}

import hashlib
import json
import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
{%- if plan.api.is_some() %}
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, UnauthorizedError
from aws_lambda_powertools.logging import correlation_paths
{%- endif %}
from aws_lambda_powertools.metrics import MetricUnit
{% include "scaffold/python/imports_idem.py" -%}
{% if py.idem -%}
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
{%- if plan.api.is_some() %}
    IdempotencyValidationError,
{%- endif %}
)
{% endif -%}
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

logger = Logger()
tracer = Tracer()
metrics = Metrics()
{%- if plan.api.is_some() %}
app = APIGatewayHttpResolver()
{%- endif %}
breaker_table = boto3.resource("dynamodb").Table(os.environ["BREAKER_TABLE"])
{% include "scaffold/python/idempotency.py" %}
DEPENDENCY_URL = os.environ["DEPENDENCY_URL"]
DEPENDENCY_NAME = os.environ.get("DEPENDENCY_NAME", "downstream")
# One call's timeout, well under the function's: a hung dependency is cut off and counted.
CALL_TIMEOUT_S = int(os.environ["CALL_TIMEOUT_MS"]) / 1000
FAILURE_THRESHOLD = int(os.environ["FAILURE_THRESHOLD"])
FAILURE_WINDOW_S = int(os.environ["FAILURE_WINDOW_S"])
OPEN_SECONDS = int(os.environ["OPEN_SECONDS"])
TRIAL_LEASE_S = int(os.environ["TRIAL_LEASE_S"])
MAX_KEY_LENGTH = 200


class BreakerOpenError(Exception):
    """The breaker turned the call away: the dependency was not called."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the circuit breaker is open; retry in {retry_after_s} s")
        self.retry_after_s = max(1, retry_after_s)


class DependencyError(Exception):
    """The dependency failed (a timeout, a refused connection, 5XX or 429): counted by the breaker."""

    def __init__(self, reason: str, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.timed_out = timed_out


@dataclass
class Admission:
    """The breaker let a call through: as a closed breaker's call (`trial_until` 0) or as the one
    trial of a half-open breaker, which holds it until `trial_until`."""

    trial_until: int = 0
    window_start: int | None = None


def now_s() -> int:
    """Seconds since the Unix epoch (the breaker's clock; the tests move it)."""
    return int(time.time())


def _number(item: dict[str, Any], name: str) -> int:
    value = item.get(name)
    return int(value) if isinstance(value, (int, Decimal)) else 0


def _conditional(update: dict[str, Any]) -> dict[str, Any] | None:
    """Runs a conditional update; None when its condition did not hold (another environment
    changed the breaker first, which is not an error)."""
    try:
        return breaker_table.update_item(Key={"dependency": DEPENDENCY_NAME}, **update)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return None
        raise


def admit(now: int) -> Admission:
    """Lets a call through, or raises BreakerOpenError. The read is strongly consistent, so an
    open breaker is never missed; taking the trial is a conditional write, so of the environments
    that find the breaker due for one, only one calls the dependency."""
    item = breaker_table.get_item(Key={"dependency": DEPENDENCY_NAME}, ConsistentRead=True).get("Item") or {}
    state = item.get("state", "closed")
    if state == "closed":
        return Admission(window_start=_number(item, "window_start") if "window_start" in item else None)
    if state == "open":
        open_until = _number(item, "open_until")
        if now < open_until:
            raise BreakerOpenError(open_until - now)
        condition, seen = "#state = :open_state AND open_until = :seen", {":open_state": "open", ":seen": open_until}
    else:
        trial_until = _number(item, "trial_until")
        if now < trial_until:
            raise BreakerOpenError(trial_until - now)
        # The trial's function died before it could record the outcome: take over the trial.
        condition, seen = "#state = :half_open AND trial_until = :seen", {":seen": trial_until}
    until = now + TRIAL_LEASE_S
    taken = _conditional(
        {
            "UpdateExpression": "SET #state = :half_open, trial_until = :until",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": {":half_open": "half_open", ":until": until, **seen},
        }
    )
    if taken is None:
        raise BreakerOpenError(TRIAL_LEASE_S)
    logger.info("breaker half-open: this call is the trial", extra={"breaker_event": "trial"})
    return Admission(trial_until=until)


def record_success(admission: Admission, now: int) -> None:
    """A trial that succeeded closes the breaker; a closed breaker's success writes nothing."""
    if not admission.trial_until:
        return
    closed = _conditional(
        {
            "UpdateExpression": "SET #state = :closed, failures = :zero, window_start = :now REMOVE open_until, trial_until",
            "ConditionExpression": "#state = :half_open AND trial_until = :mine",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": {
                ":closed": "closed",
                ":half_open": "half_open",
                ":zero": 0,
                ":now": now,
                ":mine": admission.trial_until,
            },
        }
    )
    if closed is not None:
        logger.info("breaker closed: the trial call succeeded", extra={"breaker_event": "closed"})


def _open(condition: str, values: dict[str, Any], now: int) -> bool:
    opened = _conditional(
        {
            "UpdateExpression": "SET #state = :open_state, open_until = :until, failures = :zero REMOVE trial_until",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": {":open_state": "open", ":until": now + OPEN_SECONDS, ":zero": 0, **values},
        }
    )
    if opened is not None:
        logger.warning(
            "breaker opened: calls are turned away until the trial",
            extra={"breaker_event": "opened", "open_seconds": OPEN_SECONDS},
        )
    return opened is not None


def record_failure(admission: Admission, now: int) -> bool:
    """Counts a failure; returns whether this failure opened the breaker. A failed trial opens it
    again; otherwise the failure is counted in the current window (a new window starts at one),
    and the count reaching FAILURE_THRESHOLD opens it. Counts are atomic increments, so
    concurrent failures never overwrite each other."""
    if admission.trial_until:
        return _open("#state = :half_open AND trial_until = :mine", {":half_open": "half_open", ":mine": admission.trial_until}, now)
    names = {"#state": "state"}
    if admission.window_start is not None and now < admission.window_start + FAILURE_WINDOW_S:
        counted = _conditional(
            {
                "UpdateExpression": "ADD failures :one",
                "ConditionExpression": "#state = :closed AND window_start = :window",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": {":one": 1, ":closed": "closed", ":window": admission.window_start},
                "ReturnValues": "ALL_NEW",
            }
        )
    elif admission.window_start is not None:
        counted = _conditional(
            {
                "UpdateExpression": "SET failures = :one, window_start = :now",
                "ConditionExpression": "#state = :closed AND window_start = :window",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": {":one": 1, ":closed": "closed", ":now": now, ":window": admission.window_start},
                "ReturnValues": "ALL_NEW",
            }
        )
    else:
        counted = _conditional(
            {
                "UpdateExpression": "SET #state = :closed, failures = :one, window_start = :now",
                "ConditionExpression": "attribute_not_exists(dependency) OR (#state = :closed AND attribute_not_exists(window_start))",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": {":one": 1, ":closed": "closed", ":now": now},
                "ReturnValues": "ALL_NEW",
            }
        )
    if counted is None or _number(counted["Attributes"], "failures") < FAILURE_THRESHOLD:
        return False
    return _open("#state = :closed AND failures >= :threshold", {":closed": "closed", ":threshold": FAILURE_THRESHOLD}, now)


def send(payload: dict[str, Any], key: str) -> tuple[int, Any]:
    """POSTs the payload to DEPENDENCY_URL with `key` as its Idempotency-Key header, waiting at
    most CALL_TIMEOUT_S. Returns (status, body) for a 2XX or 4XX answer; raises DependencyError
    for a timeout, a refused connection, a 5XX or a 429."""
    request = urllib.request.Request(
        DEPENDENCY_URL,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"content-type": "application/json", "idempotency-key": key, "x-correlation-id": logger.get_correlation_id() or ""},
    )
    deadline = time.monotonic() + CALL_TIMEOUT_S
    try:
        with urllib.request.urlopen(request, timeout=CALL_TIMEOUT_S) as answer:  # noqa: S310 (an https URL, checked by the template)
            return answer.status, _body(read_within(answer, deadline))
    except urllib.error.HTTPError as error:
        if error.code >= 500 or error.code == 429:
            raise DependencyError(f"the dependency answered {error.code}") from None
        return error.code, _body(error.read())
    except (TimeoutError, socket.timeout):
        raise DependencyError(f"no answer within {CALL_TIMEOUT_S} s", timed_out=True) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, (TimeoutError, socket.timeout)):
            raise DependencyError(f"no answer within {CALL_TIMEOUT_S} s", timed_out=True) from None
        raise DependencyError(f"the dependency is unreachable: {error.reason}") from None


def read_within(answer: Any, deadline: float) -> bytes:
    """The answer's body, given up on at the deadline: urllib's timeout bounds each socket read,
    not the whole call, so a dependency that trickles its answer would otherwise hold the
    function far past CALL_TIMEOUT_S. `read1` returns after one read of the socket."""
    chunks = []
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError
        chunk = answer.read1(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _body(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return raw.decode(errors="replace")


@tracer.capture_method
def call_through_breaker(payload: dict[str, Any], key: str) -> dict[str, Any]:
    """Calls the dependency if the breaker lets the call through, and records the outcome.
    Raises BreakerOpenError (not called) or DependencyError (called, failed)."""
    now = now_s()
    admission = admit(now)
    try:
        status, body = send(payload, key)
    except DependencyError as error:
        metrics.add_metric(name="DependencyTimeouts" if error.timed_out else "DependencyFailures", unit=MetricUnit.Count, value=1)
        record_failure(admission, now_s())
        raise
    record_success(admission, now_s())
    return {"status": status, "body": body}


def dependency_key(*parts: str) -> str:
    """The Idempotency-Key the dependency gets: a hash, so nothing about the caller leaves the
    account, and the same for every retry of one request."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@tracer.capture_method
{% if py.idem -%}
@idempotent_function(
    data_keyword_argument="request",
    config=idempotency_config,
    persistence_store=persistence,
)
{% endif -%}
def call_once(request: dict[str, Any]) -> dict[str, Any]:
    """One request's call.{% if py.idem %} Its key is recorded: a repeat gets the first answer back, and a call
    that raised (turned away, or failed) is forgotten, so its retry calls again, with the same
    Idempotency-Key for the dependency.{% endif %}"""
{%- if plan.api.is_some() %}
    return call_through_breaker(request["payload"], dependency_key(request["caller"], request["key"]))
{%- else %}
    return call_through_breaker(request["payload"], dependency_key(request["id"]))
{%- endif %}
{%- if plan.api.is_some() %}


def caller_identity() -> str:
    """Who is calling: {% if py.iam_auth %}the IAM principal that signed the request (its ARN){% else %}the `sub` claim of the JWT the authorizer checked{% endif %}."""
    authorizer = app.current_event.request_context.authorizer
{%- if py.iam_auth %}
    caller = authorizer.iam.user_arn
{%- else %}
    caller = authorizer.jwt_claim.get("sub")
{%- endif %}
    if not isinstance(caller, str) or not caller:
        raise UnauthorizedError("the request has no caller identity")
    return caller


def parse_request() -> tuple[str, dict[str, Any]]:
    """The Idempotency-Key header and the JSON object body of POST /calls, or BadRequestError."""
    key = (app.current_event.headers.get("idempotency-key") or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadRequestError(
            f"the Idempotency-Key header is required: a new unique value for each request, sent again unchanged when retrying, at most {MAX_KEY_LENGTH} characters"
        )
    try:
        payload = json.loads(app.current_event.decoded_body or "")
    except ValueError:
        raise BadRequestError("the body must be a JSON object") from None
    if not isinstance(payload, dict):
        raise BadRequestError("the body must be a JSON object")
    return key, payload


def problem(status: int, message: str, retry_after_s: int | None = None) -> Response:
    headers = {"Retry-After": str(retry_after_s)} if retry_after_s else {}
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, headers=headers, body={"message": message})


@app.post("/calls")
@tracer.capture_method
def post_call() -> Response:
    """POST /calls: forwards the body to the dependency. 200 with its answer; 422 when it refuses
    the request (a 4XX); 503 with Retry-After while the breaker is open; 504 or 502 when the call
    times out or fails. Retrying with the same Idempotency-Key is always safe."""
    caller = caller_identity()
    key, payload = parse_request()
    try:
        result = call_once(request={"caller": caller, "key": key, "payload": payload})
    except BreakerOpenError as error:
        logger.info("call turned away: the breaker is open", extra={"breaker_event": "rejected"})
        return problem(503, "the dependency is failing and calls are paused; retry after Retry-After seconds with the same Idempotency-Key", error.retry_after_s)
    except DependencyError as error:
        return problem(504 if error.timed_out else 502, f"the dependency failed: {error}; retry with the same Idempotency-Key")
{%- if py.idem %}
    except IdempotencyValidationError:
        return problem(422, "this Idempotency-Key was already used with a different body")
    except IdempotencyAlreadyInProgressError:
        return problem(409, "a request with this Idempotency-Key is still being processed", 2)
{%- endif %}
    status = 200 if result["status"] < 400 else 422
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body={"dependencyStatus": result["status"], "answer": result["body"]})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def call(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The HTTP API's handler: POST /calls through the circuit breaker."""
{%- if py.idem %}
    idempotency_config.register_lambda_context(context)
{%- endif %}
    return app.resolve(event, context)
{%- else %}


# The SQS message attribute that carries the sender's correlation id.
CORRELATION_ATTRIBUTE = "correlation_id"


def parse_message(body: str) -> dict[str, Any]:
    """A queued request: {"id": "...", "payload": {...}}; the id is the idempotency key."""
    message = json.loads(body)
    if not isinstance(message, dict) or not isinstance(message.get("id"), str) or not message["id"].strip():
        raise ValueError('a message must be a JSON object with a non-empty string "id"')
    if not isinstance(message.get("payload"), dict):
        raise ValueError('a message must carry a JSON object "payload"')
    return {"id": message["id"], "payload": message["payload"]}


def handle_record(record: dict[str, Any]) -> None:
    """Calls the dependency for one message; raises so the message is retried."""
    attribute = record.get("messageAttributes", {}).get(CORRELATION_ATTRIBUTE) or {}
    logger.set_correlation_id(attribute.get("stringValue") or record["messageId"])
    logger.append_keys(message_id=record["messageId"])
    result = call_once(request=parse_message(record["body"]))
    logger.info("the dependency answered", extra={"dependency_status": result["status"]})
    if result["status"] >= 400:
        # Refused for good (a 4XX): retrying the same request cannot help.
        logger.warning("the dependency refused the request", extra={"dependency_status": result["status"]})
        metrics.add_metric(name="DependencyRefusals", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def call(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Consumes the queue. While the breaker is open the rest of the batch is left on the queue
    uncalled (reported as failures, back after the visibility timeout); a message that failed
    otherwise is retried until the redrive policy moves it to the dead-letter queue."""
{%- if py.idem %}
    idempotency_config.register_lambda_context(context)
{%- endif %}
    failed: list[str] = []
    paused = False
    for record in event["Records"]:
        if paused:
            failed.append(record["messageId"])
            continue
        try:
            handle_record(record)
        except BreakerOpenError as error:
            paused = True
            failed.append(record["messageId"])
            logger.info(
                "breaker open: leaving messages on the queue",
                extra={"breaker_event": "rejected", "retry_after_s": error.retry_after_s},
            )
{%- if py.idem %}
        except IdempotencyAlreadyInProgressError:
            failed.append(record["messageId"])
            logger.info("a copy of this message is being processed; it comes back later")
{%- endif %}
        except Exception:
            logger.exception("message failed; SQS will retry it")
            failed.append(record["messageId"])
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
{%- endif %}

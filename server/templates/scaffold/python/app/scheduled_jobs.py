import os
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
{% if py.job_secret -%}
from aws_lambda_powertools.utilities import parameters
{% endif -%}
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

logger = Logger()
tracer = Tracer()
metrics = Metrics()
dynamodb = boto3.client("dynamodb")
RUNS_TABLE = os.environ["RUNS_TABLE"]
# How long a finished run's record is kept: longer than Scheduler can still deliver that run late.
RUN_RECORD_TTL_SECONDS = int(os.environ["RUN_RECORD_TTL_SECONDS"])
# A few seconds past the invocation's deadline, for clock skew between Lambda and DynamoDB.
LOCK_MARGIN_SECONDS = 5
{%- if py.job_secret %}
# The credentials of the systems the job calls (template.yaml, JobSecret), cached for 5 minutes.
JOB_SECRET_ARN = os.environ["JOB_SECRET_ARN"]
SECRET_MAX_AGE_SECONDS = 300
{%- endif %}


@dataclass(frozen=True)
class Slot:
    """One scheduled run: the schedule that fired and the time it was scheduled for."""

    schedule: str
    scheduled_time: str
    attempt: int

    @property
    def run_id(self) -> str:
        """The run's record in the runs table: one per schedule and scheduled time."""
        return f"run#{self.schedule}#{self.scheduled_time}"

    @property
    def lock_id(self) -> str:
        """The schedule's lock: one per schedule, whatever the time."""
        return f"lock#{self.schedule}"


def parse_slot(event: dict[str, Any]) -> Slot:
    """The slot of an invocation, from the input the schedule sends (template.yaml, JobSchedule)."""
    schedule = event.get("schedule_arn")
    scheduled_time = event.get("scheduled_time")
    if not isinstance(schedule, str) or not schedule:
        raise ValueError('the event must carry a non-empty string "schedule_arn"')
    if not isinstance(scheduled_time, str):
        raise ValueError('the event must carry a string "scheduled_time"')
    try:
        datetime.fromisoformat(scheduled_time)
    except ValueError as e:
        raise ValueError(f'"scheduled_time" is not an ISO 8601 time: {scheduled_time!r}') from e
    attempt = event.get("attempt", "1")
    return Slot(schedule, scheduled_time, int(attempt) if str(attempt).isdigit() else 1)


class RunLedger:
    """The runs table: a record per finished slot, and a lock per schedule that expires at the
    running invocation's deadline. Every write is conditional, so two invocations cannot both
    take the lock."""

    def __init__(self, client: Any, table: str, ttl_s: int) -> None:
        self.client = client
        self.table = table
        self.ttl_s = ttl_s

    def done(self, slot: Slot) -> bool:
        """Whether the slot already ran to the end."""
        item = self.client.get_item(
            TableName=self.table, Key={"id": {"S": slot.run_id}}, ConsistentRead=True
        ).get("Item")
        return item is not None and item.get("status", {}).get("S") == "COMPLETED"

    def lock(self, slot: Slot, now: int, until: int) -> bool:
        """Takes the schedule's lock until `until` (epoch seconds); False while another run holds it."""
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "id": {"S": slot.lock_id},
                    "owner": {"S": slot.run_id},
                    "lease_until": {"N": str(until)},
                    "expiration": {"N": str(until + self.ttl_s)},
                },
                ConditionExpression="attribute_not_exists(id) OR lease_until < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except ClientError as e:
            if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def holder(self, slot: Slot) -> str | None:
        """The run that holds the schedule's lock, if any."""
        item = self.client.get_item(
            TableName=self.table, Key={"id": {"S": slot.lock_id}}, ConsistentRead=True
        ).get("Item")
        return item["owner"]["S"] if item else None

    def complete(self, slot: Slot, now: int, result: dict[str, Any]) -> None:
        """Records the slot as done, so a late duplicate of it does nothing."""
        self.client.put_item(
            TableName=self.table,
            Item={
                "id": {"S": slot.run_id},
                "status": {"S": "COMPLETED"},
                "finished_at": {"N": str(now)},
                "summary": {"S": str(result)},
                "expiration": {"N": str(now + self.ttl_s)},
            },
        )

    def unlock(self, slot: Slot) -> None:
        """Releases the lock if this slot still holds it."""
        try:
            self.client.delete_item(
                TableName=self.table,
                Key={"id": {"S": slot.lock_id}},
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": {"S": slot.run_id}},
            )
        except ClientError as e:
            if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            logger.warning("the lock was no longer ours", extra={"run_id": slot.run_id})


{%- if py.job_secret %}
def job_secret() -> str:
    """The job's credentials, read from Secrets Manager at run time (so a rotation needs no
    deploy) and never logged."""
    value = parameters.get_secret(JOB_SECRET_ARN, max_age=SECRET_MAX_AGE_SECONDS)
    if not isinstance(value, str) or not value:
        raise ValueError("the job secret is empty")
    return value


@tracer.capture_method
def do_job(slot: Slot, secret: str) -> dict[str, Any]:
    """The job itself: replace the body with your own work (a sync, a report, a clean-up),
    authenticating with `secret`. It must finish before the function's timeout; raise to have
    Lambda retry the slot."""
    logger.info(
        "job ran",
        extra={"scheduled_time": slot.scheduled_time, "attempt": slot.attempt, "has_credentials": bool(secret)},
    )
    return {"scheduled_time": slot.scheduled_time}
{%- else %}
@tracer.capture_method
def do_job(slot: Slot) -> dict[str, Any]:
    """The job itself: replace the body with your own work (a sync, a report, a clean-up). It
    must finish before the function's timeout; raise to have Lambda retry the slot."""
    logger.info("job ran", extra={"scheduled_time": slot.scheduled_time, "attempt": slot.attempt})
    return {"scheduled_time": slot.scheduled_time}
{%- endif %}


def run_slot(ledger: RunLedger, slot: Slot, now: int, deadline: int) -> dict[str, Any]:
    """Runs a slot once: a finished slot is a duplicate, a held lock means the previous run is
    still going. A failure releases the lock and records nothing, so Lambda's retry runs again."""
    if ledger.done(slot):
        logger.info("duplicate delivery: the slot already ran", extra={"run_id": slot.run_id})
        metrics.add_metric(name="RunsDuplicate", unit=MetricUnit.Count, value=1)
        return {"status": "duplicate", "scheduled_time": slot.scheduled_time}
    if not ledger.lock(slot, now, deadline + LOCK_MARGIN_SECONDS):
        if ledger.holder(slot) == slot.run_id:
            # A second delivery of this very slot while its first is still going: not an overlap.
            logger.info("duplicate delivery: the slot is running", extra={"run_id": slot.run_id})
            metrics.add_metric(name="RunsDuplicate", unit=MetricUnit.Count, value=1)
            return {"status": "running", "scheduled_time": slot.scheduled_time}
        logger.warning("skipped: the previous run still holds the lock", extra={"run_id": slot.run_id})
        metrics.add_metric(name="RunsSkipped", unit=MetricUnit.Count, value=1)
        return {"status": "skipped", "scheduled_time": slot.scheduled_time}
    try:
        result = do_job(slot{% if py.job_secret %}, job_secret(){% endif %})
        ledger.complete(slot, int(time.time()), result)
    finally:
        ledger.unlock(slot)
    metrics.add_metric(name="RunsCompleted", unit=MetricUnit.Count, value=1)
    return {"status": "completed", "scheduled_time": slot.scheduled_time, "result": result}


@logger.inject_lambda_context(correlation_id_path="execution_id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def run(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Starts the job for the slot EventBridge Scheduler delivers. An error fails the invocation:
    Lambda retries it, then sends it to the failed-runs queue."""
    slot = parse_slot(event)
    now = int(time.time())
    deadline = now + context.get_remaining_time_in_millis() // 1000 + 1
    return run_slot(RunLedger(dynamodb, RUNS_TABLE, RUN_RECORD_TTL_SECONDS), slot, now, deadline)

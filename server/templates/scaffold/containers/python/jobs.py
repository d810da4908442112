"""The work itself, and the record that keeps a job from running twice.

`process` is where your job goes: the starter's version checks the job, works through it in
steps (stopping between steps when the task is asked to stop){% if self.table() %} and records the result in the
DynamoDB table TABLE_NAME{% endif %}. Replace its body with your work, keeping the `stop` checks.
{%- if self.idem() %}

Duplicates hurt here, so every job records its id in the idempotency table first
(`JobRecords`): a job already finished is skipped, a job another task is running is left alone,
and a job that failed or was interrupted is released so it can run again.
{%- endif %}
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from app import correlation_id, log


class Interrupted(Exception):
    """The task is stopping: the job is handed back, to run again elsewhere."""


class InvalidJob(ValueError):
    """The job can never succeed as sent (it goes to the dead-letter queue)."""


def process(job: dict[str, Any], stop: threading.Event{% if self.table() %}, table: Any = None{% endif %}) -> dict[str, Any]:
    """Runs one job and returns its result."""
    job_id = job.get("id")
    if not isinstance(job_id, str) or not job_id:
        raise InvalidJob("a job needs an `id` string")
    steps = job.get("steps", 3)
    if not isinstance(steps, int) or not 0 < steps <= 1000:
        raise InvalidJob("`steps` must be an integer from 1 to 1000")
    for step in range(steps):
        if stop.is_set():
            raise Interrupted(f"stopped before step {step + 1} of {steps}")
        # Your work goes here, one resumable step at a time.
        log.debug("step", extra={"fields": {"step": step + 1, "of": steps}})
    result = {"id": job_id, "status": "done", "steps": steps, "finished_at": int(time.time())}
{%- if self.table() %}
    if table is not None:
        table.put_item(Item=result)
{%- endif %}
    return result
{%- if self.idem() %}


class JobRecords:
    """One record per job id in the idempotency table: IN_PROGRESS while a task holds it (until
    its lease ends), COMPLETED after; both expire after IDEMPOTENCY_TTL_S ({{ self.idem_ttl_s() }} s)."""

    def __init__(self, table: Any, ttl_s: int) -> None:
        self._table = table
        self._ttl_s = ttl_s

    def start(self, job_id: str, lease_s: int) -> str:
        """`run` when this task may run the job, `done` when it already ran, `busy` when another
        task holds it."""
        now = int(time.time())
        try:
            self._table.put_item(
                Item={"id": job_id, "status": "IN_PROGRESS", "lease_until": now + lease_s, "expiration": now + self._ttl_s},
                ConditionExpression="attribute_not_exists(id) OR (#s = :running AND lease_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":running": "IN_PROGRESS", ":now": now},
            )
            return "run"
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            item = self._table.get_item(Key={"id": job_id}, ConsistentRead=True).get("Item") or {}
            return "done" if item.get("status") == "COMPLETED" else "busy"

    def extend(self, job_id: str, lease_s: int) -> None:
        self._table.update_item(
            Key={"id": job_id},
            UpdateExpression="SET lease_until = :until",
            ExpressionAttributeValues={":until": int(time.time()) + lease_s},
        )

    def finish(self, job_id: str) -> None:
        self._table.update_item(
            Key={"id": job_id},
            UpdateExpression="SET #s = :done",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":done": "COMPLETED"},
        )

    def release(self, job_id: str) -> None:
        self._table.delete_item(Key={"id": job_id})


def job_records() -> JobRecords:
    import boto3

    table = boto3.resource("dynamodb").Table(os.environ["IDEMPOTENCY_TABLE"])
    return JobRecords(table, int(os.environ.get("IDEMPOTENCY_TTL_S", "{{ self.idem_ttl_s() }}")))
{%- endif %}
{%- if self.table() %}


def data_table() -> Any:
    import boto3

    return boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
{%- endif %}
{%- if self.scheduled() %}


def run_scheduled(run_id: str, stop: threading.Event{% if self.idem() %}, records: JobRecords | None = None{% endif %}{% if self.table() %}, table: Any = None{% endif %}) -> bool:
    """One scheduled run. The run id is the scheduled time, so a start Scheduler retries is the
    same run{% if self.idem() %} and is skipped once it has finished{% endif %}. Returns whether it succeeded."""
    correlation_id.set(f"run-{run_id}")
{%- if self.idem() %}
    records = records or job_records()
    state = records.start(f"run-{run_id}", lease_s={{ self.job_s() }})
    if state != "run":
        log.info("run skipped", extra={"fields": {"run_id": run_id, "state": state}})
        return True
{%- endif %}
    try:
        result = process({"id": f"run-{run_id}"}, stop{% if self.table() %}, table if table is not None else data_table(){% endif %})
    except Exception:
        log.exception("run failed", extra={"fields": {"run_id": run_id}})
{%- if self.idem() %}
        records.release(f"run-{run_id}")
{%- endif %}
        return False
{%- if self.idem() %}
    records.finish(f"run-{run_id}")
{%- endif %}
    log.info("run finished", extra={"fields": {"run_id": run_id, "status": result["status"]}})
    return True
{%- endif %}

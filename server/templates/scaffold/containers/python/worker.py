"""The queue worker: takes one job at a time from QUEUE_URL with long polling, runs it, and
deletes the message only after the job succeeded.

- While a job runs, a heartbeat extends the message's visibility (VISIBILITY_TIMEOUT_S,
  {{ self.visibility_s() }} s) every half of it, so no other task takes a job that is still running.
- A failed job's message comes back after a short backoff; after the queue's maxReceiveCount it
  moves to the dead-letter queue. A job that can never succeed (`InvalidJob`) goes there at once.
- On SIGTERM the worker takes no new job. Fargate allows 120 s before it kills the task; a job
  that stops early (`Interrupted`) is handed back at once (visibility 0) for another task.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from app import correlation_id, log
from app.jobs import Interrupted, InvalidJob, process{% if self.idem() %}, JobRecords, job_records{% endif %}{% if self.table() %}, data_table{% endif %}


class Worker:
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        visibility_s: int,
        stop: threading.Event,
{%- if self.idem() %}
        records: JobRecords,
{%- endif %}
{%- if self.table() %}
        table: Any = None,
{%- endif %}
        wait_s: int = 20,
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.visibility_s = visibility_s
        self.stop = stop
{%- if self.idem() %}
        self.records = records
{%- endif %}
{%- if self.table() %}
        self.table = table
{%- endif %}
        self.wait_s = wait_s

    @classmethod
    def from_env(cls, stop: threading.Event) -> Worker:
        import boto3

        return cls(
            boto3.client("sqs"),
            os.environ["QUEUE_URL"],
            int(os.environ.get("VISIBILITY_TIMEOUT_S", "{{ self.visibility_s() }}")),
            stop,
{%- if self.idem() %}
            job_records(),
{%- endif %}
{%- if self.table() %}
            data_table(),
{%- endif %}
        )

    def run(self) -> None:
        log.info("worker started")
        while not self.stop.is_set():
            self.poll_once()
        log.info("worker stopped")

    def poll_once(self) -> int:
        """Receives at most one message and handles it; returns how many were received."""
        reply = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=1,
            WaitTimeSeconds=self.wait_s,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
            MessageAttributeNames=["correlation_id"],
        )
        messages = reply.get("Messages", [])
        for message in messages:
            self.handle(message)
        return len(messages)

    def _visibility(self, message: dict[str, Any], seconds: int) -> None:
        self.sqs.change_message_visibility(
            QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=seconds
        )

    def _delete(self, message: dict[str, Any]) -> None:
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def handle(self, message: dict[str, Any]) -> None:
        attrs = message.get("MessageAttributes") or {}
        cid = (attrs.get("correlation_id") or {}).get("StringValue") or message["MessageId"]
        correlation_id.set(cid)
        receives = int((message.get("Attributes") or {}).get("ApproximateReceiveCount", "1"))
        try:
            job = json.loads(message["Body"])
            if not isinstance(job, dict):
                raise InvalidJob("the message body must be a JSON object")
        except ValueError:
            log.error("invalid job: not JSON", extra={"fields": {"message_id": message["MessageId"]}})
            return self._visibility(message, 0)
        job_id = str(job.get("id") or message["MessageId"])
        job.setdefault("id", job_id)
{%- if self.idem() %}
        state = self.records.start(job_id, lease_s=self.visibility_s)
        if state == "done":
            log.info("duplicate of a finished job: dropped", extra={"fields": {"job_id": job_id}})
            return self._delete(message)
        if state == "busy":
            log.info("job running elsewhere: left for later", extra={"fields": {"job_id": job_id}})
            return None
{%- endif %}
        finished = threading.Event()
        heartbeat = threading.Thread(target=self._heartbeat, args=(message, job_id, finished), daemon=True)
        heartbeat.start()
        try:
            log.info("job started", extra={"fields": {"job_id": job_id, "receive": receives}})
            result = process(job, self.stop{% if self.table() %}, self.table{% endif %})
        except Interrupted:
            finished.set()
{%- if self.idem() %}
            self.records.release(job_id)
{%- endif %}
            log.warning("job interrupted: handed back", extra={"fields": {"job_id": job_id}})
            return self._visibility(message, 0)
        except Exception as err:
            finished.set()
{%- if self.idem() %}
            self.records.release(job_id)
{%- endif %}
            log.exception("job failed", extra={"fields": {"job_id": job_id, "receive": receives}})
            # An invalid job fails the same way every time: let it reach the dead-letter queue now.
            return self._visibility(message, 0 if isinstance(err, InvalidJob) else min(60 * receives, 900))
        finished.set()
{%- if self.idem() %}
        self.records.finish(job_id)
{%- endif %}
        self._delete(message)
        log.info("job finished", extra={"fields": {"job_id": job_id, "status": result["status"]}})
        return None

    def _heartbeat(self, message: dict[str, Any], job_id: str, finished: threading.Event) -> None:
        while not finished.wait(self.visibility_s / 2):
            try:
                self._visibility(message, self.visibility_s)
{%- if self.idem() %}
                self.records.extend(job_id, self.visibility_s)
{%- endif %}
            except Exception:
                log.exception("could not extend the job's visibility", extra={"fields": {"job_id": job_id}})

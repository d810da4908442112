"""{{ self.plan().workload }}: the app's package. Logging lives here: every line is one JSON object
with the level, the message, the service name and the correlation id of the request or job being
handled, so one request or job can be followed through the logs."""

from __future__ import annotations

import contextvars
import json
import logging
import os
import time

SERVICE = os.environ.get("APP_NAME", "{{ self.plan().project }}")
correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="-")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; `extra={"fields": {...}}` adds keys."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "service": SERVICE,
            "correlation_id": correlation_id.get(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def setup_logging() -> None:
    """Sends JSON lines to stdout (the awslogs driver ships them) at LOG_LEVEL (INFO)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    # The SDK's own debug lines would carry request payloads.
    logging.getLogger("botocore").setLevel(logging.WARNING)


log = logging.getLogger("app")

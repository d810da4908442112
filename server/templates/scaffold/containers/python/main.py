"""Entry point: `python -m app MODE`, where MODE is {% for m in self.p.modes() %}{% if !loop.first %}, {% endif %}`{{ m }}`{% endfor %}.
{%- if self.service() %}

- `serve`: the HTTP service on PORT ({{ self.port() }}), until SIGTERM.
{%- endif %}
{%- if self.worker() %}
- `worker`: takes jobs from QUEUE_URL one at a time, until SIGTERM.
{%- endif %}
{%- if self.scheduled() %}
- `job RUN_ID`: one scheduled run (EventBridge Scheduler passes its scheduled time as RUN_ID).
{%- endif %}
"""

from __future__ import annotations

import signal
import sys
import threading

from app import log, setup_logging


def main(argv: list[str]) -> int:
    setup_logging()
    mode = argv[0] if argv else "{{ self.default_mode() }}"
    stop = threading.Event()

    def on_sigterm(signum: int, _frame: object) -> None:
        # ECS sends SIGTERM, then SIGKILL after the task's stopTimeout.
        log.info("stopping", extra={"fields": {"signal": signum}})
        stop.set()

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, on_sigterm)
{%- if self.service() %}
    if mode == "serve":
        from app.server import serve

        serve(stop)
        return 0
{%- endif %}
{%- if self.worker() %}
    if mode == "worker":
        from app.worker import Worker

        Worker.from_env(stop).run()
        return 0
{%- endif %}
{%- if self.scheduled() %}
    if mode == "job":
        from app.jobs import run_scheduled

        if len(argv) < 2:
            log.error("usage: python -m app job RUN_ID")
            return 2
        return 0 if run_scheduled(argv[1], stop) else 1
{%- endif %}
    log.error("unknown mode", extra={"fields": {"mode": mode}})
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

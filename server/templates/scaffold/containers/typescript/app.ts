// Entry point: `node dist/app.js MODE`, where MODE is {% for m in self.p.modes() %}{% if !loop.first %}, {% endif %}`{{ m }}`{% endfor %}.
{%- if self.service() %}
// - serve: the HTTP service on PORT ({{ self.port() }}), until SIGTERM.
{%- endif %}
{%- if self.worker() %}
// - worker: takes jobs from QUEUE_URL one at a time, until SIGTERM.
{%- endif %}
{%- if self.scheduled() %}
// - job RUN_ID: one scheduled run (EventBridge Scheduler passes its scheduled time as RUN_ID).
{%- endif %}
import { argv, env, exit } from "node:process";

import { log } from "./log";
{%- if self.service() %}
import { DynamoStore, serve } from "./server";
{%- endif %}
{%- if self.worker() %}
import { SqsQueue, Worker } from "./worker";
{%- endif %}
{%- if self.worker() || self.scheduled() %}
import { {% if self.idem() %}DynamoJobRecords, {% endif %}{% if self.table() %}DynamoResults, {% endif %}{% if self.scheduled() %}runScheduled{% endif %} } from "./jobs";
{%- endif %}

export async function main(args: string[]): Promise<number> {
  const mode = args[0] ?? "{{ self.default_mode() }}";
  const stop = new AbortController();
  const onSignal = (signal: string) => {
    // ECS sends SIGTERM, then SIGKILL after the task's stopTimeout.
    log.info("stopping", { signal });
    stop.abort();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
{%- if self.service() %}
  if (mode === "serve") {
    await serve(Number(env.PORT ?? "{{ self.port() }}"), stop.signal{% if self.table() %}, new DynamoStore(required("TABLE_NAME")){% endif %});
    return 0;
  }
{%- endif %}
{%- if self.worker() %}
  if (mode === "worker") {
    const worker = new Worker(
      new SqsQueue(required("QUEUE_URL")),
      Number(env.VISIBILITY_TIMEOUT_S ?? "{{ self.visibility_s() }}"),
      stop.signal,
{%- if self.idem() %}
      new DynamoJobRecords(required("IDEMPOTENCY_TABLE"), Number(env.IDEMPOTENCY_TTL_S ?? "{{ self.idem_ttl_s() }}")),
{%- endif %}
{%- if self.table() %}
      new DynamoResults(required("TABLE_NAME")),
{%- endif %}
    );
    await worker.run();
    return 0;
  }
{%- endif %}
{%- if self.scheduled() %}
  if (mode === "job") {
    const runId = args[1];
    if (!runId) {
      log.error("usage: node dist/app.js job RUN_ID");
      return 2;
    }
    const ok = await runScheduled(runId, stop.signal, {
{%- if self.idem() %}
      records: new DynamoJobRecords(required("IDEMPOTENCY_TABLE"), Number(env.IDEMPOTENCY_TTL_S ?? "{{ self.idem_ttl_s() }}")),
{%- endif %}
{%- if self.table() %}
      results: new DynamoResults(required("TABLE_NAME")),
{%- endif %}
    });
    return ok ? 0 : 1;
  }
{%- endif %}
  log.error("unknown mode", { mode });
  return 2;
}

function required(name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

if (require.main === module) {
  main(argv.slice(2)).then(
    (code) => exit(code),
    (err: unknown) => {
      log.error("fatal", { error: String(err) });
      exit(1);
    },
  );
}

// JSON logs: one object per line with the level, the message, the service name and the
// correlation id of the request or job being handled (kept per async context), so one request
// or job can be followed through the logs.
import { AsyncLocalStorage } from "node:async_hooks";
import { env } from "node:process";

const LEVELS = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40 } as const;
type Level = keyof typeof LEVELS;

const context = new AsyncLocalStorage<string>();
const service = env.APP_NAME ?? "{{ self.plan().project }}";
const threshold = LEVELS[(env.LOG_LEVEL ?? "INFO").toUpperCase() as Level] ?? LEVELS.INFO;

/** Runs `fn` with `id` as the correlation id of every line it logs. */
export function withCorrelationId<T>(id: string, fn: () => T): T {
  return context.run(id.slice(0, 200), fn);
}

export function correlationId(): string {
  return context.getStore() ?? "-";
}

function write(level: Level, message: string, fields?: Record<string, unknown>): void {
  if (LEVELS[level] < threshold) return;
  const line = {
    time: new Date().toISOString(),
    level,
    message,
    service,
    correlation_id: correlationId(),
    ...fields,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export const log = {
  debug: (m: string, f?: Record<string, unknown>) => write("DEBUG", m, f),
  info: (m: string, f?: Record<string, unknown>) => write("INFO", m, f),
  warn: (m: string, f?: Record<string, unknown>) => write("WARNING", m, f),
  error: (m: string, f?: Record<string, unknown>) => write("ERROR", m, f),
};

export function errorFields(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { error: err.message, stack: err.stack } : { error: String(err) };
}

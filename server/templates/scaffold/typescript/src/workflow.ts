/**
 * The execution input, passed from task to task. Each task returns it with its own fields
 * added, so the state machine can pass it through unchanged.
 */
export interface WorkflowInput {
  id: string;
  [field: string]: unknown;
}

/** Bad input. Step Functions sees the error name `ValidationError`; retrying cannot fix it. */
export class ValidationError extends Error {
  override name = "ValidationError";
}

/** The work failed. Step Functions sees the error name `ProcessingError`, which it may retry. */
export class ProcessingError extends Error {
  override name = "ProcessingError";
}

/** Checks the input of an execution: a JSON object with a non-empty string `id`. */
export function validateInput(input: unknown): WorkflowInput {
  if (!isObject(input)) throw new ValidationError("the input must be a JSON object");
  if (typeof input.id !== "string" || input.id.trim() === "") {
    throw new ValidationError('the input must have a non-empty string "id"');
  }
  return { ...input, id: input.id };
}

/** The work of the `process` step; the default does nothing. Replace it with your own. */
export type Work = (input: WorkflowInput) => Promise<Record<string, unknown>>;

/** The default work: returns nothing to add. */
export const noWork: Work = async () => ({});
{%- if self.compensation() %}

/** Undoes the work of the steps that finished; the default does nothing. Replace it with your own. */
export type Undo = (input: WorkflowInput) => Promise<void>;

/** The default undo: nothing to undo. */
export const noUndo: Undo = async () => {};
{%- endif %}

/** What the task handlers need from outside. */
export interface WorkflowDeps {
  work: Work;
{%- if self.compensation() %}
  undo: Undo;
{%- endif %}
{%- if self.idem() %}
  idempotency: BasePersistenceLayer;
{%- endif %}
  /** The current time; the clock by default. */
  now?: () => Date;
}

const clock = (deps: { now?: () => Date }): string => (deps.now ?? (() => new Date()))().toISOString();

/** The `validate` task: throws ValidationError on bad input, else returns the input. */
export function validateHandler(): (input: unknown, context: Context) => Promise<WorkflowInput> {
  return async (input) => {
    const valid = validateInput(input);
    logger.info("input valid", { executionItemId: valid.id });
    return valid;
  };
}

/** The `process` task: runs the work; any failure becomes ProcessingError. */
export function processHandler(deps: WorkflowDeps): (input: unknown, context: Context) => Promise<WorkflowInput> {
  const run = async (input: WorkflowInput): Promise<WorkflowInput> => {
    let added: Record<string, unknown>;
    try {
      added = await deps.work(input);
    } catch (error) {
      throw new ProcessingError(`processing ${input.id} failed: ${(error as Error).message}`, { cause: error });
    }
    metrics.addMetric("ItemsProcessed", MetricUnit.Count, 1);
    return { ...input, ...added, processedAt: clock(deps) };
  };
{%- if self.idem() %}
  // A retried task (or a restarted execution) with the same `id` does the work once.
  const config = new IdempotencyConfig({ eventKeyJmesPath: "id", expiresAfterSeconds: idempotencyTtlSeconds() });
  const runOnce = makeIdempotent(run, { persistenceStore: deps.idempotency, config, keyPrefix: "process" });
  return async (input, context) => {
    config.registerLambdaContext(context);
    return runOnce(validateInput(input));
  };
{%- else %}
  return async (input) => run(validateInput(input));
{%- endif %}
}

/** The `complete` task: records the finished execution. */
export function completeHandler(deps: { now?: () => Date } = {}): (input: unknown, context: Context) => Promise<WorkflowInput> {
  return async (input) => {
    const valid = validateInput(input);
    metrics.addMetric("ExecutionsCompleted", MetricUnit.Count, 1);
    logger.info("execution complete", { executionItemId: valid.id });
    return { ...valid, status: "completed", completedAt: clock(deps) };
  };
}
{%- if self.compensation() %}

/**
 * The steps that finished before the failure: the state machine puts them in `completed_steps`.
 * Without that list, every step is assumed done, so an undo must accept work that never ran.
 */
export function completedSteps(input: WorkflowInput): string[] {
  const steps = input.completed_steps;
  if (Array.isArray(steps) && steps.every((s) => typeof s === "string")) return steps as string[];
  return ["validate", "process"];
}

/**
 * The `compensate` task: the state machine's Catch sends the execution here when a later step
 * fails, with the input, the error (`error`) and the steps that finished (`completed_steps`).
 * It undoes the work of `process` if that step finished (`validate` changes nothing), and
 * returns the input marked compensated; the state machine then ends the execution in a Fail
 * state.
 */
export function compensateHandler(deps: WorkflowDeps): (input: unknown, context: Context) => Promise<WorkflowInput> {
  const undo = async (input: WorkflowInput): Promise<WorkflowInput> => {
    const undone = completedSteps(input).includes("process") ? ["process"] : [];
    if (undone.length > 0) await deps.undo(input);
    metrics.addMetric("ExecutionsCompensated", MetricUnit.Count, 1);
    logger.warn("execution compensated", { executionItemId: input.id, undone });
    return { ...input, status: "compensated", undone, compensatedAt: clock(deps) };
  };
{%- if self.idem() %}
  const config = new IdempotencyConfig({ eventKeyJmesPath: "id", expiresAfterSeconds: idempotencyTtlSeconds() });
  const undoOnce = makeIdempotent(undo, { persistenceStore: deps.idempotency, config, keyPrefix: "compensate" });
  return async (input, context) => {
    config.registerLambdaContext(context);
    return undoOnce(validateInput(input));
  };
{%- else %}
  return async (input) => undo(validateInput(input));
{%- endif %}
}
{%- endif %}

const itemId = (input: unknown): string | undefined =>
  isObject(input) && typeof input.id === "string" ? input.id : undefined;

/** Lambda entry point (Handler: app.validate). */
export const validate = instrument("validate", itemId, validateHandler());

/** Lambda entry point (Handler: app.process). */
export const process = instrument(
  "process",
  itemId,
  lazy(() => processHandler({ work: noWork{% if self.compensation() %}, undo: noUndo{% endif %}{% if self.idem() %}, idempotency: idempotencyStore(){% endif %} })),
);

/** Lambda entry point (Handler: app.complete). */
export const complete = instrument("complete", itemId, completeHandler());
{%- if self.compensation() %}

/** Lambda entry point (Handler: app.compensate). */
export const compensate = instrument(
  "compensate",
  itemId,
  lazy(() => compensateHandler({ work: noWork, undo: noUndo{% if self.idem() %}, idempotency: idempotencyStore(){% endif %} })),
);
{%- endif %}
{%- if self.workflow_api() %}
{% include "scaffold/typescript/src/workflow_api.ts" %}
{%- endif %}

import {
{%- if self.compensation() %}
  compensateHandler,
{%- endif %}
  completeHandler,
  processHandler,
  ProcessingError,
  ValidationError,
  type WorkflowDeps,
  type WorkflowInput,
  validateHandler,
  validateInput,
} from "../src/app";
import { context, loadEvent{% if self.idem() %}, MemoryPersistenceLayer{% endif %} } from "./setup";

const NOW = new Date("2026-01-02T03:04:05.000Z");

function deps(work: WorkflowDeps["work"] = async () => ({ done: true })): WorkflowDeps & { undone: WorkflowInput[] } {
  const undone: WorkflowInput[] = [];
  return {
    work,
{%- if self.compensation() %}
    undo: async (input) => {
      undone.push(input);
    },
{%- endif %}
{%- if self.idem() %}
    idempotency: new MemoryPersistenceLayer(),
{%- endif %}
    now: () => NOW,
    undone,
  };
}

const input = (): WorkflowInput => loadEvent<WorkflowInput>("validate");

test("validate passes a good input through unchanged", async () => {
  assert.deepEqual(await validateHandler()(input(), context), input());
});

test("validate throws ValidationError on an input without a non-empty string id", async () => {
  for (const bad of [null, [], "text", {}, { id: "" }, { id: "  " }, { id: 42 }]) {
    assert.throws(() => validateInput(bad), ValidationError, JSON.stringify(bad));
    await assert.rejects(validateHandler()(bad, context), (error: Error) => error.name === "ValidationError");
  }
});

test("process runs the work and adds its result to the input", async () => {
  const result = await processHandler(deps())(input(), context);
  assert.equal(result.id, input().id);
  assert.equal(result.done, true);
  assert.equal(result.processedAt, NOW.toISOString());
});

test("a failure in the work becomes ProcessingError, the name the state machine sees", async () => {
  const failing = deps(async () => {
    throw new Error("downstream unavailable");
  });
  await assert.rejects(processHandler(failing)(input(), context), (error: Error) => {
    assert.ok(error instanceof ProcessingError);
    assert.equal(error.name, "ProcessingError");
    assert.match(error.message, /downstream unavailable/);
    return true;
  });
});

test("complete marks the execution completed", async () => {
  const result = await completeHandler(deps())({ ...input(), processedAt: NOW.toISOString() }, context);
  assert.equal(result.status, "completed");
  assert.equal(result.completedAt, NOW.toISOString());
});
{%- if self.compensation() %}

test("compensate undoes process when it finished before the failure", async () => {
  const d = deps();
  const failed = loadEvent<WorkflowInput>("compensate");
  failed.completed_steps = ["validate", "process"];
  const result = await compensateHandler(d)(failed, context);
  assert.equal(result.status, "compensated");
  assert.deepEqual(result.undone, ["process"]);
  assert.equal(d.undone.length, 1);
  assert.equal(d.undone[0]?.id, failed.id);
});

test("compensate has nothing to undo when process itself failed", async () => {
  const d = deps();
  const failed = { ...loadEvent<WorkflowInput>("compensate"), completed_steps: ["validate"] };
  const result = await compensateHandler(d)(failed, context);
  assert.equal(result.status, "compensated");
  assert.deepEqual(result.undone, []);
  assert.equal(d.undone.length, 0);
});
{%- endif %}
{%- if self.idem() %}

test("a retried process task with the same id does the work once", async () => {
  let runs = 0;
  const handler = processHandler(
    deps(async () => {
      runs += 1;
      return {};
    }),
  );
  const first = await handler(input(), context);
  const again = await handler(input(), context);
  assert.deepEqual(again, first);
  assert.equal(runs, 1);
});
{%- endif %}
{%- if self.workflow_api() %}
{% include "scaffold/typescript/tests/workflow_api.ts" %}
{%- endif %}


import {
{%- if self.approval() %}
  type Approvals,
  type ApprovalRequest,
  type Decision,
  decideHandler,
  requestApprovalHandler,
{%- endif %}
  type ApiEvent,
  type Executions,
{%- if self.start_api() %}
  startHandler,
{%- endif %}
} from "../src/app";

/** An SDK-style error with a name, as the clients throw. */
const sdkError = (name: string): Error => Object.assign(new Error(name), { name });

/** Step Functions in memory: records calls; `failNext` makes the next call throw that error. */
class FakeExecutions implements Executions {
  calls: [string, ...string[]][] = [];
  started = new Map<string, string>();
  failNext: string | undefined;

  private check(): void {
    const name = this.failNext;
    this.failNext = undefined;
    if (name) throw sdkError(name);
  }

  async start(name: string, input: string): Promise<string> {
    this.check();
    const known = this.started.get(name);
    if (known !== undefined && known !== input) throw sdkError("ExecutionAlreadyExists");
    if (known === undefined) {
      this.started.set(name, input);
      this.calls.push(["start", name]);
    }
    return `arn:aws:states:us-east-1:123456789012:execution:test:${name}`;
  }

  async succeed(token: string, output: string): Promise<void> {
    this.check();
    this.calls.push(["succeed", token, output]);
  }

  async fail(token: string, error: string, cause: string): Promise<void> {
    this.check();
    this.calls.push(["fail", token, error, cause]);
  }
}

const withBody = (event: ApiEvent, body: string): ApiEvent => ({ ...event, body });
{%- if self.start_api() %}

test("start starts one execution per id, and a retry answers the same", async () => {
  const executions = new FakeExecutions();
  const handler = startHandler(executions);
  const first = await handler(loadEvent<ApiEvent>("start"));
  assert.equal(first.statusCode, 202);
  assert.deepEqual(await handler(loadEvent<ApiEvent>("start")), first);
  assert.deepEqual(executions.calls, [["start", "order-1001"]]);
});

test("start answers 409 to the same id with another body, and 400 to a bad body", async () => {
  const executions = new FakeExecutions();
  const handler = startHandler(executions);
  await handler(loadEvent<ApiEvent>("start"));
  const other = withBody(loadEvent<ApiEvent>("start"), JSON.stringify({ id: "order-1001", items: [] }));
  assert.equal((await handler(other)).statusCode, 409);
  for (const bad of ["not json", "[]", '{"id": ""}', '{"id": "has space"}', '{"id": 7}']) {
    assert.equal((await handler(withBody(loadEvent<ApiEvent>("start"), bad))).statusCode, 400, bad);
  }
  assert.equal(executions.calls.length, 1);
});
{%- endif %}
{%- if self.approval() %}

interface Row {
  token: string;
  status: "pending" | Decision;
  expiration: number;
}

/** The approval records in memory, with the DynamoDB implementation's conditions. */
class MemoryApprovals implements Approvals {
  rows = new Map<string, Row>();

  async request(id: string, token: string, expiresAt: number): Promise<boolean> {
    const row = this.rows.get(id);
    if (row && row.status !== "pending") return false;
    this.rows.set(id, { token, status: "pending", expiration: expiresAt });
    return true;
  }

  async decide(id: string, decision: Decision): Promise<string | undefined> {
    const row = this.rows.get(id);
    if (!row || row.status !== "pending") return undefined;
    row.status = decision;
    return row.token;
  }

  async reopen(id: string, decision: Decision): Promise<void> {
    const row = this.rows.get(id);
    if (row?.status === decision) row.status = "pending";
  }
}

const request = (): ApprovalRequest => loadEvent<ApprovalRequest>("request_approval");

async function waiting(): Promise<{ approvals: MemoryApprovals; executions: FakeExecutions; notified: string[] }> {
  const approvals = new MemoryApprovals();
  const notified: string[] = [];
  const handler = requestApprovalHandler({
    approvals,
    notify: async (id) => {
      notified.push(id);
    },
    ttlSeconds: 86400,
    now: () => new Date("2026-01-02T03:04:05.000Z"),
  });
  await handler(request());
  return { approvals, executions: new FakeExecutions(), notified };
}

test("request_approval records the token and tells the approvers", async () => {
  const { approvals, notified } = await waiting();
  const row = approvals.rows.get("order-1001");
  assert.equal(row?.token, request().token);
  assert.equal(row?.status, "pending");
  assert.equal(row?.expiration, Math.floor(Date.parse("2026-01-02T03:04:05.000Z") / 1000) + 86400);
  assert.deepEqual(notified, ["order-1001"]);
});

test("approve resumes the execution once; a second decision answers 409", async () => {
  const { approvals, executions } = await waiting();
  const handler = decideHandler({ approvals, executions });
  const first = await handler(loadEvent<ApiEvent>("decide"));
  assert.equal(first.statusCode, 200);
  assert.equal((await handler(loadEvent<ApiEvent>("decide"))).statusCode, 409);
  assert.equal(executions.calls.length, 1);
  assert.equal(executions.calls[0]?.[0], "succeed");
  assert.equal(executions.calls[0]?.[1], request().token);
});

test("reject fails the waiting step with ApprovalRejected and the reason", async () => {
  const { approvals, executions } = await waiting();
  const handler = decideHandler({ approvals, executions });
  const result = await handler(withBody(loadEvent<ApiEvent>("decide"), JSON.stringify({ decision: "reject", reason: "over budget" })));
  assert.equal(result.statusCode, 200);
  assert.deepEqual(executions.calls, [["fail", request().token, "ApprovalRejected", "over budget"]]);
});

test("a bad decision answers 400 and an unknown approval 409, without touching the execution", async () => {
  const { approvals, executions } = await waiting();
  const handler = decideHandler({ approvals, executions });
  for (const bad of ["{}", '{"decision": "maybe"}', '{"decision": "reject", "reason": 5}']) {
    assert.equal((await handler(withBody(loadEvent<ApiEvent>("decide"), bad))).statusCode, 400, bad);
  }
  const unknown = { ...loadEvent<ApiEvent>("decide"), pathParameters: { id: "order-9999" } };
  assert.equal((await handler(unknown)).statusCode, 409);
  assert.deepEqual(executions.calls, []);
  assert.equal(approvals.rows.get("order-1001")?.status, "pending");
});

test("a timed-out execution answers 410; a failed resume puts the approval back to pending", async () => {
  const { approvals, executions } = await waiting();
  const handler = decideHandler({ approvals, executions });
  executions.failNext = "ServiceUnavailable";
  await assert.rejects(handler(loadEvent<ApiEvent>("decide")));
  assert.equal(approvals.rows.get("order-1001")?.status, "pending");
  executions.failNext = "TaskTimedOut";
  assert.equal((await handler(loadEvent<ApiEvent>("decide"))).statusCode, 410);
});
{%- endif %}

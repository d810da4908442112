
/** An HTTP API (payload 2.0) request, as the {% if self.iam_auth() %}IAM{% else %}JWT{% endif %} authorizer passes it on. */
export type ApiEvent = {% if self.iam_auth() %}APIGatewayProxyEventV2WithIAMAuthorizer{% else %}APIGatewayProxyEventV2WithJWTAuthorizer{% endif %};

/** A JSON response. */
export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

/** The request's body as a JSON object, or undefined when it is not one. */
export function jsonBody(event: ApiEvent): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(event.body ?? "");
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Who is calling: {% if self.iam_auth() %}the IAM principal that signed the request{% else %}the `sub` claim of the JWT the authorizer checked{% endif %}. */
export function callerIdentity(event: ApiEvent): string | undefined {
{%- if self.iam_auth() %}
  const caller: unknown = event.requestContext.authorizer?.iam?.userArn;
{%- else %}
  const caller: unknown = event.requestContext.authorizer?.jwt?.claims?.sub;
{%- endif %}
  return typeof caller === "string" && caller !== "" ? caller : undefined;
}

/** The Step Functions calls the API functions make; tests replace them. */
export interface Executions {
  /** Starts an execution named `name`; the same name with the same input starts nothing new. */
  start(name: string, input: string): Promise<string>;
{%- if self.approval() %}
  succeed(token: string, output: string): Promise<void>;
  fail(token: string, error: string, cause: string): Promise<void>;
{%- endif %}
}

/** {@link Executions} on the state machine in STATE_MACHINE_ARN. */
export function stepFunctions(client: SFNClient): Executions {
  return {
    start: async (name, input) => {
      const out = await client.send(new StartExecutionCommand({ stateMachineArn: requireEnv("STATE_MACHINE_ARN"), name, input }));
      return out.executionArn ?? "";
    },
{%- if self.approval() %}
    succeed: async (taskToken, output) => {
      await client.send(new SendTaskSuccessCommand({ taskToken, output }));
    },
    fail: async (taskToken, error, cause) => {
      await client.send(new SendTaskFailureCommand({ taskToken, error, cause }));
    },
{%- endif %}
  };
}

/** The name an SDK error carries, such as `ExecutionAlreadyExists`. */
const errorName = (error: unknown): string => (error instanceof Error ? error.name : "");
{%- if self.start_api() %}

/** Step Functions execution names: 1 to 80 letters, digits, dashes and underscores. */
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * The `start` handler (POST /executions): starts an execution named by the body's `id`. The same
 * id with the same body again changes nothing (a Standard execution's name is unique for 90
 * days); the same id with another body answers 409.
 */
export function startHandler(executions: Executions): (event: ApiEvent) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    const body = jsonBody(event);
    if (!body) return json(400, { message: 'the body must be a JSON object, such as {"id": "order-1001"}' });
    const id = body.id;
    if (typeof id !== "string" || !EXECUTION_NAME.test(id)) {
      return json(400, { message: '"id" must be 1 to 80 letters, digits, dashes or underscores' });
    }
    try {
      const executionArn = await executions.start(id, JSON.stringify(body));
      metrics.addMetric("ExecutionsStarted", MetricUnit.Count, 1);
      return json(202, { id, executionArn });
    } catch (error) {
      if (errorName(error) === "ExecutionAlreadyExists") return json(409, { message: `${id} was already started with another input` });
      throw error;
    }
  };
}

/** Lambda entry point (Handler: app.start). */
export const start = instrument(
  "start",
  (event: ApiEvent) => event.requestContext?.requestId,
  lazy(() => {
    const handler = startHandler(stepFunctions(tracer.captureAWSv3Client(new SFNClient({}))));
    return (event: ApiEvent) => handler(event);
  }),
);
{%- endif %}
{%- if self.approval() %}

/** A decision on an approval. */
export type Decision = "approved" | "rejected";

/** The approval records (table APPROVALS_TABLE): one per waiting execution, keyed by its id. */
export interface Approvals {
  /** Records a pending approval's token (replacing an older token); false when already decided. */
  request(id: string, token: string, expiresAt: number): Promise<boolean>;
  /** Marks a pending approval decided and returns its token; undefined when none is pending. */
  decide(id: string, decision: Decision, by: string, reason: string): Promise<string | undefined>;
  /** Puts a decided approval back to pending, so the decision can be sent again. */
  reopen(id: string, decision: Decision): Promise<void>;
}

const conditionFailed = (error: unknown): boolean => errorName(error) === "ConditionalCheckFailedException";

/** {@link Approvals} in DynamoDB, every change a conditional write. */
export function dynamoApprovals(table: string, client: DynamoDBDocumentClient): Approvals {
  const names = { "#status": "status" };
  return {
    request: async (id, token, expiresAt) => {
      try {
        await client.send(new PutCommand({
          TableName: table,
          Item: { id, token, status: "pending", expiration: expiresAt },
          ConditionExpression: "attribute_not_exists(id) OR #status = :pending",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ":pending": "pending" },
        }));
        return true;
      } catch (error) {
        if (conditionFailed(error)) return false;
        throw error;
      }
    },
    decide: async (id, decision, by, reason) => {
      try {
        const out = await client.send(new UpdateCommand({
          TableName: table,
          Key: { id },
          UpdateExpression: "SET #status = :decision, decided_by = :by, reason = :reason",
          ConditionExpression: "#status = :pending",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ":decision": decision, ":by": by, ":reason": reason, ":pending": "pending" },
          ReturnValues: "ALL_NEW",
        }));
        const token: unknown = out.Attributes?.token;
        return typeof token === "string" ? token : undefined;
      } catch (error) {
        if (conditionFailed(error)) return undefined;
        throw error;
      }
    },
    reopen: async (id, decision) => {
      await client.send(new UpdateCommand({
        TableName: table,
        Key: { id },
        UpdateExpression: "SET #status = :pending REMOVE decided_by, reason",
        ConditionExpression: "#status = :decision",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ":decision": decision, ":pending": "pending" },
      }));
    },
  };
}

/** Tells the approvers an approval waits; the default publishes to APPROVAL_TOPIC_ARN. */
export type Notify = (id: string) => Promise<void>;

export function snsNotify(client: SNSClient): Notify {
  return async (id) => {
    await client.send(new PublishCommand({
      TopicArn: requireEnv("APPROVAL_TOPIC_ARN"),
      Subject: "Approval needed",
      Message: JSON.stringify({ id, decide: `POST /approvals/${id}` }),
    }));
  };
}

/** The approval was decided before this step asked for it. The state machine compensates. */
export class ApprovalAlreadyDecided extends Error {
  override name = "ApprovalAlreadyDecided";
}

/** What the `request_approval` step receives: the execution's state and the task token. */
export interface ApprovalRequest {
  input: WorkflowInput;
  token: string;
}

/**
 * The `request_approval` handler: records the task token of an execution that waits for a
 * decision and asks the approvers. The token stays in the table: approvers decide by the
 * execution's id. A retried step brings a new token, which replaces the old while pending.
 */
export function requestApprovalHandler(deps: { approvals: Approvals; notify: Notify; ttlSeconds: number; now?: () => Date }): (event: ApprovalRequest) => Promise<void> {
  return async (event) => {
    const id = validateInput(event.input).id;
    const nowS = Math.floor((deps.now?.() ?? new Date()).getTime() / 1000);
    if (!(await deps.approvals.request(id, event.token, nowS + deps.ttlSeconds))) {
      throw new ApprovalAlreadyDecided(`${id} was already decided`);
    }
    await deps.notify(id);
    logger.info("approval requested", { approvalId: id });
    metrics.addMetric("ApprovalsRequested", MetricUnit.Count, 1);
  };
}

const MAX_REASON_LENGTH = 500;

/**
 * The `decide` handler (POST /approvals/{id} with {"decision": "approve" | "reject", "reason"}):
 * records the decision once, then resumes the execution: SendTaskSuccess on approval,
 * SendTaskFailure (error `ApprovalRejected`, which runs the compensation) on rejection. A second
 * decision answers 409; an execution that stopped waiting answers 410.
 */
export function decideHandler(deps: { approvals: Approvals; executions: Executions }): (event: ApiEvent) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    const id = event.pathParameters?.id ?? "";
    const body = jsonBody(event);
    const choice = body?.decision;
    if (choice !== "approve" && choice !== "reject") {
      return json(400, { message: 'the body must be {"decision": "approve"} or {"decision": "reject", "reason": "..."}' });
    }
    const reason = body?.reason ?? "";
    if (typeof reason !== "string" || reason.length > MAX_REASON_LENGTH) {
      return json(400, { message: `"reason" must be text of at most ${MAX_REASON_LENGTH} characters` });
    }
    const by = callerIdentity(event);
    if (by === undefined) return json(401, { message: "the request has no caller identity" });
    const decision: Decision = choice === "approve" ? "approved" : "rejected";
    const token = await deps.approvals.decide(id, decision, by, reason);
    if (token === undefined) return json(409, { message: `${id} is not waiting for a decision (unknown, or already decided)` });
    try {
      if (decision === "approved") await deps.executions.succeed(token, JSON.stringify({ decision, by }));
      else await deps.executions.fail(token, "ApprovalRejected", reason || "rejected");
    } catch (error) {
      if (["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"].includes(errorName(error))) {
        return json(410, { message: `${id} no longer waits: it timed out or stopped` });
      }
      await deps.approvals.reopen(id, decision);
      throw error;
    }
    logger.info("approval decided", { approvalId: id, decision });
    metrics.addMetric(decision === "approved" ? "ApprovalsApproved" : "ApprovalsRejected", MetricUnit.Count, 1);
    return json(200, { id, status: decision });
  };
}

const approvalsTable = (): Approvals =>
  dynamoApprovals(requireEnv("APPROVALS_TABLE"), DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({}))));

/** Lambda entry point (Handler: app.request_approval). */
export const request_approval = instrument(
  "request_approval",
  (event: ApprovalRequest) => (isObject(event?.input) && typeof event.input.id === "string" ? event.input.id : undefined),
  lazy(() => {
    const handler = requestApprovalHandler({
      approvals: approvalsTable(),
      notify: snsNotify(tracer.captureAWSv3Client(new SNSClient({}))),
      ttlSeconds: Number(requireEnv("APPROVAL_TTL_SECONDS")),
    });
    return (event: ApprovalRequest) => handler(event);
  }),
);

/** Lambda entry point (Handler: app.decide). */
export const decide = instrument(
  "decide",
  (event: ApiEvent) => event.requestContext?.requestId,
  lazy(() => {
    const handler = decideHandler({ approvals: approvalsTable(), executions: stepFunctions(tracer.captureAWSv3Client(new SFNClient({}))) });
    return (event: ApiEvent) => handler(event);
  }),
);
{%- endif %}

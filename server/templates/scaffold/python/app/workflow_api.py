

def respond(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """An HTTP API (payload 2.0) response with a JSON body."""
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def json_body(event: dict[str, Any]) -> dict[str, Any] | None:
    """The request's body as a JSON object, or None when it is not one."""
    try:
        body = json.loads(event.get("body") or "")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def caller_identity(event: dict[str, Any]) -> str | None:
    """Who is calling: {% if py.iam_auth %}the IAM principal that signed the request{% else %}the `sub` claim of the JWT the authorizer checked{% endif %}."""
    authorizer = event.get("requestContext", {}).get("authorizer") or {}
{%- if py.iam_auth %}
    caller = (authorizer.get("iam") or {}).get("userArn")
{%- else %}
    caller = ((authorizer.get("jwt") or {}).get("claims") or {}).get("sub")
{%- endif %}
    return caller if isinstance(caller, str) and caller else None


sfn = boto3.client("stepfunctions")
{%- if py.start_api %}
# Step Functions execution names: 1 to 80 letters, digits, dashes and underscores.
EXECUTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def start(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """POST /executions: starts an execution whose name is the body's "id". Starting the same id
    with the same input again changes nothing (a Standard execution's name is unique for 90
    days); the same id with another input answers 409."""
    body = json_body(event)
    if body is None:
        return respond(400, {"message": 'the body must be a JSON object, such as {"id": "order-1001"}'})
    execution_id = body.get("id")
    if not isinstance(execution_id, str) or not EXECUTION_NAME.match(execution_id):
        return respond(400, {"message": '"id" must be 1 to 80 letters, digits, dashes or underscores'})
    try:
        started = sfn.start_execution(
            stateMachineArn=os.environ["STATE_MACHINE_ARN"], name=execution_id, input=json.dumps(body)
        )
    except ClientError as err:
        if err.response["Error"]["Code"] == "ExecutionAlreadyExists":
            return respond(409, {"message": f"{execution_id} was already started with another input"})
        raise
    metrics.add_metric(name="ExecutionsStarted", unit=MetricUnit.Count, value=1)
    return respond(202, {"id": execution_id, "executionArn": started["executionArn"]})
{%- endif %}
{%- if py.approval %}


class ApprovalAlreadyDecided(Exception):
    """The approval was decided before this step asked for it. The state machine compensates."""


approvals = boto3.resource("dynamodb").Table(os.environ["APPROVALS_TABLE"])
MAX_REASON_LENGTH = 500


@logger.inject_lambda_context(correlation_id_path="input.id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def request_approval(event: dict[str, Any], context: LambdaContext) -> None:
    """Records the task token of an execution that waits for a decision and asks the approvers.
    The token stays in the table: approvers decide by the execution's id. A retried step brings a
    new token, which replaces the old one while the decision is still pending."""
    approval_id = event["input"]["id"]
    try:
        approvals.put_item(
            Item={
                "id": approval_id,
                "token": event["token"],
                "status": "pending",
                "expiration": int(time.time()) + int(os.environ["APPROVAL_TTL_SECONDS"]),
            },
            ConditionExpression="attribute_not_exists(id) OR #status = :pending",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":pending": "pending"},
        )
    except ClientError as err:
        if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise ApprovalAlreadyDecided(f"{approval_id} was already decided") from err
        raise
    boto3.client("sns").publish(
        TopicArn=os.environ["APPROVAL_TOPIC_ARN"],
        Subject="Approval needed",
        Message=json.dumps({"id": approval_id, "decide": f"POST /approvals/{approval_id}"}),
    )
    logger.info("approval requested", extra={"approval_id": approval_id})
    metrics.add_metric(name="ApprovalsRequested", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def decide(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """POST /approvals/{id} with {"decision": "approve" | "reject", "reason": "..."}: records the
    decision once (a conditional write), then resumes the execution: SendTaskSuccess on approval,
    SendTaskFailure (error ApprovalRejected, which runs the compensation) on rejection. A second
    decision answers 409; an execution that stopped waiting answers 410."""
    approval_id = (event.get("pathParameters") or {}).get("id") or ""
    body = json_body(event)
    decision = body.get("decision") if body else None
    if decision not in ("approve", "reject"):
        return respond(400, {"message": 'the body must be {"decision": "approve"} or {"decision": "reject", "reason": "..."}'})
    reason = body.get("reason", "") if body else ""
    if not isinstance(reason, str) or len(reason) > MAX_REASON_LENGTH:
        return respond(400, {"message": f'"reason" must be text of at most {MAX_REASON_LENGTH} characters'})
    approver = caller_identity(event)
    if approver is None:
        return respond(401, {"message": "the request has no caller identity"})
    status = "approved" if decision == "approve" else "rejected"
    try:
        record = approvals.update_item(
            Key={"id": approval_id},
            UpdateExpression="SET #status = :status, decided_by = :by, reason = :reason",
            ConditionExpression="#status = :pending",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":status": status, ":by": approver, ":reason": reason, ":pending": "pending"},
            ReturnValues="ALL_NEW",
        )["Attributes"]
    except ClientError as err:
        if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return respond(409, {"message": f"{approval_id} is not waiting for a decision (unknown, or already decided)"})
        raise
    try:
        if status == "approved":
            sfn.send_task_success(taskToken=record["token"], output=json.dumps({"decision": status, "by": approver}))
        else:
            sfn.send_task_failure(taskToken=record["token"], error="ApprovalRejected", cause=reason or "rejected")
    except ClientError as err:
        if err.response["Error"]["Code"] in ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken"):
            return respond(410, {"message": f"{approval_id} no longer waits: it timed out or stopped"})
        # Undo the record so the decision can be sent again.
        approvals.update_item(
            Key={"id": approval_id},
            UpdateExpression="SET #status = :pending REMOVE decided_by, reason",
            ConditionExpression="#status = :status",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":status": status, ":pending": "pending"},
        )
        raise
    logger.info("approval decided", extra={"approval_id": approval_id, "decision": status})
    metrics.add_metric(name=f"Approvals{status.capitalize()}", unit=MetricUnit.Count, value=1)
    return respond(200, {"id": approval_id, "status": status})
{%- endif %}

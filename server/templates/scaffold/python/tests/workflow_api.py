

class FakeStepFunctions:
    """Records the Step Functions calls the API functions make; `error` makes the next call fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.started: dict[str, str] = {}
        self.error: str | None = None

    def _call(self, name: str, kwargs: dict[str, Any]) -> None:
        if self.error:
            code, self.error = self.error, None
            raise ClientError({"Error": {"Code": code, "Message": code}}, name)
        self.calls.append((name, kwargs))

    def start_execution(self, **kwargs: Any) -> dict[str, str]:
        # As Step Functions does: the same name with the same input starts nothing new.
        known = self.started.get(kwargs["name"])
        if known is not None and known != kwargs["input"]:
            raise ClientError({"Error": {"Code": "ExecutionAlreadyExists", "Message": "exists"}}, "StartExecution")
        if known is None:
            self._call("start_execution", kwargs)
            self.started[kwargs["name"]] = kwargs["input"]
        return {"executionArn": f"{kwargs['stateMachineArn']}:{kwargs['name']}"}

    def send_task_success(self, **kwargs: Any) -> None:
        self._call("send_task_success", kwargs)

    def send_task_failure(self, **kwargs: Any) -> None:
        self._call("send_task_failure", kwargs)


def with_fake_sfn(handlers: ModuleType) -> FakeStepFunctions:
    fake = FakeStepFunctions()
    handlers.sfn = fake
    return fake
{%- if py.start_api %}


def test_start_starts_one_execution_named_by_the_id(handlers: ModuleType, context: FakeContext) -> None:
    sfn = with_fake_sfn(handlers)
    first = handlers.start(load_event("start"), context)
    assert first["statusCode"] == 202
    assert json.loads(first["body"])["id"] == "order-1001"
    # A retried request with the same body starts nothing new, and says so the same way.
    assert handlers.start(load_event("start"), context) == first
    assert [c[1]["name"] for c in sfn.calls] == ["order-1001"]


def test_start_answers_409_to_the_same_id_with_another_input(handlers: ModuleType, context: FakeContext) -> None:
    with_fake_sfn(handlers)
    assert handlers.start(load_event("start"), context)["statusCode"] == 202
    event = load_event("start")
    event["body"] = json.dumps({"id": "order-1001", "items": []})
    assert handlers.start(event, context)["statusCode"] == 409


@pytest.mark.parametrize("body", ["not json", "[]", '{"id": ""}', '{"id": "has space"}', '{"id": 7}'])
def test_start_answers_400_to_a_bad_body(handlers: ModuleType, context: FakeContext, body: str) -> None:
    sfn = with_fake_sfn(handlers)
    event = load_event("start")
    event["body"] = body
    assert handlers.start(event, context)["statusCode"] == 400
    assert sfn.calls == []
{%- endif %}
{%- if py.approval %}


def approval(approval_id: str = "order-1001") -> dict[str, Any]:
    return boto3.resource("dynamodb", region_name=REGION).Table("approvals").get_item(Key={"id": approval_id})["Item"]


def decision(event: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    return {**event, "body": json.dumps(body)}


def test_request_approval_records_the_token_and_asks(handlers: ModuleType, context: FakeContext) -> None:
    assert handlers.request_approval(load_event("request_approval"), context) is None
    record = approval()
    assert record["status"] == "pending"
    assert record["token"] == load_event("request_approval")["token"]


def test_a_retried_request_replaces_the_token_while_pending(handlers: ModuleType, context: FakeContext) -> None:
    event = load_event("request_approval")
    handlers.request_approval(event, context)
    handlers.request_approval({**event, "token": "second-token"}, context)
    assert approval()["token"] == "second-token"


def test_approve_resumes_the_execution_once(handlers: ModuleType, context: FakeContext) -> None:
    sfn = with_fake_sfn(handlers)
    handlers.request_approval(load_event("request_approval"), context)
    first = handlers.decide(load_event("decide"), context)
    assert first["statusCode"] == 200
    assert json.loads(first["body"])["status"] == "approved"
    second = handlers.decide(load_event("decide"), context)
    assert second["statusCode"] == 409
    assert [c[0] for c in sfn.calls] == ["send_task_success"]
    assert sfn.calls[0][1]["taskToken"] == load_event("request_approval")["token"]


def test_reject_fails_the_step_with_approval_rejected(handlers: ModuleType, context: FakeContext) -> None:
    sfn = with_fake_sfn(handlers)
    handlers.request_approval(load_event("request_approval"), context)
    result = handlers.decide(decision(load_event("decide"), {"decision": "reject", "reason": "over budget"}), context)
    assert result["statusCode"] == 200
    assert sfn.calls == [
        ("send_task_failure", {"taskToken": load_event("request_approval")["token"], "error": "ApprovalRejected", "cause": "over budget"})
    ]
    assert approval()["status"] == "rejected"


def test_a_decision_for_an_unknown_approval_answers_409(handlers: ModuleType, context: FakeContext) -> None:
    sfn = with_fake_sfn(handlers)
    assert handlers.decide(load_event("decide"), context)["statusCode"] == 409
    assert sfn.calls == []


@pytest.mark.parametrize("body", [{}, {"decision": "maybe"}, {"decision": "reject", "reason": 5}])
def test_a_bad_decision_answers_400(handlers: ModuleType, context: FakeContext, body: dict[str, Any]) -> None:
    with_fake_sfn(handlers)
    handlers.request_approval(load_event("request_approval"), context)
    assert handlers.decide(decision(load_event("decide"), body), context)["statusCode"] == 400
    assert approval()["status"] == "pending"


def test_a_timed_out_execution_answers_410(handlers: ModuleType, context: FakeContext) -> None:
    sfn = with_fake_sfn(handlers)
    handlers.request_approval(load_event("request_approval"), context)
    sfn.error = "TaskTimedOut"
    assert handlers.decide(load_event("decide"), context)["statusCode"] == 410


def test_a_failed_resume_puts_the_approval_back_to_pending(handlers: ModuleType, context: FakeContext) -> None:
    sfn = with_fake_sfn(handlers)
    handlers.request_approval(load_event("request_approval"), context)
    sfn.error = "ServiceUnavailable"
    with pytest.raises(ClientError):
        handlers.decide(load_event("decide"), context)
    assert approval()["status"] == "pending"
    assert handlers.decide(load_event("decide"), context)["statusCode"] == 200
{%- endif %}

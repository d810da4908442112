"""Integration tests against a deployed stack ({{ plan.pattern_name }}).

The deploy workflow runs them against staging after each deployment; run them yourself with
`STACK_NAME=<stack> python -m pytest integration` and AWS credentials for the stack's account.
They read the stack's outputs, send real {% if plan.api.is_some() %}requests{% else %}events{% endif %}, and poll for the result.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import boto3
import pytest
{%- if plan.api.is_some() %}
import requests
{%- endif %}

STACK = os.environ.get("STACK_NAME", "")
EVENTS = Path(__file__).resolve().parent.parent / "events"
# Long enough for a cold start, a retry and the log delivery; short enough to fail a broken deploy.
WAIT_S = 180

pytestmark = pytest.mark.skipif(not STACK, reason="set STACK_NAME to the deployed stack's name")


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    stack = boto3.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def eventually(what: str, probe: Callable[[], Any]) -> Any:
    """Calls probe until it returns something truthy, or fails after WAIT_S seconds."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(5)
    pytest.fail(f"{what}: nothing after {WAIT_S} s")


def logged(function: str, text: str, since_ms: int) -> bool:
    """Whether the function's log group has a line containing text since since_ms."""
    logs = boto3.client("logs")
    found = logs.filter_log_events(
        logGroupName=f"/aws/lambda/{STACK}-{function}",
        startTime=since_ms,
        filterPattern=json.dumps(text),
        limit=1,
    )
    return bool(found.get("events"))


def now_ms() -> int:
    return int(time.time() * 1000) - 5_000
{% match plan.pattern %}
{%- when Pattern::Api | Pattern::Relational %}
{%- if self.iam() %}


def signed(method: str, url: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> requests.Response:
    """A request signed with SigV4 for execute-api, as the IAM authorizer requires."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    session = boto3.Session()
    data = json.dumps(body) if body is not None else None
    request = AWSRequest(method=method, url=url, data=data, headers={"content-type": "application/json", **(headers or {})})
    SigV4Auth(session.get_credentials().get_frozen_credentials(), "execute-api", session.region_name).add_auth(request)
    return requests.request(method, url, data=data, headers=dict(request.headers), timeout=30)


def test_an_unsigned_request_is_refused(outputs: dict[str, str]) -> None:
    assert requests.get(f"{outputs['ApiUrl']}/items/none", timeout=30).status_code == 403


def test_a_created_item_can_be_read_back(outputs: dict[str, str]) -> None:
    name = f"integration-{uuid.uuid4()}"
{%- if plan.idempotency.is_some() || plan.pattern == Pattern::Relational %}
    created = signed("POST", f"{outputs['ApiUrl']}/items", {"name": name}, {"idempotency-key": str(uuid.uuid4())})
{%- else %}
    created = signed("POST", f"{outputs['ApiUrl']}/items", {"name": name})
{%- endif %}
    assert created.status_code == 201, created.text
    item = created.json()
    read = signed("GET", f"{outputs['ApiUrl']}/items/{item['id']}")
    assert read.status_code == 200, read.text
    assert read.json()["name"] == name
{%- else %}


def test_a_request_without_a_token_is_refused(outputs: dict[str, str]) -> None:
    assert requests.get(f"{outputs['ApiUrl']}/items/none", timeout=30).status_code == 401


@pytest.mark.skipif(not os.environ.get("INTEGRATION_JWT"), reason="set INTEGRATION_JWT to a token for JwtIssuer and JwtAudience")
def test_a_created_item_can_be_read_back(outputs: dict[str, str]) -> None:
    auth = {"authorization": f"Bearer {os.environ['INTEGRATION_JWT']}"}
    name = f"integration-{uuid.uuid4()}"
{%- if plan.idempotency.is_some() || plan.pattern == Pattern::Relational %}
    headers = {**auth, "idempotency-key": str(uuid.uuid4())}
{%- else %}
    headers = auth
{%- endif %}
    created = requests.post(f"{outputs['ApiUrl']}/items", json={"name": name}, headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    read = requests.get(f"{outputs['ApiUrl']}/items/{created.json()['id']}", headers=auth, timeout=30)
    assert read.status_code == 200, read.text
    assert read.json()["name"] == name
{%- endif %}
{%- when Pattern::S3Events %}


def test_an_upload_gets_a_result(outputs: dict[str, str]) -> None:
    s3 = boto3.client("s3")
    name = f"integration-{uuid.uuid4()}.json"
    s3.put_object(Bucket=outputs["InputBucketName"], Key=f"incoming/{name}", Body=json.dumps({"id": name}).encode())

    def result() -> bool:
        listed = s3.list_objects_v2(Bucket=outputs["OutputBucketName"], Prefix=f"processed/{name}")
        return listed.get("KeyCount", 0) > 0

    eventually("a result under processed/", result)
{%- when Pattern::Fanout %}


def test_a_published_event_reaches_every_subscriber(outputs: dict[str, str]) -> None:
    since = now_ms()
    event_id = f"integration-{uuid.uuid4()}"
    boto3.client("sns").publish(
        TopicArn=outputs["TopicArn"],
        Message=json.dumps({"type": "created", "id": event_id}),
        MessageAttributes={"type": {"DataType": "String", "StringValue": "created"}},
{%- if let Some(fifo) = plan.fifo %}
        # A FIFO topic: the group keeps one key's events in order, the id drops repeats for 5 minutes.
        MessageGroupId={% if fifo.global %}"{{ fifo.global_group }}"{% else %}"integration"{% endif %},
        MessageDeduplicationId=event_id,
{%- endif %}
    )
{%- for h in plan.handlers %}
    eventually("{{ h.name }} handled the event", lambda: logged("{{ h.name }}", event_id, since))
{%- endfor %}
{%- when Pattern::EventBus %}


def test_a_put_event_is_handled(outputs: dict[str, str]) -> None:
    since = now_ms()
    sample = json.loads((EVENTS / "{{ self.first_handler() }}.json").read_text())
    item_id = f"integration-{uuid.uuid4()}"
    detail = {**sample["detail"], "id": item_id}
    put = boto3.client("events").put_events(
        Entries=[
            {
                "EventBusName": outputs["EventBusName"],
                "Source": sample["source"],
                "DetailType": sample["detail-type"],
                "Detail": json.dumps(detail),
            }
        ]
    )
    assert put["FailedEntryCount"] == 0, put
    eventually("the event was handled", lambda: logged("{{ self.first_handler() }}", item_id, since))
{%- when Pattern::Workflow %}


def test_an_execution_succeeds(outputs: dict[str, str]) -> None:
    sfn = boto3.client("stepfunctions")
    execution_input = json.loads((EVENTS / "{{ self.first_handler() }}.json").read_text())
    execution_input["id"] = f"integration-{uuid.uuid4()}"
{%- if self.express() %}
    # An Express workflow has no execution history to poll: run it synchronously.
    run = sfn.start_sync_execution(stateMachineArn=outputs["StateMachineArn"], input=json.dumps(execution_input))
    assert run["status"] == "SUCCEEDED", run
{%- else %}
    arn = sfn.start_execution(stateMachineArn=outputs["StateMachineArn"], input=json.dumps(execution_input))["executionArn"]

    def finished() -> str | None:
        status = sfn.describe_execution(executionArn=arn)["status"]
        return None if status == "RUNNING" else status

    assert eventually("the execution finished", finished) == "SUCCEEDED"
{%- endif %}
{%- when Pattern::Stream %}


def test_a_put_record_is_processed(outputs: dict[str, str]) -> None:
    import base64

    since = now_ms()
    sample = json.loads((EVENTS / "{{ self.first_handler() }}.json").read_text())
    record = json.loads(base64.b64decode(sample["Records"][0]["kinesis"]["data"]))
    key = f"integration-{uuid.uuid4()}"
    record["id"] = key
    boto3.client("kinesis").put_record(StreamName=outputs["StreamName"], PartitionKey=key, Data=json.dumps(record).encode())
    eventually("the record was processed", lambda: logged("{{ self.first_handler() }}", key, since))
{%- when Pattern::Webhook %}


def sign(body: str, key: str) -> str:
    import hashlib
    import hmac

    return "sha256=" + hmac.new(key.encode(), body.encode(), hashlib.sha256).hexdigest()


def test_an_unsigned_webhook_is_refused(outputs: dict[str, str]) -> None:
    answer = requests.post(outputs["WebhookUrl"], data='{"id": "unsigned"}', timeout=30)
    assert answer.status_code == 401


def test_a_signed_webhook_is_worked_on_with_its_correlation_id(outputs: dict[str, str]) -> None:
    since = now_ms()
    key = boto3.client("secretsmanager").get_secret_value(SecretId=outputs["SigningSecretArn"])["SecretString"]
    body = json.dumps({"id": f"integration-{uuid.uuid4()}", "type": "test"{% if plan.fifo.is_some() %}, "entity_id": "integration"{% endif %}})
    answer = requests.post(
        outputs["WebhookUrl"],
        data=body,
        headers={"content-type": "application/json", "x-signature": sign(body, key)},
        timeout=30,
    )
    assert answer.status_code == 202, answer.text
    # The HTTP API's request id is the receiver's correlation id; the worker logs it too.
    request_id = answer.headers["apigw-requestid"]
    eventually("the worker logged the request's correlation id", lambda: logged("work", request_id, since))
{%- if let Some(fifo) = plan.fifo %}{% if !fifo.global %}


def test_a_signed_webhook_without_its_order_key_is_refused(outputs: dict[str, str]) -> None:
    key = boto3.client("secretsmanager").get_secret_value(SecretId=outputs["SigningSecretArn"])["SecretString"]
    body = json.dumps({"id": f"integration-{uuid.uuid4()}", "type": "test"})
    answer = requests.post(
        outputs["WebhookUrl"],
        data=body,
        headers={"content-type": "application/json", "x-signature": sign(body, key)},
        timeout=30,
    )
    # The stack's OrderKeyField is {{ fifo.group_field }} unless the deployment changed it.
    assert answer.status_code == 400, answer.text
{%- endif %}{% endif %}
{%- when Pattern::ScheduledJobs %}


def test_a_run_completes_once_and_a_repeat_is_a_duplicate(outputs: dict[str, str]) -> None:
    event = json.loads((EVENTS / "scheduled_jobs.json").read_text())
    # A scheduled time of its own, so the test never collides with the real schedule's runs.
    event["scheduled_time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()).replace("Z", f".{uuid.uuid4().int % 10**6:06d}Z")
    event["execution_id"] = str(uuid.uuid4())
    lam = boto3.client("lambda")

    def invoke() -> dict[str, Any]:
        answer = lam.invoke(FunctionName=outputs["RunFunctionName"], Qualifier="live", Payload=json.dumps(event).encode())
        assert "FunctionError" not in answer, answer["Payload"].read()
        return json.loads(answer["Payload"].read())

    assert invoke()["status"] == "completed"
    assert invoke()["status"] == "duplicate"
{%- when Pattern::Saga %}


def test_a_saga_runs_every_step_and_ends_succeeded(outputs: dict[str, str]) -> None:
    saga = json.loads((EVENTS / "reserve.json").read_text())
    saga["id"] = f"integration-{uuid.uuid4()}"
    sfn = boto3.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=outputs["StateMachineArn"], name=saga["id"], input=json.dumps(saga))["executionArn"]

    def finished() -> str | None:
        status = sfn.describe_execution(executionArn=arn)["status"]
        return None if status == "RUNNING" else status

    assert eventually("the saga finished", finished) == "SUCCEEDED"
{%- when Pattern::Cqrs %}{% include "scaffold/sam/integration/cqrs.py" %}
{%- when Pattern::StranglerFig %}


@pytest.mark.parametrize("path", ["/items/none", "/legacy-path-that-never-moved"])
def test_every_route_of_the_facade_refuses_a_caller_without_credentials(outputs: dict[str, str], path: str) -> None:
    # The migrated route and the legacy route ($default) sit behind the same authorizer.
    answer = requests.get(f"{outputs['ApiUrl']}{path}", timeout=30)
    assert answer.status_code == {% if self.iam() %}403{% else %}401{% endif %}, answer.text
{%- if !self.iam() %}


@pytest.mark.skipif(not os.environ.get("INTEGRATION_JWT"), reason="set INTEGRATION_JWT to a token for JwtIssuer and JwtAudience")
def test_the_migrated_route_answers_from_the_new_function(outputs: dict[str, str]) -> None:
    auth = {"authorization": f"Bearer {os.environ['INTEGRATION_JWT']}"}
    missing = f"integration-{uuid.uuid4()}"
    answer = requests.get(f"{outputs['ApiUrl']}/items/{missing}", headers=auth, timeout=30)
    # With GetItemTarget=new the function answers 404 for an item it does not hold.
    assert answer.status_code == 404, answer.text
    assert "message" in answer.json()
{%- endif %}
{%- when Pattern::EventSourcing %}


def test_an_append_without_credentials_is_refused(outputs: dict[str, str]) -> None:
    # The event store takes appends only from callers the API's authorizer accepts.
    refused = requests.post(
        f"{outputs['ApiUrl']}/aggregates/integration-{uuid.uuid4()}/events",
        json={"expectedVersion": 0, "type": "IntegrationChecked", "data": {}},
        timeout=30,
    )
    assert refused.status_code in (401, 403), refused.text
{%- when Pattern::RealtimeBroadcast %}
{%- include "scaffold/sam/integration/realtime_broadcast.py" %}
{%- when Pattern::Bff %}
{%- if let Some(b) = plan.bff %}


@pytest.mark.parametrize("output", [{% for c in b.clients %}"{{ c.id }}ApiUrl"{% if !loop.last %}, {% endif %}{% endfor %}])
def test_every_client_api_refuses_a_caller_without_credentials(outputs: dict[str, str], output: str) -> None:
    answer = requests.get(f"{outputs[output]}/home", timeout=30)
    assert answer.status_code in (401, 403), answer.text
{%- for c in b.clients %}{% if c.auth == Auth::Jwt %}


@pytest.mark.skipif(not os.environ.get("INTEGRATION_{{ c.name|upper }}_JWT"), reason="set INTEGRATION_{{ c.name|upper }}_JWT to a token for JwtIssuer and {{ c.audience_parameter }}")
def test_the_{{ c.name }}_backend_answers_with_every_part_or_says_which_is_missing(outputs: dict[str, str]) -> None:
    auth = {"authorization": f"Bearer {os.environ['INTEGRATION_{{ c.name|upper }}_JWT']}", "x-correlation-id": f"integration-{uuid.uuid4()}"}
    answer = requests.get(f"{outputs['{{ c.id }}ApiUrl']}/home", headers=auth, timeout=30)
    assert answer.status_code in (200, 502), answer.text
    body = answer.json()
    assert isinstance(body["unavailable"], list)
    assert answer.status_code == 502 or body["partial"] == bool(body["unavailable"])
{%- endif %}{% endfor %}
{%- endif %}
{%- when Pattern::CircuitBreaker %}
{%- if plan.api.is_some() %}


def test_calls_without_credentials_are_refused(outputs: dict[str, str]) -> None:
    answer = requests.post(f"{outputs['ApiUrl']}/calls", json={"orderId": "integration"}, timeout=30)
    assert answer.status_code == {% if self.iam() %}403{% else %}401{% endif %}, answer.text
{%- if !self.iam() %}


@pytest.mark.skipif(not os.environ.get("INTEGRATION_JWT"), reason="set INTEGRATION_JWT to a token for JwtIssuer and JwtAudience")
def test_a_call_gets_an_answer_the_caller_can_act_on(outputs: dict[str, str]) -> None:
    headers = {"authorization": f"Bearer {os.environ['INTEGRATION_JWT']}", "idempotency-key": str(uuid.uuid4())}
    answer = requests.post(f"{outputs['ApiUrl']}/calls", json={"orderId": "integration"}, headers=headers, timeout=30)
    # Whatever staging's dependency does, the function answers within its timeout and says why.
    assert answer.status_code in (200, 422, 502, 503, 504), answer.text
    if answer.status_code == 503:
        assert int(answer.headers["Retry-After"]) >= 1
{%- if plan.idempotency.is_some() %}


@pytest.mark.skipif(not os.environ.get("INTEGRATION_JWT"), reason="set INTEGRATION_JWT to a token for JwtIssuer and JwtAudience")
def test_a_retry_with_the_same_key_gets_the_first_answer(outputs: dict[str, str]) -> None:
    headers = {"authorization": f"Bearer {os.environ['INTEGRATION_JWT']}", "idempotency-key": str(uuid.uuid4())}
    first = requests.post(f"{outputs['ApiUrl']}/calls", json={"orderId": "integration"}, headers=headers, timeout=30)
    if first.status_code not in (200, 422):
        pytest.skip(f"staging's dependency did not answer ({first.status_code}): nothing was recorded to repeat")
    # The function's records answer the retry: the dependency is not called a second time.
    again = requests.post(f"{outputs['ApiUrl']}/calls", json={"orderId": "integration"}, headers=headers, timeout=30)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
{%- endif %}
{%- endif %}
{%- else %}


def test_a_queued_request_is_taken_by_the_function(outputs: dict[str, str]) -> None:
    since = now_ms()
    body = json.dumps({"id": f"integration-{uuid.uuid4()}", "payload": {"orderId": "integration"}})
    sent = boto3.client("sqs").send_message(QueueUrl=outputs["CallQueueUrl"], MessageBody=body)
    # Called, refused, turned away by an open breaker or failed: each is logged with the message id.
    eventually("the function took the message", lambda: logged("call", sent["MessageId"], since))
{%- endif %}


def test_the_breaker_table_is_readable_strongly_consistent(outputs: dict[str, str]) -> None:
    item = boto3.client("dynamodb").get_item(
        TableName=outputs["BreakerTableName"], Key={"dependency": {"S": "downstream"}}, ConsistentRead=True
    )
    assert item.get("Item", {}).get("state", {"S": "closed"})["S"] in ("closed", "open", "half_open")
{%- when _ %}
{%- endmatch %}

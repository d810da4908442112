import json
from types import ModuleType
from typing import Any

import boto3
import pytest
from conftest import REGION, FakeContext, load_event

# The plan's threshold is FAILURE_THRESHOLD in template.yaml; the tests open the breaker after
# three failures, which exercises the same writes without thousands of fake-AWS calls.
THRESHOLD = 3
OPEN_SECONDS = {% if let Some(b) = plan.breaker %}{{ b.open_s }}{% endif %}


class FakeDependency:
    """Stands in for the HTTP call: answers from a script, and records every call it gets."""

    def __init__(self, handlers: ModuleType) -> None:
        self.handlers = handlers
        self.calls: list[tuple[dict[str, Any], str]] = []
        self.failing = False
        self.answer: tuple[int, Any] = (200, {"captured": True})

    def __call__(self, payload: dict[str, Any], key: str) -> tuple[int, Any]:
        self.calls.append((payload, key))
        if self.failing:
            raise self.handlers.DependencyError("no answer", timed_out=True)
        return self.answer


@pytest.fixture
def dependency(handlers: ModuleType, monkeypatch: pytest.MonkeyPatch) -> FakeDependency:
    monkeypatch.setattr(handlers, "FAILURE_THRESHOLD", THRESHOLD)
    fake = FakeDependency(handlers)
    monkeypatch.setattr(handlers, "send", fake)
    return fake


@pytest.fixture
def clock(handlers: ModuleType, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The breaker's clock, moved by the tests: clock[0] is now."""
    now = [1_795_688_130]
    monkeypatch.setattr(handlers, "now_s", lambda: now[0])
    return now


def breaker_item() -> dict[str, Any]:
    table = boto3.resource("dynamodb", region_name=REGION).Table("breaker")
    return table.get_item(Key={"dependency": "downstream"}, ConsistentRead=True).get("Item") or {}
{%- if plan.api.is_some() %}


def post(handlers: ModuleType, context: FakeContext, key: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    event = load_event("call")
    event["headers"]["idempotency-key"] = key
    if body is not None:
        event["body"] = json.dumps(body)
    return handlers.call(event, context)


def fail_until_open(handlers: ModuleType, context: FakeContext, dependency: FakeDependency) -> None:
    dependency.failing = True
    for i in range(THRESHOLD):
        assert post(handlers, context, f"fail-{i}")["statusCode"] == 504
    assert breaker_item()["state"] == "open"


def test_a_closed_breaker_passes_the_call_and_its_answer(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    response = post(handlers, context, "key-1")
    assert response["statusCode"] == 200, response
    assert json.loads(response["body"]) == {"dependencyStatus": 200, "answer": {"captured": True}}
    payload, key = dependency.calls[0]
    assert payload == json.loads(load_event("call")["body"])
    # The dependency's key is a hash of the caller and their key, never the caller's identity.
    assert len(key) == 64 and "user" not in key and "arn:" not in key
    # A success on a closed breaker writes nothing.
    assert breaker_item() == {}


def test_failures_up_to_the_threshold_open_the_breaker_and_calls_are_turned_away(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    dependency.failing = True
    for i in range(THRESHOLD - 1):
        assert post(handlers, context, f"fail-{i}")["statusCode"] == 504
    assert breaker_item()["state"] == "closed"
    assert post(handlers, context, "the-last-straw")["statusCode"] == 504
    assert breaker_item()["state"] == "open"
    called = len(dependency.calls)
    turned_away = post(handlers, context, "while-open")
    assert turned_away["statusCode"] == 503
    assert turned_away["headers"]["Retry-After"] == str(OPEN_SECONDS)
    assert len(dependency.calls) == called, "an open breaker must not call the dependency"


def test_failures_in_an_old_window_do_not_count(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    dependency.failing = True
    for i in range(THRESHOLD - 1):
        post(handlers, context, f"old-{i}")
    clock[0] += handlers.FAILURE_WINDOW_S
    post(handlers, context, "new-window")
    assert breaker_item()["state"] == "closed"
    assert int(breaker_item()["failures"]) == 1


def test_a_refusal_is_the_callers_problem_and_not_counted(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    dependency.answer = (402, {"error": "card declined"})
    for i in range(THRESHOLD + 1):
        response = post(handlers, context, f"declined-{i}")
        assert response["statusCode"] == 422
    assert breaker_item() == {}


def test_after_the_open_time_one_trial_closes_the_breaker(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    fail_until_open(handlers, context, dependency)
    clock[0] += OPEN_SECONDS
    dependency.failing = False
    assert post(handlers, context, "trial")["statusCode"] == 200
    assert breaker_item()["state"] == "closed"
    assert post(handlers, context, "after")["statusCode"] == 200


def test_a_failed_trial_opens_the_breaker_again(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    fail_until_open(handlers, context, dependency)
    clock[0] += OPEN_SECONDS
    assert post(handlers, context, "trial")["statusCode"] == 504
    item = breaker_item()
    assert item["state"] == "open" and int(item["open_until"]) == clock[0] + OPEN_SECONDS


def test_only_one_environment_takes_the_trial(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    fail_until_open(handlers, context, dependency)
    clock[0] += OPEN_SECONDS
    first = handlers.admit(clock[0])
    assert first.trial_until == clock[0] + handlers.TRIAL_LEASE_S
    # A second environment reads the half-open breaker while the trial runs: turned away.
    with pytest.raises(handlers.BreakerOpenError):
        handlers.admit(clock[0])
    # A trial whose function died frees the breaker once its lease runs out.
    clock[0] += handlers.TRIAL_LEASE_S
    assert handlers.admit(clock[0]).trial_until > first.trial_until
{%- if py.idem %}


def test_a_capture_retried_after_the_trial_is_not_charged_twice(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    # The first attempt times out: its outcome at the dependency is unknown.
    fail_until_open(handlers, context, dependency)
    first_key = dependency.calls[0][1]
    clock[0] += OPEN_SECONDS
    dependency.failing = False
    # The client retries with the same Idempotency-Key: the trial sends the same key, so the
    # dependency can tell it is a repeat of the charge that timed out.
    assert post(handlers, context, "fail-0")["statusCode"] == 200
    assert dependency.calls[-1][1] == first_key
    # Retried again after it succeeded: the stored answer, and no call at all.
    calls = len(dependency.calls)
    assert post(handlers, context, "fail-0")["statusCode"] == 200
    assert len(dependency.calls) == calls


def test_the_same_key_with_another_body_is_refused(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    assert post(handlers, context, "key-2")["statusCode"] == 200
    assert post(handlers, context, "key-2", {"orderId": "order-9", "amount": 1})["statusCode"] == 422
    assert len(dependency.calls) == 1
{%- endif %}


def test_a_request_without_an_idempotency_key_is_refused(handlers: ModuleType, context: FakeContext, dependency: FakeDependency) -> None:
    assert post(handlers, context, "")["statusCode"] == 400
    assert dependency.calls == []


def test_the_correlation_id_is_the_api_request_id(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    post(handlers, context, "key-3")
    assert handlers.logger.get_correlation_id() == load_event("call")["requestContext"]["requestId"]
{%- else %}


def batch(handlers: ModuleType, context: FakeContext, ids: list[str]) -> list[str]:
    """Sends a batch of requests with these ids; returns the ids of the messages left on the queue."""
    event = load_event("call")
    template = event["Records"][0]
    records = []
    for i in ids:
        record = json.loads(json.dumps(template))
        record["messageId"] = f"m-{i}"
        record["body"] = json.dumps({"id": i, "payload": {"orderId": i, "amount": 100}})
        records.append(record)
    result = handlers.call({"Records": records}, context)
    return [f["itemIdentifier"].removeprefix("m-") for f in result["batchItemFailures"]]


def test_the_sample_batch_is_called_in_full(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    assert handlers.call(load_event("call"), context) == {"batchItemFailures": []}
    assert [p["orderId"] for p, _ in dependency.calls] == ["order-1001", "order-1002"]
    assert breaker_item() == {}


def test_once_open_the_rest_of_the_batch_stays_on_the_queue_uncalled(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    dependency.failing = True
    ids = [f"r{i}" for i in range(THRESHOLD + 3)]
    left = batch(handlers, context, ids)
    assert left == ids, "every message comes back: the failed ones and the ones never called"
    assert len(dependency.calls) == THRESHOLD, "calls stop once the breaker opens"
    assert breaker_item()["state"] == "open"
    # Another batch while open: nothing is called, nothing is lost.
    assert batch(handlers, context, ["later"]) == ["later"]
    assert len(dependency.calls) == THRESHOLD


def test_the_trial_after_the_open_time_closes_the_breaker(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    dependency.failing = True
    batch(handlers, context, [f"r{i}" for i in range(THRESHOLD)])
    clock[0] += OPEN_SECONDS
    dependency.failing = False
    assert batch(handlers, context, ["trial", "next"]) == []
    assert breaker_item()["state"] == "closed"


def test_a_failed_trial_opens_the_breaker_again(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    dependency.failing = True
    batch(handlers, context, [f"r{i}" for i in range(THRESHOLD)])
    clock[0] += OPEN_SECONDS
    assert batch(handlers, context, ["trial", "next"]) == ["trial", "next"]
    assert int(breaker_item()["open_until"]) == clock[0] + OPEN_SECONDS


def test_only_one_environment_takes_the_trial(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    dependency.failing = True
    batch(handlers, context, [f"r{i}" for i in range(THRESHOLD)])
    clock[0] += OPEN_SECONDS
    handlers.admit(clock[0])
    with pytest.raises(handlers.BreakerOpenError):
        handlers.admit(clock[0])


def test_a_refused_request_is_done_and_not_counted(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    dependency.answer = (422, {"error": "unknown order"})
    assert batch(handlers, context, [f"r{i}" for i in range(THRESHOLD + 1)]) == []
    assert breaker_item() == {}


def test_a_malformed_message_fails_alone(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    event = load_event("call")
    event["Records"][0]["body"] = "not json"
    result = handlers.call(event, context)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert len(dependency.calls) == 1
{%- if py.idem %}


def test_a_redelivered_message_does_not_call_twice(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    handlers.call(load_event("call"), context)
    handlers.call(load_event("call"), context)
    assert len(dependency.calls) == 2


def test_a_capture_retried_after_the_trial_sends_the_same_key(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    dependency.failing = True
    batch(handlers, context, [f"r{i}" for i in range(THRESHOLD)])
    first_key = dependency.calls[0][1]
    clock[0] += OPEN_SECONDS
    dependency.failing = False
    assert batch(handlers, context, ["r0"]) == []
    assert dependency.calls[-1][1] == first_key
{%- endif %}


def test_the_correlation_id_travels_with_the_message(handlers: ModuleType, context: FakeContext, dependency: FakeDependency, clock: list[int]) -> None:
    event = load_event("call")
    handlers.call({"Records": event["Records"][:1]}, context)
    assert handlers.logger.get_correlation_id() == "req-8c41f0"
{%- endif %}


def test_a_trickling_answer_is_cut_off_at_the_call_deadline(handlers: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    monkeypatch.setattr(handlers.time, "monotonic", lambda: now[0])

    class Trickle:
        """Each socket read brings one byte, a second later: no single read times out."""

        def read1(self, _size: int) -> bytes:
            now[0] += 1.0
            return b"x"

    with pytest.raises(TimeoutError):
        handlers.read_within(Trickle(), deadline=5.0)

    class Whole:
        def __init__(self) -> None:
            self.parts = [b'{"captured"', b": true}"]

        def read1(self, _size: int) -> bytes:
            return self.parts.pop(0) if self.parts else b""

    now[0] = 0.0
    assert handlers.read_within(Whole(), deadline=5.0) == b'{"captured": true}'

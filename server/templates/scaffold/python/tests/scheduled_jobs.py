from types import ModuleType
from typing import Any

import boto3
import pytest
from conftest import {% if py.job_secret %}TEST_JOB_SECRET, {% endif %}REGION, FakeContext, load_event


def items(resources: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The runs table's items by id."""
    scan = boto3.client("dynamodb", region_name=REGION).scan(TableName=resources["runs_table"])
    return {i["id"]["S"]: i for i in scan["Items"]}


def test_the_sample_slot_runs_and_is_recorded(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    event = load_event("run")
    result = handlers.run(event, context)
    assert result["status"] == "completed"
    assert result["scheduled_time"] == event["scheduled_time"]
    stored = items(resources)
    run_id = f"run#{event['schedule_arn']}#{event['scheduled_time']}"
    assert stored[run_id]["status"]["S"] == "COMPLETED"
    # The lock is released when the run ends.
    assert not [k for k in stored if k.startswith("lock#")]


def test_a_redelivered_slot_does_not_run_again(
    handlers: ModuleType, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = handlers.do_job

    def counting(slot: Any, *secret: str) -> dict[str, Any]:
        calls.append(slot.scheduled_time)
        return original(slot, *secret)

    monkeypatch.setattr(handlers, "do_job", counting)
    assert handlers.run(load_event("run"), context)["status"] == "completed"
    assert handlers.run(load_event("run"), context)["status"] == "duplicate"
    assert len(calls) == 1


def test_a_start_while_the_previous_run_holds_the_lock_is_skipped(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    event = load_event("run")
    ledger = handlers.RunLedger(
        boto3.client("dynamodb", region_name=REGION), resources["runs_table"], 3600
    )
    earlier = handlers.parse_slot({**event, "scheduled_time": "2026-11-25T02:00:00Z"})
    now = handlers.time.time()
    assert ledger.lock(earlier, int(now), int(now) + 600)
    assert handlers.run(event, context)["status"] == "skipped"
    # Once the earlier run's lease is over, the slot runs.
    ledger.unlock(earlier)
    assert handlers.run(event, context)["status"] == "completed"


def test_a_second_delivery_of_a_running_slot_is_not_an_overlap(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    ledger = handlers.RunLedger(
        boto3.client("dynamodb", region_name=REGION), resources["runs_table"], 3600
    )
    slot = handlers.parse_slot(load_event("run"))
    now = int(handlers.time.time())
    assert ledger.lock(slot, now, now + 600)
    assert handlers.run(load_event("run"), context)["status"] == "running"
    assert ledger.holder(slot) == slot.run_id


def test_a_lock_left_by_a_run_past_its_deadline_is_taken_over(
    handlers: ModuleType, resources: dict[str, str]
) -> None:
    ledger = handlers.RunLedger(
        boto3.client("dynamodb", region_name=REGION), resources["runs_table"], 3600
    )
    slot = handlers.parse_slot(load_event("run"))
    dead = handlers.parse_slot({**load_event("run"), "scheduled_time": "2026-11-25T02:00:00Z"})
    assert ledger.lock(dead, 1_000, 1_900)
    assert not ledger.lock(slot, 1_800, 2_700)
    assert ledger.lock(slot, 1_901, 2_800)


def test_a_failed_run_records_nothing_and_frees_the_lock(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(slot: Any, *secret: str) -> dict[str, Any]:
        raise RuntimeError("partner feed unavailable")

    original = handlers.do_job
    monkeypatch.setattr(handlers, "do_job", failing)
    with pytest.raises(RuntimeError):
        handlers.run(load_event("run"), context)
    assert items(resources) == {}
    # Lambda's retry of the same slot runs the job.
    monkeypatch.setattr(handlers, "do_job", original)
    assert handlers.run(load_event("run"), context)["status"] == "completed"


@pytest.mark.parametrize(
    "change",
    [{"schedule_arn": ""}, {"scheduled_time": None}, {"scheduled_time": "last night"}],
)
def test_an_event_without_a_slot_fails(
    handlers: ModuleType, context: FakeContext, change: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        handlers.run({**load_event("run"), **change}, context)
{%- if py.job_secret %}


def test_the_job_gets_the_secret_without_logging_it(
    handlers: ModuleType, context: FakeContext, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[str] = []
    original = handlers.do_job

    def recording(slot: Any, secret: str) -> dict[str, Any]:
        seen.append(secret)
        return original(slot, secret)

    monkeypatch.setattr(handlers, "do_job", recording)
    assert handlers.run(load_event("run"), context)["status"] == "completed"
    assert seen == [TEST_JOB_SECRET]
    assert TEST_JOB_SECRET not in capsys.readouterr().out
{%- endif %}

from types import ModuleType

import boto3
import pytest
from conftest import REGION, FakeContext, load_event


def saga_items(table: str, saga_id: str) -> dict[str, str]:
    """The saga table's items for a saga, as step → status."""
    items = boto3.client("dynamodb", region_name=REGION).query(
        TableName=table,
        KeyConditionExpression="id = :id",
        ExpressionAttributeValues={":id": {"S": saga_id}},
    )["Items"]
    return {item["step"]["S"]: item["status"]["S"] for item in items}


def test_the_steps_run_in_order_and_record_themselves(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    state = handlers.reserve(load_event("reserve"), context)
    assert state["reserve"] == {"held": {"A-1": 2, "B-7": 1}}
    state = handlers.charge(state, context)
    assert state["charge"] == {"amount": "29.00"}
    state = handlers.confirm(state, context)
    assert state["confirm"] == {"confirmed": True}
    assert saga_items(resources["saga_table"], state["id"]) == {
        "reserve": "done",
        "charge": "done",
        "confirm": "done",
    }


def test_a_retried_step_returns_its_first_result_and_writes_once(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    event = load_event("charge")
    first = handlers.charge(event, context)
    # A retry with other prices must not charge again: the first result stands.
    event["items"][0]["price"] = 99
    assert handlers.charge(event, context)["charge"] == first["charge"]
    assert saga_items(resources["saga_table"], event["id"]) == {"charge": "done"}


@pytest.mark.parametrize(
    "change",
    [{"id": ""}, {"id": 7}, {"items": []}, {"items": [{"sku": "A-1", "price": 3}]}, {"items": [{"sku": "A-1", "price": -1, "quantity": 1}]}],
    ids=["empty id", "number id", "no items", "no quantity", "negative price"],
)
def test_reserve_refuses_a_bad_order_with_validation_error(
    handlers: ModuleType, context: FakeContext, change: dict
) -> None:
    with pytest.raises(handlers.ValidationError) as raised:
        handlers.reserve({**load_event("reserve"), **change}, context)
    # Step Functions sees the exception's class name as the error name.
    assert type(raised.value).__name__ == "ValidationError"


def test_a_compensation_undoes_a_done_step_once(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    handlers.charge(load_event("charge"), context)
    event = load_event("refund")
    assert handlers.refund(event, context)["refunded"] is True
    assert handlers.refund(event, context)["refunded"] is False
    assert saga_items(resources["saga_table"], event["id"]) == {"charge": "compensated"}


def test_a_step_that_arrives_after_its_compensation_is_refused(
    handlers: ModuleType, context: FakeContext, resources: dict[str, str]
) -> None:
    # The compensation ran first (the step timed out before writing): there was nothing to undo,
    assert handlers.release(load_event("release"), context)["released"] is False
    # and the step's late retry must not hold items nobody will release.
    with pytest.raises(handlers.StepAlreadyCompensated):
        handlers.reserve(load_event("reserve"), context)
    assert saga_items(resources["saga_table"], "order-1001") == {"reserve": "compensated"}

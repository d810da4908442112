import json
from types import ModuleType
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import REGION, FakeContext, load_event


def store(item_id: str, name: str, updated_at: int) -> None:
    """Puts an item in the fake table as the new service keeps it."""
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName="items",
        Item={"id": {"S": item_id}, "name": {"S": name}, "updated_at": {"N": str(updated_at)}},
    )


def test_a_stored_item_is_answered_in_the_legacy_shape(handlers: ModuleType, context: FakeContext) -> None:
    store("item-1001", "lamp", 1795688130)
    response = handlers.migrated(load_event("migrated"), context)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"itemId": "item-1001", "itemName": "lamp", "lastModified": 1795688130}


def test_an_unknown_item_is_404(handlers: ModuleType, context: FakeContext) -> None:
    response = handlers.migrated(load_event("migrated"), context)
    assert response["statusCode"] == 404


def test_a_store_failure_raises_so_the_alarms_count_it(handlers: ModuleType, context: FakeContext) -> None:
    error = ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "GetItem")
    with mock.patch.object(handlers.table, "get_item", side_effect=error), pytest.raises(ClientError):
        handlers.migrated(load_event("migrated"), context)


def test_the_correlation_id_is_the_facades_request_id(handlers: ModuleType, context: FakeContext) -> None:
    handlers.migrated(load_event("migrated"), context)
    assert handlers.logger.get_correlation_id() == load_event("migrated")["requestContext"]["requestId"]

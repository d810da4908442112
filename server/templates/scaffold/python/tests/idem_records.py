{% if py.idem %}

def idempotency_records() -> list[dict[str, Any]]:
    """The records in the fake idempotency table, one per key seen."""
    return boto3.client("dynamodb", region_name=REGION).scan(TableName="idempotency")["Items"]
{% endif -%}

    # Keyed as template.yaml's WriteTable and ReadTable (with the read model's indexes).
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName="write",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.create_table(
        TableName="read",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[
{%- if let Some(c) = plan.cqrs %}{% for v in c.views %}
            {"AttributeName": "{{ v.attribute }}", "AttributeType": "S"},
{%- endfor %}{% if !c.views.is_empty() %}
            {"AttributeName": "updatedAt", "AttributeType": "S"},
{%- endif %}{% endif %}
            {"AttributeName": "id", "AttributeType": "S"},
        ],
{%- if let Some(c) = plan.cqrs %}{% if !c.views.is_empty() %}
        GlobalSecondaryIndexes=[
{%- for v in c.views %}
            {
                "IndexName": "{{ v.index }}",
                "KeySchema": [
                    {"AttributeName": "{{ v.attribute }}", "KeyType": "HASH"},
                    {"AttributeName": "updatedAt", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
{%- endfor %}
        ],
{%- endif %}{% endif %}
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("WRITE_TABLE", "write")
    monkeypatch.setenv("READ_TABLE", "read")
    names["write_table"] = "write"
    names["read_table"] = "read"

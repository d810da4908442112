{%- if let Some(rt) = plan.realtime %}
    # Keyed as template.yaml's ChannelsTable: pk and sk, the byConnection index, TTL expiresAt.
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="channels",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "connectionId", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byConnection",
                "KeySchema": [{"AttributeName": "connectionId", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    queue = "broadcast{% if rt.ordered %}.fifo{% endif %}"
    attributes = {% if rt.ordered %}{"FifoQueue": "true", "ContentBasedDeduplication": "true"}{% else %}{}{% endif %}
    names["queue_url"] = boto3.client("sqs", region_name=REGION).create_queue(QueueName=queue, Attributes=attributes)["QueueUrl"]
    names["table"] = "channels"
    for name, value in {
        "CHANNELS_TABLE": "channels",
        "BROADCAST_QUEUE_URL": names["queue_url"],
        "SHARDS": "1",
        "ORDERED": "{{ rt.ordered }}",
        "MAX_MESSAGE_BYTES": "{{ rt.max_message_bytes }}",
        "CONNECTION_TTL_SECONDS": "{{ rt.connection_ttl_s }}",
        "REPLAY_PAGE": "{{ rt.replay_page }}",
        "POSTS_IN_FLIGHT": "{{ rt.posts_in_flight }}",
        "REPLAY_WINDOW_SECONDS": "{{ rt.replay_window_s }}",
        "CONNECTIONS_ENDPOINT": "https://abcdef1234.execute-api.us-east-1.amazonaws.com/dev",
    }.items():
        monkeypatch.setenv(name, value)
{%- endif %}

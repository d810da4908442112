{%- if let Some(rt) = plan.realtime %}


def test_an_unsigned_connection_is_refused(outputs: dict[str, str]) -> None:
    # $connect takes only IAM-signed URLs: the WebSocket handshake is answered 403.
    import urllib.error
    import urllib.request

    url = outputs["WebSocketUrl"].replace("wss://", "https://", 1)
    headers = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30)
    assert refused.value.code == 403


def test_a_queued_broadcast_is_logged_for_late_subscribers(outputs: dict[str, str]) -> None:
    # No one is subscribed to a fresh channel, so the broadcaster only logs the message.
    channel = f"integration-{uuid.uuid4()}"
    send: dict[str, Any] = {
        "QueueUrl": outputs["BroadcastQueueUrl"],
        "MessageBody": json.dumps({"channel": channel, "data": {"text": "integration"}, "correlationId": channel}),
    }
{%- if rt.ordered %}
    send["MessageGroupId"] = channel
{%- endif %}
    boto3.client("sqs").send_message(**send)
    table = boto3.resource("dynamodb").Table(outputs["ChannelsTableName"])

    def logged_message() -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key

        out = table.query(KeyConditionExpression=Key("pk").eq(f"log#{channel}"))
        return out.get("Items", [])

    [item] = eventually("the broadcast was logged", logged_message)
    assert json.loads(item["data"]) == {"text": "integration"}
{%- endif %}

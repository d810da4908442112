import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

logger = Logger()
tracer = Tracer()
metrics = Metrics()
table = boto3.resource("dynamodb").Table(os.environ["CHANNELS_TABLE"])
sqs = boto3.client("sqs")

QUEUE_URL = os.environ["BROADCAST_QUEUE_URL"]
SHARDS = int(os.environ.get("SHARDS", "1"))
ORDERED = os.environ.get("ORDERED", "false") == "true"
MAX_MESSAGE_BYTES = int(os.environ.get("MAX_MESSAGE_BYTES", "32768"))
CONNECTION_TTL_SECONDS = int(os.environ.get("CONNECTION_TTL_SECONDS", "8100"))
REPLAY_PAGE = int(os.environ.get("REPLAY_PAGE", "100"))
POSTS_IN_FLIGHT = int(os.environ.get("POSTS_IN_FLIGHT", "25"))
REPLAY_WINDOW_SECONDS = int(os.environ.get("REPLAY_WINDOW_SECONDS", "7200"))
# Channel names end up in keys and message groups: letters, digits and a few separators.
CHANNEL = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
ACTIONS = "subscribe, sendmessage or ping"


def management() -> Any:
    """The @connections client of this stage (CONNECTIONS_ENDPOINT), for the broadcaster."""
    return boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["CONNECTIONS_ENDPOINT"])


def shard_of(connection_id: str, shards: int) -> int:
    """The shard a connection's subscriptions live in: the same for every channel it joins."""
    return sum(connection_id.encode()) % max(shards, 1)


def subscription_key(channel: str, shard: int) -> str:
    return f"conn#{channel}#{shard}"


def log_key(channel: str) -> str:
    return f"log#{channel}"


def reply(body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    """A route's answer: API Gateway sends the body back to the client as one frame."""
    return {"statusCode": status, "body": json.dumps(body)}


def subscribe(connection_id: str, channel: str) -> None:
    """Records the connection under its shard of the channel, until TTL removes it."""
    table.put_item(
        Item={
            "pk": subscription_key(channel, shard_of(connection_id, SHARDS)),
            "sk": connection_id,
            "connectionId": connection_id,
            "channel": channel,
            "expiresAt": int(time.time()) + CONNECTION_TTL_SECONDS,
        }
    )


def missed(channel: str, since: str) -> tuple[list[dict[str, Any]], bool]:
    """The channel's logged messages after the cursor `since`, oldest first, and whether there are more."""
    out = table.query(
        KeyConditionExpression=Key("pk").eq(log_key(channel)) & Key("sk").gt(since),
        Limit=REPLAY_PAGE,
    )
    items = [{"cursor": i["sk"], "data": json.loads(i["data"])} for i in out.get("Items", [])]
    return items, "LastEvaluatedKey" in out


def forget(connection_id: str) -> int:
    """Deletes every subscription of a connection (found through the byConnection index)."""
    out = table.query(IndexName="byConnection", KeyConditionExpression=Key("connectionId").eq(connection_id))
    for item in out.get("Items", []):
        table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    return len(out.get("Items", []))


def body_of(event: dict[str, Any]) -> dict[str, Any] | None:
    try:
        body = json.loads(event.get("body") or "{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


@tracer.capture_method
def route(event: dict[str, Any]) -> dict[str, Any]:
    """One WebSocket event, by route key."""
    ctx = event["requestContext"]
    connection_id = ctx["connectionId"]
    key = ctx["routeKey"]
    if key == "$connect":
        channel = (event.get("queryStringParameters") or {}).get("channel")
        if channel is not None:
            if not CHANNEL.match(channel):
                return reply({"type": "error", "message": "bad channel name"}, 400)
            subscribe(connection_id, channel)
        metrics.add_metric(name="Connections", unit=MetricUnit.Count, value=1)
        return {"statusCode": 200}
    if key == "$disconnect":
        logger.info("disconnected", extra={"subscriptions": forget(connection_id)})
        return {"statusCode": 200}
    if key == "ping":
        return reply({"type": "pong"})
    body = body_of(event)
    if key == "$default" or body is None:
        return reply({"type": "error", "message": f"unknown action: use {ACTIONS}"}, 400)
    channel = body.get("channel")
    if not isinstance(channel, str) or not CHANNEL.match(channel):
        return reply({"type": "error", "message": "bad channel name"}, 400)
    if key == "subscribe":
        subscribe(connection_id, channel)
        since = body.get("since")
        items, more = missed(channel, since) if isinstance(since, str) and since else ([], False)
        return reply({"type": "subscribed", "channel": channel, "missed": items, "more": more})
    # sendmessage
    if len((event.get("body") or "").encode()) > MAX_MESSAGE_BYTES:
        metrics.add_metric(name="MessagesTooLarge", unit=MetricUnit.Count, value=1)
        return reply({"type": "error", "message": f"messages are limited to {MAX_MESSAGE_BYTES} bytes"}, 413)
    message = {"channel": channel, "data": body.get("data"), "correlationId": ctx["requestId"]}
    send: dict[str, Any] = {"QueueUrl": QUEUE_URL, "MessageBody": json.dumps(message)}
    if ORDERED:
        # One group per channel keeps its order; the request id makes a retried send a no-op.
        send["MessageGroupId"] = channel
        send["MessageDeduplicationId"] = ctx["requestId"]
    sqs.send_message(**send)
    metrics.add_metric(name="MessagesQueued", unit=MetricUnit.Count, value=1)
    return reply({"type": "queued", "channel": channel})


# The correlation id is API Gateway's request id: the access log records it, and sendmessage
# passes it on to the broadcaster with the message.
@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def connections(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The WebSocket routes: $connect, $disconnect, subscribe, sendmessage, ping and $default."""
    return route(event)


def cursor_of(record: dict[str, Any]) -> str:
    """A message's place in its channel: the FIFO sequence number, or the send time and message id."""
    attributes = record.get("attributes", {})
    if ORDERED and "SequenceNumber" in attributes:
        return attributes["SequenceNumber"].zfill(40)
    return f"{int(attributes.get('SentTimestamp', '0')):013d}-{record['messageId']}"


class PostFailed(Exception):
    """Some connections could not be posted to (other than gone): the message is retried."""


@tracer.capture_method
def deliver(channel: str, shard: int, frame: bytes, client: Any) -> tuple[int, int]:
    """Posts the frame to every connection of one shard of the channel, POSTS_IN_FLIGHT at a
    time; deletes the subscriptions of connections that answer 410 Gone. Returns (posted, gone)."""
    posted = gone = failed = 0
    start: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=POSTS_IN_FLIGHT) as pool:
        while True:
            page = table.query(KeyConditionExpression=Key("pk").eq(subscription_key(channel, shard)), **start)
            items = page.get("Items", [])

            def post(item: dict[str, Any]) -> str:
                try:
                    client.post_to_connection(ConnectionId=item["sk"], Data=frame)
                    return "posted"
                except ClientError as e:
                    if e.response.get("Error", {}).get("Code") == "GoneException":
                        table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
                        return "gone"
                    logger.warning("post failed", extra={"connection_id": item["sk"], "error": str(e)})
                    return "failed"

            for result in pool.map(post, items):
                posted += result == "posted"
                gone += result == "gone"
                failed += result == "failed"
            if "LastEvaluatedKey" not in page:
                break
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    metrics.add_metric(name="Posted", unit=MetricUnit.Count, value=posted)
    metrics.add_metric(name="GoneConnections", unit=MetricUnit.Count, value=gone)
    if failed:
        raise PostFailed(f"{failed} connection(s) of {channel}#{shard} could not be posted to")
    return posted, gone


def handle(record: dict[str, Any], client: Any) -> None:
    """One queued message: a new broadcast (logged, then copied per shard or delivered), or a
    shard's copy (delivered)."""
    message = json.loads(record["body"])
    channel, data = message["channel"], message.get("data")
    logger.set_correlation_id(message.get("correlationId") or record["messageId"])
    if "shard" not in message:
        cursor = cursor_of(record)
        # Late subscribers catch up from this log; a redelivered message writes the same key.
        table.put_item(
            Item={
                "pk": log_key(channel),
                "sk": cursor,
                "data": json.dumps(data),
                "expiresAt": int(time.time()) + REPLAY_WINDOW_SECONDS,
            }
        )
        if SHARDS > 1:
            for shard in range(SHARDS):
                copy = {**message, "shard": shard, "cursor": cursor}
                send: dict[str, Any] = {"QueueUrl": QUEUE_URL, "MessageBody": json.dumps(copy)}
                if ORDERED:
                    send["MessageGroupId"] = f"{channel}#{shard}"
                    send["MessageDeduplicationId"] = f"{cursor}-{shard}"[-128:]
                sqs.send_message(**send)
            return
        shard = 0
    else:
        shard, cursor = int(message["shard"]), message["cursor"]
    frame = json.dumps({"type": "message", "channel": channel, "cursor": cursor, "data": data}).encode()
    if len(frame) > MAX_MESSAGE_BYTES:
        # Refused before it costs a post to every connection; the producer must send a reference.
        logger.error("message too large to broadcast", extra={"bytes": len(frame), "channel": channel})
        metrics.add_metric(name="MessagesTooLarge", unit=MetricUnit.Count, value=1)
        return
    deliver(channel, shard, frame, client)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def broadcast(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Queued broadcasts, in order: reports the messages that failed, and with a FIFO queue every
    message after the first failure too, so none overtakes it."""
    client = management()
    failures: list[dict[str, str]] = []
    for record in event["Records"]:
        if failures and ORDERED:
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        try:
            handle(record, client)
        except Exception:
            logger.exception("broadcast failed", extra={"sqs_message_id": record["messageId"]})
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}

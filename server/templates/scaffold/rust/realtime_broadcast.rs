
/// Settings from template.yaml, read once per cold start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Shards each channel's connections are spread over (`SHARDS`).
    pub shards: u32,
    /// Whether the broadcast queue is FIFO (`ORDERED`).
    pub ordered: bool,
    /// The largest message accepted or broadcast, in bytes (`MAX_MESSAGE_BYTES`).
    pub max_message_bytes: usize,
    /// How long a subscription lives (`CONNECTION_TTL_SECONDS`).
    pub connection_ttl_s: u64,
    /// How many missed messages `subscribe` returns (`REPLAY_PAGE`).
    pub replay_page: i32,
    /// Posts kept in flight by one invocation (`POSTS_IN_FLIGHT`).
    pub posts_in_flight: usize,
    /// How long the channel's log keeps a message (`REPLAY_WINDOW_SECONDS`).
    pub replay_window_s: u64,
}

impl Settings {
    /// Reads the settings, with the template's values where a variable is unset.
    pub fn from_env() -> Self {
        fn num<T: std::str::FromStr>(name: &str, fallback: T) -> T {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(fallback)
        }
        Self {
            shards: num("SHARDS", 1u32).max(1),
            ordered: std::env::var("ORDERED").is_ok_and(|v| v == "true"),
            max_message_bytes: num("MAX_MESSAGE_BYTES", 32_768),
            connection_ttl_s: num("CONNECTION_TTL_SECONDS", 8_100),
            replay_page: num("REPLAY_PAGE", 100),
            posts_in_flight: num("POSTS_IN_FLIGHT", 25usize).max(1),
            replay_window_s: num("REPLAY_WINDOW_SECONDS", 7_200),
        }
    }
}

/// Whether a channel name is safe in keys and message groups.
pub fn valid_channel(channel: &str) -> bool {
    (1..=128).contains(&channel.len())
        && channel
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b))
}

/// The shard a connection's subscriptions live in: the same for every channel it joins.
pub fn shard_of(connection_id: &str, shards: u32) -> u32 {
    connection_id.bytes().map(u32::from).sum::<u32>() % shards.max(1)
}

/// The key of one shard of a channel's subscriptions.
pub fn subscription_key(channel: &str, shard: u32) -> String {
    format!("conn#{channel}#{shard}")
}

/// The key of a channel's message log.
pub fn log_key(channel: &str) -> String {
    format!("log#{channel}")
}

/// A logged message, for a client catching up.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Logged {
    /// Its place in the channel.
    pub cursor: String,
    /// What was broadcast.
    pub data: serde_json::Value,
}

/// ChannelsTable: subscriptions per channel shard, and each channel's recent messages.
pub trait Channels: Sync {
    /// Records a subscription until `expires_at`.
    fn subscribe(
        &self,
        connection_id: &str,
        channel: &str,
        shard: u32,
        expires_at: u64,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// Deletes every subscription of a connection; returns how many there were.
    fn forget(&self, connection_id: &str) -> impl Future<Output = Result<usize, Error>> + Send;
    /// The channel's messages after `since`, oldest first, and whether there are more.
    fn missed(
        &self,
        channel: &str,
        since: &str,
        limit: i32,
    ) -> impl Future<Output = Result<(Vec<Logged>, bool), Error>> + Send;
    /// Logs a broadcast message until `expires_at`.
    fn log(
        &self,
        channel: &str,
        cursor: &str,
        data: &serde_json::Value,
        expires_at: u64,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// The connection ids of one shard of a channel, every page.
    fn connections(&self, channel: &str, shard: u32) -> impl Future<Output = Result<Vec<String>, Error>> + Send;
    /// Deletes one subscription.
    fn unsubscribe(
        &self,
        channel: &str,
        shard: u32,
        connection_id: &str,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}

/// The broadcast queue.
pub trait BroadcastQueue: Sync {
    /// Sends a message, with a FIFO group and deduplication id when the queue is ordered.
    fn send(
        &self,
        body: &serde_json::Value,
        group: Option<String>,
        deduplication_id: Option<String>,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}

/// What a post to a connection found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    /// Delivered.
    Delivered,
    /// The connection answered 410 Gone.
    Gone,
}

/// The stage's `@connections` API.
pub trait Poster: Sync {
    /// Posts one frame to one connection.
    fn post(&self, connection_id: &str, frame: &[u8]) -> impl Future<Output = Result<Posted, Error>> + Send;
}

/// ChannelsTable in DynamoDB (`CHANNELS_TABLE`: pk, sk, the byConnection index).
pub struct DynamoChannels {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoChannels {
    /// The table named by `CHANNELS_TABLE`.
    pub fn new(config: &aws_config::SdkConfig) -> Result<Self, Error> {
        Ok(Self {
            client: aws_sdk_dynamodb::Client::new(config),
            table: env("CHANNELS_TABLE")?,
        })
    }
}

fn s(value: &str) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::S(value.to_owned())
}

fn text(item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>, name: &str) -> String {
    item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default()
}

impl Channels for DynamoChannels {
    async fn subscribe(&self, connection_id: &str, channel: &str, shard: u32, expires_at: u64) -> Result<(), Error> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(&subscription_key(channel, shard)))
            .item("sk", s(connection_id))
            .item("connectionId", s(connection_id))
            .item("channel", s(channel))
            .item(
                "expiresAt",
                aws_sdk_dynamodb::types::AttributeValue::N(expires_at.to_string()),
            )
            .send()
            .await
            .map_err(|e| aws_error("recording the subscription", &e))?;
        Ok(())
    }

    async fn forget(&self, connection_id: &str) -> Result<usize, Error> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("byConnection")
            .key_condition_expression("connectionId = :c")
            .expression_attribute_values(":c", s(connection_id))
            .send()
            .await
            .map_err(|e| aws_error("finding the connection's subscriptions", &e))?;
        for item in out.items() {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s(&text(item, "pk")))
                .key("sk", s(&text(item, "sk")))
                .send()
                .await
                .map_err(|e| aws_error("deleting a subscription", &e))?;
        }
        Ok(out.items().len())
    }

    async fn missed(&self, channel: &str, since: &str, limit: i32) -> Result<(Vec<Logged>, bool), Error> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk > :since")
            .expression_attribute_values(":pk", s(&log_key(channel)))
            .expression_attribute_values(":since", s(since))
            .limit(limit)
            .send()
            .await
            .map_err(|e| aws_error("reading the channel's log", &e))?;
        let items = out
            .items()
            .iter()
            .map(|i| Logged {
                cursor: text(i, "sk"),
                data: serde_json::from_str(&text(i, "data")).unwrap_or(serde_json::Value::Null),
            })
            .collect();
        Ok((items, out.last_evaluated_key().is_some()))
    }

    async fn log(&self, channel: &str, cursor: &str, data: &serde_json::Value, expires_at: u64) -> Result<(), Error> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(&log_key(channel)))
            .item("sk", s(cursor))
            .item("data", s(&data.to_string()))
            .item(
                "expiresAt",
                aws_sdk_dynamodb::types::AttributeValue::N(expires_at.to_string()),
            )
            .send()
            .await
            .map_err(|e| aws_error("logging the message", &e))?;
        Ok(())
    }

    async fn connections(&self, channel: &str, shard: u32) -> Result<Vec<String>, Error> {
        let mut ids = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(&subscription_key(channel, shard)))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| aws_error("reading the shard's subscriptions", &e))?;
            ids.extend(out.items().iter().map(|i| text(i, "sk")));
            start = out.last_evaluated_key().cloned();
            if start.is_none() {
                return Ok(ids);
            }
        }
    }

    async fn unsubscribe(&self, channel: &str, shard: u32, connection_id: &str) -> Result<(), Error> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(&subscription_key(channel, shard)))
            .key("sk", s(connection_id))
            .send()
            .await
            .map_err(|e| aws_error("deleting a gone connection", &e))?;
        Ok(())
    }
}

/// The broadcast queue in SQS (`BROADCAST_QUEUE_URL`).
pub struct SqsBroadcastQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SqsBroadcastQueue {
    /// The queue named by `BROADCAST_QUEUE_URL`.
    pub fn new(config: &aws_config::SdkConfig) -> Result<Self, Error> {
        Ok(Self {
            client: aws_sdk_sqs::Client::new(config),
            url: env("BROADCAST_QUEUE_URL")?,
        })
    }
}

impl BroadcastQueue for SqsBroadcastQueue {
    async fn send(
        &self,
        body: &serde_json::Value,
        group: Option<String>,
        deduplication_id: Option<String>,
    ) -> Result<(), Error> {
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body.to_string())
            .set_message_group_id(group)
            .set_message_deduplication_id(deduplication_id)
            .send()
            .await
            .map_err(|e| aws_error("queueing the broadcast", &e))?;
        Ok(())
    }
}

/// The stage's `@connections` API (`CONNECTIONS_ENDPOINT`).
pub struct ManagementPoster {
    client: aws_sdk_apigatewaymanagement::Client,
}

impl ManagementPoster {
    /// A client of the endpoint named by `CONNECTIONS_ENDPOINT`.
    pub fn new(config: &aws_config::SdkConfig) -> Result<Self, Error> {
        let conf = aws_sdk_apigatewaymanagement::config::Builder::from(config)
            .endpoint_url(env("CONNECTIONS_ENDPOINT")?)
            .build();
        Ok(Self {
            client: aws_sdk_apigatewaymanagement::Client::from_conf(conf),
        })
    }
}

impl Poster for ManagementPoster {
    async fn post(&self, connection_id: &str, frame: &[u8]) -> Result<Posted, Error> {
        match self
            .client
            .post_to_connection()
            .connection_id(connection_id)
            .data(aws_sdk_apigatewaymanagement::primitives::Blob::new(frame))
            .send()
            .await
        {
            Ok(_) => Ok(Posted::Delivered),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_gone_exception()) => Ok(Posted::Gone),
            Err(e) => Err(aws_error("posting to a connection", &e)),
        }
    }
}

/// The `connections` function: the WebSocket routes `$connect`, `$disconnect`, `subscribe`,
/// `sendmessage`, `ping` and `$default`.
pub mod connections {
    use lambda_runtime::LambdaEvent;
    use serde_json::{Value, json};
    use tracing::Instrument as _;

    use super::{
        BroadcastQueue, Channels, DynamoChannels, Error, Settings, SqsBroadcastQueue, invocation_span, now_s, shard_of,
        valid_channel,
    };

    /// What the function needs, built once per cold start.
    pub struct Deps<C = DynamoChannels, Q = SqsBroadcastQueue> {
        /// The channels table.
        pub channels: C,
        /// The broadcast queue.
        pub queue: Q,
        /// The template's settings.
        pub settings: Settings,
    }

    impl Deps {
        /// Reads `CHANNELS_TABLE`, `BROADCAST_QUEUE_URL` and the settings.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            Ok(Self {
                channels: DynamoChannels::new(&config)?,
                queue: SqsBroadcastQueue::new(&config)?,
                settings: Settings::from_env(),
            })
        }
    }

    /// The parts of a WebSocket event the routes read.
    #[derive(Debug, Clone, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WsEvent {
        /// Who sent it and on which route.
        pub request_context: WsContext,
        /// The frame, for message routes.
        #[serde(default)]
        pub body: Option<String>,
        /// The connection URL's query, on `$connect`.
        #[serde(default)]
        pub query_string_parameters: Option<std::collections::HashMap<String, String>>,
    }

    /// The request context of a WebSocket event.
    #[derive(Debug, Clone, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WsContext {
        /// `$connect`, `$disconnect`, `subscribe`, `sendmessage`, `ping` or `$default`.
        pub route_key: String,
        /// The connection.
        pub connection_id: String,
        /// API Gateway's request id: the correlation id.
        pub request_id: String,
    }

    fn reply(status: u16, body: Value) -> Value {
        json!({"statusCode": status, "body": body.to_string()})
    }

    /// Handles one WebSocket event.
    pub async fn handle<C: Channels, Q: BroadcastQueue>(
        deps: &Deps<C, Q>,
        event: LambdaEvent<WsEvent>,
    ) -> Result<Value, Error> {
        let span = invocation_span(&event.payload.request_context.request_id, &event.context);
        route(deps, &event.payload, now_s()).instrument(span).await
    }

    /// The route's work, at time `now`.
    pub async fn route<C: Channels, Q: BroadcastQueue>(
        deps: &Deps<C, Q>,
        event: &WsEvent,
        now: u64,
    ) -> Result<Value, Error> {
        let ctx = &event.request_context;
        let shard = shard_of(&ctx.connection_id, deps.settings.shards);
        let expires_at = now + deps.settings.connection_ttl_s;
        match ctx.route_key.as_str() {
            "$connect" => {
                if let Some(channel) = event.query_string_parameters.as_ref().and_then(|q| q.get("channel")) {
                    if !valid_channel(channel) {
                        return Ok(reply(400, json!({"type": "error", "message": "bad channel name"})));
                    }
                    deps.channels
                        .subscribe(&ctx.connection_id, channel, shard, expires_at)
                        .await?;
                }
                return Ok(json!({"statusCode": 200}));
            }
            "$disconnect" => {
                let n = deps.channels.forget(&ctx.connection_id).await?;
                tracing::info!(subscriptions = n, "disconnected");
                return Ok(json!({"statusCode": 200}));
            }
            "ping" => return Ok(reply(200, json!({"type": "pong"}))),
            _ => {}
        }
        let body: Option<serde_json::Map<String, Value>> =
            serde_json::from_str(event.body.as_deref().unwrap_or("{}")).ok();
        let Some(body) = body.filter(|_| ctx.route_key != "$default") else {
            return Ok(reply(
                400,
                json!({"type": "error", "message": "unknown action: use subscribe, sendmessage or ping"}),
            ));
        };
        let Some(channel) = body.get("channel").and_then(Value::as_str).filter(|c| valid_channel(c)) else {
            return Ok(reply(400, json!({"type": "error", "message": "bad channel name"})));
        };
        if ctx.route_key == "subscribe" {
            deps.channels
                .subscribe(&ctx.connection_id, channel, shard, expires_at)
                .await?;
            let (missed, more) = match body.get("since").and_then(Value::as_str).filter(|s| !s.is_empty()) {
                Some(since) => deps.channels.missed(channel, since, deps.settings.replay_page).await?,
                None => (Vec::new(), false),
            };
            return Ok(reply(
                200,
                json!({"type": "subscribed", "channel": channel, "missed": missed, "more": more}),
            ));
        }
        // sendmessage
        if event.body.as_deref().unwrap_or_default().len() > deps.settings.max_message_bytes {
            let limit = deps.settings.max_message_bytes;
            return Ok(reply(
                413,
                json!({"type": "error", "message": format!("messages are limited to {limit} bytes")}),
            ));
        }
        let message = json!({"channel": channel, "data": body.get("data").cloned().unwrap_or(Value::Null), "correlationId": ctx.request_id});
        // One group per channel keeps its order; the request id makes a retried send a no-op.
        let (group, dedup) = if deps.settings.ordered {
            (Some(channel.to_owned()), Some(ctx.request_id.clone()))
        } else {
            (None, None)
        };
        deps.queue.send(&message, group, dedup).await?;
        Ok(reply(200, json!({"type": "queued", "channel": channel})))
    }
}

/// The `broadcast` function: queued messages, logged, copied per shard, posted to each shard's
/// connections.
pub mod broadcast {
    use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
    use futures_util::StreamExt as _;
    use lambda_runtime::LambdaEvent;
    use serde_json::{Value, json};
    use tracing::Instrument as _;

    use super::{
        BroadcastQueue, Channels, DynamoChannels, Error, ManagementPoster, Posted, Poster, Settings, SqsBroadcastQueue,
        invocation_span, now_s,
    };

    /// What the function needs, built once per cold start.
    pub struct Deps<C = DynamoChannels, Q = SqsBroadcastQueue, P = ManagementPoster> {
        /// The channels table.
        pub channels: C,
        /// The broadcast queue (for the copies per shard).
        pub queue: Q,
        /// The stage's `@connections` API.
        pub poster: P,
        /// The template's settings.
        pub settings: Settings,
    }

    impl Deps {
        /// Reads `CHANNELS_TABLE`, `BROADCAST_QUEUE_URL`, `CONNECTIONS_ENDPOINT` and the settings.
        pub async fn from_env() -> Result<Self, Error> {
            let config = aws_config::load_from_env().await;
            Ok(Self {
                channels: DynamoChannels::new(&config)?,
                queue: SqsBroadcastQueue::new(&config)?,
                poster: ManagementPoster::new(&config)?,
                settings: Settings::from_env(),
            })
        }
    }

    /// A queued broadcast, or a shard's copy of one.
    #[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Queued {
        /// The channel.
        pub channel: String,
        /// What to broadcast.
        #[serde(default)]
        pub data: Value,
        /// The producer's correlation id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub correlation_id: Option<String>,
        /// The shard, on a copy.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub shard: Option<u32>,
        /// The cursor, on a copy.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub cursor: Option<String>,
    }

    /// A message's place in its channel: the FIFO sequence number, or the send time and id.
    pub fn cursor_of(record: &SqsMessage, ordered: bool) -> String {
        match record.attributes.get("SequenceNumber") {
            Some(seq) if ordered => format!("{seq:0>40}"),
            _ => {
                let sent: u64 = record
                    .attributes
                    .get("SentTimestamp")
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0);
                format!("{sent:013}-{}", record.message_id.as_deref().unwrap_or_default())
            }
        }
    }

    /// Posts the frame to every connection of one shard, `posts_in_flight` at a time; deletes
    /// those that are gone. Returns (delivered, gone); fails when any other post failed.
    pub async fn deliver<C: Channels, Q: BroadcastQueue, P: Poster>(
        deps: &Deps<C, Q, P>,
        channel: &str,
        shard: u32,
        frame: &[u8],
    ) -> Result<(usize, usize), Error> {
        let ids = deps.channels.connections(channel, shard).await?;
        let results: Vec<(String, Result<Posted, Error>)> = futures_util::stream::iter(ids)
            .map(|id| async move {
                let r = deps.poster.post(&id, frame).await;
                (id, r)
            })
            .buffer_unordered(deps.settings.posts_in_flight)
            .collect()
            .await;
        let (mut delivered, mut gone, mut failed) = (0, 0, 0);
        for (id, result) in results {
            match result {
                Ok(Posted::Delivered) => delivered += 1,
                Ok(Posted::Gone) => {
                    gone += 1;
                    deps.channels.unsubscribe(channel, shard, &id).await?;
                }
                Err(e) => {
                    failed += 1;
                    tracing::warn!(connection_id = %id, error = %e, "post failed");
                }
            }
        }
        tracing::info!(delivered, gone, "posted");
        if failed > 0 {
            return Err(format!("{failed} connection(s) of {channel}#{shard} could not be posted to").into());
        }
        Ok((delivered, gone))
    }

    /// One queued message, at time `now`.
    pub async fn process<C: Channels, Q: BroadcastQueue, P: Poster>(
        deps: &Deps<C, Q, P>,
        record: &SqsMessage,
        now: u64,
    ) -> Result<(), Error> {
        let message: Queued = serde_json::from_str(record.body.as_deref().unwrap_or_default())
            .map_err(|e| format!("bad message body: {e}"))?;
        let s = &deps.settings;
        let (shard, cursor) = match (message.shard, &message.cursor) {
            (Some(shard), Some(cursor)) => (shard, cursor.clone()),
            _ => {
                let cursor = cursor_of(record, s.ordered);
                // Late subscribers catch up from this log; a redelivered message writes the same key.
                deps.channels
                    .log(&message.channel, &cursor, &message.data, now + s.replay_window_s)
                    .await?;
                if s.shards > 1 {
                    for shard in 0..s.shards {
                        let copy = Queued {
                            shard: Some(shard),
                            cursor: Some(cursor.clone()),
                            ..message.clone()
                        };
                        let (group, dedup) = if s.ordered {
                            let id = format!("{cursor}-{shard}");
                            (
                                Some(format!("{}#{shard}", message.channel)),
                                Some(id[id.len().saturating_sub(128)..].to_owned()),
                            )
                        } else {
                            (None, None)
                        };
                        deps.queue.send(&serde_json::to_value(&copy)?, group, dedup).await?;
                    }
                    return Ok(());
                }
                (0, cursor)
            }
        };
        let frame =
            json!({"type": "message", "channel": message.channel, "cursor": cursor, "data": message.data}).to_string();
        if frame.len() > s.max_message_bytes {
            // Refused before it costs a post to every connection; the producer must send a reference.
            tracing::error!(bytes = frame.len(), channel = %message.channel, "message too large to broadcast");
            return Ok(());
        }
        deliver(deps, &message.channel, shard, frame.as_bytes())
            .await
            .map(|_| ())
    }

    /// Handles a batch in order, reporting the messages that failed, and with a FIFO queue
    /// every message after the first failure too, so none overtakes it.
    pub async fn handle<C: Channels, Q: BroadcastQueue, P: Poster>(
        deps: &Deps<C, Q, P>,
        event: LambdaEvent<SqsEvent>,
    ) -> Result<SqsBatchResponse, Error> {
        let span = invocation_span(&event.context.request_id, &event.context);
        async {
            let mut response = SqsBatchResponse::default();
            let mut failed = false;
            for record in &event.payload.records {
                let id = record.message_id.clone().unwrap_or_default();
                if failed && deps.settings.ordered {
                    response.add_failure(id);
                    continue;
                }
                if let Err(e) = process(deps, record, now_s()).await {
                    tracing::error!(message_id = %id, error = %e, "broadcast failed; SQS will retry it");
                    response.add_failure(id);
                    failed = true;
                }
            }
            Ok(response)
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod realtime_tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Mutex;

    use serde_json::{Value, json};

    use super::tests::sample_event;
    use super::*;

    /// ChannelsTable in memory: key → sort key → data.
    #[derive(Default)]
    struct MemoryChannels(Mutex<BTreeMap<String, BTreeMap<String, (String, u64)>>>);

    impl MemoryChannels {
        fn keys(&self, pk: &str) -> Vec<String> {
            self.0
                .lock()
                .unwrap()
                .get(pk)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default()
        }
        fn expiry(&self, pk: &str, sk: &str) -> Option<u64> {
            self.0.lock().unwrap().get(pk).and_then(|p| p.get(sk)).map(|v| v.1)
        }
    }

    impl Channels for MemoryChannels {
        async fn subscribe(
            &self,
            connection_id: &str,
            channel: &str,
            shard: u32,
            expires_at: u64,
        ) -> Result<(), Error> {
            self.0
                .lock()
                .unwrap()
                .entry(subscription_key(channel, shard))
                .or_default()
                .insert(connection_id.to_owned(), (String::new(), expires_at));
            Ok(())
        }
        async fn forget(&self, connection_id: &str) -> Result<usize, Error> {
            Ok(self
                .0
                .lock()
                .unwrap()
                .values_mut()
                .filter_map(|p| p.remove(connection_id))
                .count())
        }
        async fn missed(&self, channel: &str, since: &str, limit: i32) -> Result<(Vec<Logged>, bool), Error> {
            let all: Vec<Logged> = self
                .0
                .lock()
                .unwrap()
                .get(&log_key(channel))
                .into_iter()
                .flatten()
                .filter(|(k, _)| k.as_str() > since)
                .map(|(k, v)| Logged {
                    cursor: k.clone(),
                    data: serde_json::from_str(&v.0).unwrap(),
                })
                .collect();
            let limit = usize::try_from(limit).unwrap();
            Ok((all.iter().take(limit).cloned().collect(), all.len() > limit))
        }
        async fn log(&self, channel: &str, cursor: &str, data: &Value, expires_at: u64) -> Result<(), Error> {
            self.0
                .lock()
                .unwrap()
                .entry(log_key(channel))
                .or_default()
                .insert(cursor.to_owned(), (data.to_string(), expires_at));
            Ok(())
        }
        async fn connections(&self, channel: &str, shard: u32) -> Result<Vec<String>, Error> {
            Ok(self.keys(&subscription_key(channel, shard)))
        }
        async fn unsubscribe(&self, channel: &str, shard: u32, connection_id: &str) -> Result<(), Error> {
            if let Some(p) = self.0.lock().unwrap().get_mut(&subscription_key(channel, shard)) {
                p.remove(connection_id);
            }
            Ok(())
        }
    }

    #[derive(Default)]
    struct MemoryQueue(Mutex<Vec<(Value, Option<String>)>>);

    impl BroadcastQueue for MemoryQueue {
        async fn send(
            &self,
            body: &Value,
            group: Option<String>,
            _deduplication_id: Option<String>,
        ) -> Result<(), Error> {
            self.0.lock().unwrap().push((body.clone(), group));
            Ok(())
        }
    }

    /// The @connections API: records posts; `gone` answer 410, `broken` fail.
    #[derive(Default)]
    struct FakePoster {
        posts: Mutex<Vec<(String, Value)>>,
        gone: BTreeSet<String>,
        broken: BTreeSet<String>,
    }

    impl Poster for FakePoster {
        async fn post(&self, connection_id: &str, frame: &[u8]) -> Result<Posted, Error> {
            if self.gone.contains(connection_id) {
                return Ok(Posted::Gone);
            }
            if self.broken.contains(connection_id) {
                return Err("internal server error".into());
            }
            self.posts
                .lock()
                .unwrap()
                .push((connection_id.to_owned(), serde_json::from_slice(frame).unwrap()));
            Ok(Posted::Delivered)
        }
    }

    const NOW: u64 = 1_795_688_130;

    fn settings() -> Settings {
        Settings {
            shards: 1,
            ordered: {{ self.realtime_ordered() }},
            max_message_bytes: {{ self.realtime_max_bytes() }},
            connection_ttl_s: 8_100,
            replay_page: 100,
            posts_in_flight: 25,
            replay_window_s: 7_200,
        }
    }

    fn connections_deps() -> connections::Deps<MemoryChannels, MemoryQueue> {
        connections::Deps {
            channels: MemoryChannels::default(),
            queue: MemoryQueue::default(),
            settings: settings(),
        }
    }

    fn broadcast_deps(poster: FakePoster) -> broadcast::Deps<MemoryChannels, MemoryQueue, FakePoster> {
        broadcast::Deps {
            channels: MemoryChannels::default(),
            queue: MemoryQueue::default(),
            poster,
            settings: settings(),
        }
    }

    fn ws_event(route: &str, body: Option<Value>, connection_id: &str) -> connections::WsEvent {
        let mut event: connections::WsEvent = serde_json::from_str(&sample_event("connections")).unwrap();
        event.request_context.route_key = route.to_owned();
        event.request_context.connection_id = connection_id.to_owned();
        event.body = body.map(|b| b.to_string());
        event
    }

    fn body(reply: &Value) -> Value {
        serde_json::from_str(reply["body"].as_str().unwrap()).unwrap()
    }

    fn sqs_record() -> aws_lambda_events::sqs::SqsMessage {
        let event: aws_lambda_events::sqs::SqsEvent = serde_json::from_str(&sample_event("broadcast")).unwrap();
        event.records.into_iter().next().unwrap()
    }

    #[tokio::test]
    async fn connect_with_a_channel_subscribes_under_the_connections_shard_until_the_ttl() {
        let deps = connections_deps();
        let mut event = ws_event("$connect", None, "Ld3kJd8TIAMCF4Q=");
        event.query_string_parameters = Some([("channel".to_owned(), "room-42".to_owned())].into());
        connections::route(&deps, &event, NOW).await.unwrap();
        assert_eq!(
            deps.channels
                .expiry(&subscription_key("room-42", 0), "Ld3kJd8TIAMCF4Q="),
            Some(NOW + 8_100)
        );
    }

    #[test]
    fn a_connection_keeps_one_shard_and_connections_spread_over_all() {
        assert_eq!(shard_of("abc=", 7), shard_of("abc=", 7));
        let shards: BTreeSet<u32> = (0..40).map(|i| shard_of(&format!("conn-{i}"), 4)).collect();
        assert_eq!(shards, BTreeSet::from([0, 1, 2, 3]));
    }

    #[tokio::test]
    async fn subscribe_returns_what_the_client_missed_since_its_cursor() {
        let deps = connections_deps();
        for (cursor, text) in [("0001", "old"), ("0002", "missed"), ("0003", "missed too")] {
            deps.channels
                .log("room-42", cursor, &json!({"text": text}), NOW)
                .await
                .unwrap();
        }
        let reply = connections::route(
            &deps,
            &ws_event(
                "subscribe",
                Some(json!({"action": "subscribe", "channel": "room-42", "since": "0001"})),
                "c=",
            ),
            NOW,
        )
        .await
        .unwrap();
        let b = body(&reply);
        assert_eq!(b["type"], "subscribed");
        assert_eq!(
            b["missed"],
            json!([{"cursor": "0002", "data": {"text": "missed"}}, {"cursor": "0003", "data": {"text": "missed too"}}])
        );
        assert_eq!(b["more"], false);
    }

    #[tokio::test]
    async fn sendmessage_queues_the_message_with_its_correlation_id() {
        let deps = connections_deps();
        let event: connections::WsEvent = serde_json::from_str(&sample_event("connections")).unwrap();
        let reply = connections::route(&deps, &event, NOW).await.unwrap();
        assert_eq!(body(&reply), json!({"type": "queued", "channel": "room-42"}));
        let sent = deps.queue.0.lock().unwrap().clone();
        assert_eq!(
            sent[0].0,
            json!({"channel": "room-42", "data": {"text": "hello"}, "correlationId": "Kc7x9jWEIAMEbXw="})
        );
        assert_eq!(sent[0].1.is_some(), deps.settings.ordered);
    }

    #[tokio::test]
    async fn a_message_over_the_size_limit_is_refused_before_it_is_queued() {
        let deps = connections_deps();
        let big =
            json!({"action": "sendmessage", "channel": "room-42", "data": "x".repeat(deps.settings.max_message_bytes)});
        let reply = connections::route(&deps, &ws_event("sendmessage", Some(big), "c="), NOW)
            .await
            .unwrap();
        assert_eq!(reply["statusCode"], 413);
        assert!(deps.queue.0.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn unknown_actions_and_pings_are_answered() {
        let deps = connections_deps();
        let unknown = connections::route(
            &deps,
            &ws_event("$default", Some(json!({"action": "dance"})), "c="),
            NOW,
        )
        .await
        .unwrap();
        assert!(body(&unknown)["message"].as_str().unwrap().contains("subscribe"));
        let pong = connections::route(&deps, &ws_event("ping", Some(json!({"action": "ping"})), "c="), NOW)
            .await
            .unwrap();
        assert_eq!(body(&pong), json!({"type": "pong"}));
    }

    #[tokio::test]
    async fn disconnect_removes_every_subscription_of_the_connection() {
        let deps = connections_deps();
        for channel in ["room-1", "room-2"] {
            connections::route(
                &deps,
                &ws_event(
                    "subscribe",
                    Some(json!({"action": "subscribe", "channel": channel})),
                    "me=",
                ),
                NOW,
            )
            .await
            .unwrap();
        }
        connections::route(
            &deps,
            &ws_event(
                "subscribe",
                Some(json!({"action": "subscribe", "channel": "room-1"})),
                "other=",
            ),
            NOW,
        )
        .await
        .unwrap();
        connections::route(&deps, &ws_event("$disconnect", None, "me="), NOW)
            .await
            .unwrap();
        assert!(deps.channels.keys(&subscription_key("room-2", 0)).is_empty());
        assert_eq!(deps.channels.keys(&subscription_key("room-1", 0)), ["other="]);
    }

    #[tokio::test]
    async fn a_broadcast_reaches_every_subscriber_is_logged_and_gone_connections_are_deleted() {
        let deps = broadcast_deps(FakePoster {
            gone: BTreeSet::from(["b=".to_owned()]),
            ..FakePoster::default()
        });
        for id in ["a=", "b=", "c="] {
            deps.channels.subscribe(id, "room-42", 0, NOW).await.unwrap();
        }
        broadcast::process(&deps, &sqs_record(), NOW).await.unwrap();
        let posts = deps.poster.posts.lock().unwrap().clone();
        let mut ids: Vec<&str> = posts.iter().map(|(id, _)| id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["a=", "c="]);
        assert_eq!(posts[0].1["data"], json!({"text": "hello"}));
        assert_eq!(deps.channels.keys(&subscription_key("room-42", 0)), ["a=", "c="]);
        assert_eq!(
            deps.channels.keys(&log_key("room-42")),
            [posts[0].1["cursor"].as_str().unwrap()]
        );
    }

    #[tokio::test]
    async fn a_failed_post_retries_the_message() {
        let deps = broadcast_deps(FakePoster {
            broken: BTreeSet::from(["a=".to_owned()]),
            ..FakePoster::default()
        });
        deps.channels.subscribe("a=", "room-42", 0, NOW).await.unwrap();
        assert!(broadcast::process(&deps, &sqs_record(), NOW).await.is_err());
    }

    #[tokio::test]
    async fn with_several_shards_a_message_is_copied_once_per_shard() {
        let mut deps = broadcast_deps(FakePoster::default());
        deps.settings.shards = 3;
        broadcast::process(&deps, &sqs_record(), NOW).await.unwrap();
        let copies = deps.queue.0.lock().unwrap().clone();
        let shards: Vec<u64> = copies.iter().map(|(c, _)| c["shard"].as_u64().unwrap()).collect();
        assert_eq!(shards, [0, 1, 2]);
        assert!(deps.poster.posts.lock().unwrap().is_empty());
        let shard = shard_of("a=", 3);
        deps.channels.subscribe("a=", "room-42", shard, NOW).await.unwrap();
        let mut record = sqs_record();
        record.body = Some(copies[shard as usize].0.to_string());
        broadcast::process(&deps, &record, NOW).await.unwrap();
        let ids: Vec<String> = deps
            .poster
            .posts
            .lock()
            .unwrap()
            .iter()
            .map(|(id, _)| id.clone())
            .collect();
        assert_eq!(ids, ["a="]);
    }
}

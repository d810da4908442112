/** A stream record's data: a JSON object. Replace with the shape your producers write. */
export type StreamData = Record<string, unknown>;

/** A record the function cannot read; it is reported as failed. */
export class InvalidRecordError extends Error {
  override name = "InvalidRecordError";
}

/** Decodes a record's data: base64 of a JSON object. */
export function decodeData(data: string): StreamData {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data, "base64").toString("utf8"));
  } catch {
    throw new InvalidRecordError("the record data is not base64-encoded JSON");
  }
  if (!isObject(value)) throw new InvalidRecordError("the record data is not a JSON object");
  return value;
}

/** Where each record's work goes. The default logs; replace it with your own side effect. */
export type Sink = (data: StreamData, record: KinesisStreamRecord) => Promise<void>;

/** What the `consume` handler needs from outside. */
export interface ConsumeDeps {
  sink: Sink;
{%- if self.idem() %}
  idempotency: BasePersistenceLayer;
{%- endif %}
}

/**
 * The `consume` handler. Records are handled one at a time, in order. After the first failure
 * the rest of the batch is not handled but reported as failed too, so records with the same
 * partition key never run out of order; Lambda retries the batch from the first failed
 * sequence number (`batchItemFailures`), and after the retries sends it to the on-failure
 * destination.
 */
export function consumeHandler(deps: ConsumeDeps): (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse> {
  const processor = new BatchProcessor(EventType.KinesisDataStreams);
  const handleData = async (record: KinesisStreamRecord): Promise<void> => {
    await deps.sink(decodeData(record.kinesis.data), record);
    metrics.addMetric("RecordsProcessed", MetricUnit.Count, 1);
  };
{%- if self.idem() %}
  // A retried batch starts again at the first failed record: a record already handled (same
  // shard and sequence number) is not handled twice.
  const config = new IdempotencyConfig({ eventKeyJmesPath: "eventID", expiresAfterSeconds: idempotencyTtlSeconds() });
  const handleOnce = makeIdempotent(handleData, { persistenceStore: deps.idempotency, config });
{%- else %}
  // Duplicates are harmless for this workload, so a retried record is handled again.
  const handleOnce = handleData;
{%- endif %}
  return async (event, context) => {
{%- if self.idem() %}
    config.registerLambdaContext(context);
{%- endif %}
    let failed = false;
    const recordHandler = async (record: KinesisStreamRecord): Promise<void> => {
      if (failed) throw new Error("not handled: an earlier record of the batch failed");
      try {
        await handleOnce(record);
      } catch (error) {
        failed = true;
        logger.error("record failed", { sequenceNumber: record.kinesis.sequenceNumber, error: error as Error });
        throw error;
      }
    };
    return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
  };
}

/** Logs the record; replace with the real work. */
export const logSink: Sink = async (data, record) => {
  logger.info("record processed", { partitionKey: record.kinesis.partitionKey, fields: Object.keys(data).length });
};

{%- for h in plan.handlers %}

/** Lambda entry point (Handler: app.{{ h.name }}){% if plan.handlers.len() > 1 %}: {{ h.purpose }} Give it its own sink{% endif %}. */
export const {{ h.name }} = instrument(
  "{{ h.name }}",
  (event: KinesisStreamEvent) => event.Records?.[0]?.eventID,
  lazy(() => consumeHandler({ sink: logSink{% if self.idem() %}, idempotency: idempotencyStore(){% endif %} })),
);
{%- endfor %}

/** Objects are read from under this prefix of the input bucket (the template's event filter). */
export const INPUT_PREFIX = "incoming/";
/** Results are written under this prefix of the output bucket. */
export const OUTPUT_PREFIX = "processed/";

/** Reads and writes objects: S3 in Lambda, a Map in the tests. */
export interface ObjectStore {
  get(bucket: string, key: string): Promise<Uint8Array>;
  put(bucket: string, key: string, body: string, contentType: string): Promise<void>;
}

/** The object an S3 notification names, with its key decoded. */
export interface S3Object {
  bucket: string;
  key: string;
  size: number;
  eTag: string;
}

/** What processing an object produces: replace with your own transformation. */
export interface Summary {
  source: string;
  bytes: number;
  lines: number;
  sha256: string;
}

/** Reads the bucket and key from a notification record (keys arrive URL-encoded, spaces as `+`). */
export function objectOf(record: S3EventRecord): S3Object {
  return {
    bucket: record.s3.bucket.name,
    key: decodeURIComponent(record.s3.object.key.replace(/\+/g, " ")),
    size: record.s3.object.size,
    eTag: record.s3.object.eTag,
  };
}

/**
 * Where the result of `key` goes: `processed/<rest of the key>`, in the output bucket. Keys
 * outside `incoming/` give undefined: the function never reads what it did not expect, and
 * since it writes to another bucket it can never trigger itself.
 */
export function outputKey(key: string): string | undefined {
  if (!key.startsWith(INPUT_PREFIX) || key.length === INPUT_PREFIX.length) return undefined;
  return OUTPUT_PREFIX + key.slice(INPUT_PREFIX.length);
}

/** The processing itself: a small summary of the object's bytes. */
export function summarize(source: string, body: Uint8Array): Summary {
  const text = Buffer.from(body).toString("utf8");
  const lines = text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  return {
    source,
    bytes: body.byteLength,
    lines,
    sha256: createHash("sha256").update(body).digest("hex"),
  };
}

/** S3 through the SDK. */
export function s3ObjectStore(client: S3Client): ObjectStore {
  return {
    async get(bucket, key) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!out.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return out.Body.transformToByteArray();
    },
    async put(bucket, key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
  };
}

/** What the `process` handler needs from outside. */
export interface ProcessDeps {
  objects: ObjectStore;
  outputBucket: string;
{%- if self.idem() %}
  idempotency: BasePersistenceLayer;
{%- endif %}
}

/** The result of one notification record. */
export interface Outcome {
  key: string;
  output?: string;
  skipped?: string;
}

/**
 * The `process` handler. An error fails the whole invocation: Lambda retries it, then sends
 * the event to the on-failure destination (see template.yaml).
 */
export function processHandler(deps: ProcessDeps): (event: S3Event, context: Context) => Promise<Outcome[]> {
  const processObject = async (object: S3Object): Promise<Outcome> => {
    const target = outputKey(object.key);
    if (target === undefined) {
      logger.warn("object outside the input prefix; skipped", { key: object.key });
      return { key: object.key, skipped: `not under ${INPUT_PREFIX}` };
    }
    const body = await deps.objects.get(object.bucket, object.key);
    const summary = summarize(`s3://${object.bucket}/${object.key}`, body);
    await deps.objects.put(deps.outputBucket, target, JSON.stringify(summary), "application/json");
    metrics.addMetric("ObjectsProcessed", MetricUnit.Count, 1);
    logger.info("object processed", { key: object.key, output: target, bytes: summary.bytes });
    return { key: object.key, output: target };
  };
{%- if self.idem() %}
  // S3 can deliver a notification twice: the same object version (bucket, key, ETag) is
  // processed once.
  const config = new IdempotencyConfig({
    eventKeyJmesPath: "[bucket, key, eTag]",
    expiresAfterSeconds: idempotencyTtlSeconds(),
  });
  const processOnce = makeIdempotent(processObject, { persistenceStore: deps.idempotency, config });
{%- else %}
  // Duplicates are harmless for this workload: processing an object twice rewrites the same result.
  const processOnce = processObject;
{%- endif %}

  return async (event, context) => {
{%- if self.idem() %}
    config.registerLambdaContext(context);
{%- endif %}
    const outcomes: Outcome[] = [];
    for (const record of event.Records ?? []) {
      outcomes.push(await processOnce(objectOf(record)));
    }
    return outcomes;
  };
}

/** Lambda entry point (Handler: app.process). */
export const process = instrument(
  "process",
  (event: S3Event) => event.Records?.[0]?.responseElements?.["x-amz-request-id"],
  lazy(() =>
    processHandler({
      objects: s3ObjectStore(tracer.captureAWSv3Client(new S3Client({}))),
      outputBucket: requireEnv("OUTPUT_BUCKET"),
{%- if self.idem() %}
      idempotency: idempotencyStore(),
{%- endif %}
    }),
  ),
);

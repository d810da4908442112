/** The detail of an ItemCreated event (source: {{ plan.project }}). */
export interface ItemCreated {
  id: string;
  [field: string]: unknown;
}

/** The event the rule on EVENT_BUS_NAME routes to `handle`. */
export type ItemCreatedEvent = EventBridgeEvent<"ItemCreated", unknown>;

/** An event the function cannot handle; it fails, and after the retries goes to the DLQ. */
export class InvalidEventError extends Error {
  override name = "InvalidEventError";
}

/** Checks an event's detail: a JSON object with a non-empty string `id`. */
export function parseDetail(event: ItemCreatedEvent): ItemCreated {
  if (event["detail-type"] !== "ItemCreated") {
    throw new InvalidEventError(`unexpected detail-type ${JSON.stringify(event["detail-type"])}`);
  }
  const detail = event.detail;
  if (!isObject(detail)) throw new InvalidEventError("detail is not a JSON object");
  if (typeof detail.id !== "string" || detail.id === "") {
    throw new InvalidEventError('detail "id" must be a non-empty string');
  }
  return { ...detail, id: detail.id };
}

/** Where the work goes. The default logs; replace it with your own side effect. */
export type Sink = (item: ItemCreated) => Promise<void>;

/** What the `handle` handler needs from outside. */
export interface HandleDeps {
  sink: Sink;
{%- if self.idem() %}
  idempotency: BasePersistenceLayer;
{%- endif %}
}

/** The result of handling one event. */
export interface Handled {
  eventId: string;
  itemId: string;
}

/**
 * The `handle` handler. EventBridge invokes it asynchronously: an error makes Lambda retry, and
 * the events that still fail go to the dead-letter queue (see template.yaml).
 */
export function handleHandler(deps: HandleDeps): (event: ItemCreatedEvent, context: Context) => Promise<Handled> {
  const handleEvent = async (event: ItemCreatedEvent): Promise<Handled> => {
    const item = parseDetail(event);
    await deps.sink(item);
    metrics.addMetric("EventsHandled", MetricUnit.Count, 1);
    logger.info("event handled", { itemId: item.id });
    return { eventId: event.id, itemId: item.id };
  };
{%- if self.idem() %}
  // EventBridge delivers at least once: the key is the detail's own id with its type, since a
  // producer (or Scheduler) that sends an event again gets a new EventBridge event id.
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '["detail-type", detail.id]',
    expiresAfterSeconds: idempotencyTtlSeconds(),
  });
  const handleOnce = makeIdempotent(handleEvent, { persistenceStore: deps.idempotency, config });
  return async (event, context) => {
    config.registerLambdaContext(context);
    return handleOnce(event);
  };
{%- else %}
  // Duplicates are harmless for this workload, so a redelivered event is handled again.
  return async (event) => handleEvent(event);
{%- endif %}
}

/** Logs the item; replace with the real work. */
export const logSink: Sink = async (item) => {
  logger.info("item created", { itemId: item.id });
};

/** Lambda entry point (Handler: app.handle). */
export const handle = instrument(
  "handle",
  (event: ItemCreatedEvent) => event.id,
  lazy(() => handleHandler({ sink: logSink{% if self.idem() %}, idempotency: idempotencyStore(){% endif %} })),
);

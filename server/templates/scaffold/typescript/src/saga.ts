/**
 * The saga's input, passed from step to step. Each step returns it with its result added under
 * the step's name, so the state machine passes it on unchanged.
 */
export interface SagaInput {
  id: string;
  [field: string]: unknown;
}

/** Bad input. Step Functions sees the error name `ValidationError`, and compensates. */
export class ValidationError extends Error {
  override name = "ValidationError";
}

/** A step arrived after its compensation ran (a late retry): it must not take effect. */
export class StepAlreadyCompensated extends Error {
  override name = "StepAlreadyCompensated";
}

/** What the saga table holds for one saga and step. */
export interface StepRecord {
  status: "done" | "compensated";
  result?: Record<string, unknown>;
}

/**
 * The saga table (SAGA_TABLE): one item per saga and step. `recordDone` writes the step as done
 * only if it has no item, and otherwise returns the item it found; `markCompensated` sets the
 * step compensated whatever was there, and returns what was there before.
 */
export interface SagaStore {
  recordDone(sagaId: string, step: string, result: Record<string, unknown>): Promise<StepRecord | undefined>;
  markCompensated(sagaId: string, step: string): Promise<StepRecord | undefined>;
}

/** The saga table in DynamoDB, with conditional writes. */
export function dynamoSagaStore(tableName: string, client: DynamoDBDocumentClient): SagaStore {
  const now = () => new Date().toISOString();
  return {
    async recordDone(sagaId, step, result) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { id: sagaId, step, status: "done", result, done_at: now() },
            ConditionExpression: "attribute_not_exists(id)",
          }),
        );
        return undefined;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const found = await client.send(new GetCommand({ TableName: tableName, Key: { id: sagaId, step }, ConsistentRead: true }));
        return found.Item as StepRecord;
      }
    },
    async markCompensated(sagaId, step) {
      const old = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { id: sagaId, step },
          UpdateExpression: "SET #status = :compensated, compensated_at = if_not_exists(compensated_at, :now)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":compensated": "compensated", ":now": now() },
          ReturnValues: "ALL_OLD",
        }),
      );
      return old.Attributes as StepRecord | undefined;
    },
  };
}

/** The saga id: the input's non-empty string `id`. */
export function sagaInput(input: unknown): SagaInput {
  if (!isObject(input)) throw new ValidationError("the input must be a JSON object");
  if (typeof input.id !== "string" || input.id.trim() === "") {
    throw new ValidationError('the input must have a non-empty string "id" (the saga id)');
  }
  return { ...input, id: input.id };
}

/** One line of the order. */
export interface OrderLine {
  sku: string;
  price: number;
  quantity: number;
}

/** The order's lines; throws ValidationError when one is missing or not positive. */
export function orderLines(input: SagaInput): OrderLine[] {
  const items = input.items;
  if (!Array.isArray(items) || items.length === 0) throw new ValidationError('the input must have a non-empty list "items"');
  return items.map((item: unknown) => {
    if (!isObject(item) || typeof item.sku !== "string" || typeof item.price !== "number" || !Number.isInteger(item.quantity)) {
      throw new ValidationError("each item needs a string sku, a number price and an integer quantity");
    }
    const quantity = item.quantity as number;
    if (item.price <= 0 || quantity <= 0) throw new ValidationError(`item ${item.sku}: price and quantity must be positive`);
    return { sku: item.sku, price: item.price, quantity };
  });
}

/** A step's name as it appears in a metric name: `charge` → `Charge`. */
const title = (step: string): string => step.charAt(0).toUpperCase() + step.slice(1);

/**
 * Records `step` of the saga as done with `result`, once. A repeat returns the first result; a
 * step whose compensation already ran throws StepAlreadyCompensated.
 */
export async function runStep(store: SagaStore, input: SagaInput, step: string, result: Record<string, unknown>): Promise<SagaInput> {
  const found = await store.recordDone(input.id, step, result);
  if (found?.status === "compensated") throw new StepAlreadyCompensated(`${step} of saga ${input.id} was already compensated`);
  if (found) {
    logger.info("step already done: returning its first result", { step });
    return { ...input, [step]: found.result ?? {} };
  }
  metrics.addMetric(`Saga${title(step)}Done`, MetricUnit.Count, 1);
  logger.info("step done", { step });
  return { ...input, [step]: result };
}

/** Marks `step` compensated; returns whether it had been done (so there was something to undo). */
export async function compensateStep(store: SagaStore, input: SagaInput, step: string): Promise<boolean> {
  const before = await store.markCompensated(input.id, step);
  const undone = before?.status === "done";
  if (undone) metrics.addMetric(`Saga${title(step)}Compensated`, MetricUnit.Count, 1);
  const error = isObject(input.error) ? input.error.Error : undefined;
  logger.warn("step compensated", { step, hadRun: undone, error });
  return undone;
}

type Task = (input: unknown, context: Context) => Promise<SagaInput>;

/** Step 1: checks the order and holds its items. Call your inventory service with the key `<id>:reserve`. */
export function reserveHandler(store: SagaStore): Task {
  return async (raw) => {
    const input = sagaInput(raw);
    const held = Object.fromEntries(orderLines(input).map((l) => [l.sku, l.quantity]));
    return runStep(store, input, "reserve", { held });
  };
}

/** Step 2: charges the order's total. Call your payment provider with the key `<id>:charge`. */
export function chargeHandler(store: SagaStore): Task {
  return async (raw) => {
    const input = sagaInput(raw);
    // In cents, so the total has no floating-point remainder.
    const cents = orderLines(input).reduce((sum, l) => sum + Math.round(l.price * 100) * l.quantity, 0);
    return runStep(store, input, "charge", { amount: (cents / 100).toFixed(2) });
  };
}

/** Step 3: confirms the order. Once it succeeds the saga is done and nothing is undone. */
export function confirmHandler(store: SagaStore): Task {
  return async (raw) => runStep(store, sagaInput(raw), "confirm", { confirmed: true });
}

/** Undoes step 2. Call your provider's refund with the key `<id>:refund` before marking the record. */
export function refundHandler(store: SagaStore): Task {
  return async (raw) => {
    const input = sagaInput(raw);
    return { ...input, refunded: await compensateStep(store, input, "charge") };
  };
}

/** Undoes step 1. Call your inventory service's release with the key `<id>:release` before marking the record. */
export function releaseHandler(store: SagaStore): Task {
  return async (raw) => {
    const input = sagaInput(raw);
    return { ...input, released: await compensateStep(store, input, "reserve") };
  };
}

/** The saga table, built on a function's first call. */
function sagaStore(): SagaStore {
  const client = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})));
  return dynamoSagaStore(requireEnv("SAGA_TABLE"), client);
}

const sagaId = (input: unknown): string | undefined => (isObject(input) && typeof input.id === "string" ? input.id : undefined);

/** Lambda entry point (Handler: app.reserve). */
export const reserve = instrument("reserve", sagaId, lazy(() => reserveHandler(sagaStore())));

/** Lambda entry point (Handler: app.charge). */
export const charge = instrument("charge", sagaId, lazy(() => chargeHandler(sagaStore())));

/** Lambda entry point (Handler: app.confirm). */
export const confirm = instrument("confirm", sagaId, lazy(() => confirmHandler(sagaStore())));

/** Lambda entry point (Handler: app.refund). */
export const refund = instrument("refund", sagaId, lazy(() => refundHandler(sagaStore())));

/** Lambda entry point (Handler: app.release). */
export const release = instrument("release", sagaId, lazy(() => releaseHandler(sagaStore())));

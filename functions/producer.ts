// Producer Lambda: the schedule invokes it once per window; it generates the
// window's sales and inventory updates and sends them, packed, to the two queues.
import { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { VERIFICATION_STORE, perStream, streamNames, type StreamName } from '../kernel/contracts';
import { BLACK_FRIDAY_CURVE, generateWindow, type DemandCurve, type GeneratorCatalog } from '../kernel/generator';
import { batchesOf, packChunks, type PackedMessage } from '../kernel/packing';
import { Problems } from '../kernel/problems';
import {
  checkSetting,
  PRODUCER_SETTINGS,
  producerSettingNames,
  settingFromText,
  type ProducerSettingValues,
} from '../kernel/producerSettings';
import { isoSecond } from '../kernel/time';
import { VERIFICATION_SALE_LINES } from '../kernel/verification';

/** What one producer runs with: the settings of kernel/producerSettings.ts, and where to send. */
export interface ProducerSettings extends Omit<ProducerSettingValues, 'lostSalesRate'> {
  /** The queue of each stream. */
  queueUrls: Record<StreamName, string>;
  curve?: DemandCurve;
  /** Share of demanded lines lost to empty shelves; the generator's default when absent. */
  lostSalesRate?: number;
  /** Attempts per batch entry before giving up (and throwing). */
  maxAttempts?: number;
  /** SendMessageBatch calls in flight at once. */
  concurrency?: number;
}

/** The invocation payload. The schedule passes scheduledTime; people may pass overrides. */
export interface ProducerEvent {
  /** Exact number of sale lines to generate instead of following the curve. */
  count?: number;
  seed?: number;
  /** Window start, ISO-8601; overrides scheduledTime. */
  start?: string;
  /** `<aws.scheduler.scheduled-time>`: the window is the one that ends at this time. */
  scheduledTime?: string;
  /**
   * A verification window (`npm run verify`): every event is sold at the reserved
   * verification store, which the views leave out; `count` defaults to a small number.
   */
  verification?: boolean;
}

export interface ProducerResult {
  window: { start: string; minutes: number; seed: number };
  /** True for a verification window (every event at the reserved store). */
  verification: boolean;
  events: Record<StreamName, number>;
  messages: Record<StreamName, number>;
  bytes: Record<StreamName, number>;
  lostSales: number;
  baskets: number;
  sendCalls: number;
  retries: number;
}

export interface ProducerDeps {
  sqs: SQSClient;
  catalog: GeneratorCatalog;
  settings: ProducerSettings;
  logger?: Logger;
  /** Injected so tests can run the backoff without waiting. */
  sleep?: (ms: number) => Promise<void>;
}

/** Thrown when entries still fail after every retry: Lambda retries the invocation and the alarm sees it. */
export class ProducerSendError extends Error {
  override name = 'ProducerSendError';
  constructor(
    message: string,
    readonly failed: { chunkId: string; code?: string; message?: string }[],
  ) {
    super(message);
  }
}

const MAX_COUNT = 5_000_000;

const EVENT_FIELDS = ['count', 'seed', 'start', 'scheduledTime', 'verification'];

const isWholeIn = (value: unknown, min: number, max: number) =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

/** Every problem with an invocation payload, so a bad manual invoke fails clearly. */
export function checkProducerEvent(event: unknown): string[] {
  if (event === undefined || event === null) return [];
  if (typeof event !== 'object' || Array.isArray(event)) return ['event must be a JSON object'];
  const problems = new Problems();
  const e = event as Record<string, unknown>;
  for (const k of Object.keys(e))
    problems.check(EVENT_FIELDS.includes(k), () => `unknown field ${k} (expected ${EVENT_FIELDS.join(', ')})`);
  problems.check(
    e.count === undefined || isWholeIn(e.count, 0, MAX_COUNT),
    () => `count must be a whole number 0..${MAX_COUNT}, got ${JSON.stringify(e.count)}`,
  );
  // The SEED setting's bounds, for the window's own seed.
  if (e.seed !== undefined) checkSetting(problems, 'seed', e.seed, 'seed', JSON.stringify(e.seed));
  problems.check(
    e.verification === undefined || typeof e.verification === 'boolean',
    () => `verification must be true or false, got ${JSON.stringify(e.verification)}`,
  );
  for (const k of ['start', 'scheduledTime'])
    problems.check(
      e[k] === undefined || (typeof e[k] === 'string' && !Number.isNaN(Date.parse(e[k]))),
      () => `${k} must be an ISO-8601 timestamp, got ${JSON.stringify(e[k])}`,
    );
  return [...problems.all];
}

/** The window an invocation covers: the one that ends at the scheduled time, on a whole multiple of its length. */
export function resolveWindow(
  settings: Pick<ProducerSettings, 'windowMinutes' | 'seed'>,
  event: ProducerEvent,
  now = Date.now(),
) {
  const length = settings.windowMinutes * 60_000;
  let startMs: number;
  if (event.start !== undefined) startMs = Math.floor(Date.parse(event.start) / 1000) * 1000;
  else
    startMs =
      Math.floor((event.scheduledTime !== undefined ? Date.parse(event.scheduledTime) : now) / length) * length -
      length;
  return {
    start: isoSecond(startMs),
    minutes: settings.windowMinutes,
    seed: event.seed ?? settings.seed,
  };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Let the requests just started go out before more packing holds the thread: two
 * turns of the event loop, one for a new connection to open and one to write on it.
 * (A timer would not do: a zero timer set after a long task fires in the same timers
 * phase, before any I/O is polled.)
 */
const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

interface SendReport {
  calls: number;
  retries: number;
  messages: number;
  bytes: number;
}

/**
 * Send messages with SendMessageBatch as they come (a batch as soon as it is
 * complete, at most `concurrency` calls in flight), retrying failed entries with
 * exponential backoff and jitter. Throws ProducerSendError when entries still fail.
 */
async function sendMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: Iterable<PackedMessage>,
  options: { maxAttempts?: number; concurrency?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<SendReport> {
  const maxAttempts = options.maxAttempts ?? 6;
  const sleep = options.sleep ?? defaultSleep;
  const report: SendReport = { calls: 0, retries: 0, messages: 0, bytes: 0 };
  const sendBatch = async (batch: PackedMessage[]) => {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      let failed: { chunkId: string; code?: string; message?: string; senderFault?: boolean }[];
      report.calls++;
      try {
        const out = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: pending.map((m, i) => ({ Id: String(i), MessageBody: m.body })),
          }),
        );
        failed = (out.Failed ?? []).map((f) => ({
          chunkId: pending[Number(f.Id)].chunkId,
          code: f.Code,
          message: f.Message,
          senderFault: f.SenderFault,
        }));
      } catch (err) {
        // The SDK already retried throttling and network errors; treat the call as all-failed.
        const e = err as { name?: string; message?: string; $fault?: string };
        failed = pending.map((m) => ({
          chunkId: m.chunkId,
          code: e.name,
          message: e.message,
          senderFault: e.$fault === 'client',
        }));
      }
      if (failed.length === 0) return;
      const fatal = failed.filter((f) => f.senderFault);
      if (fatal.length > 0 || attempt >= maxAttempts) {
        const list = failed.map((f) => `${f.chunkId}: ${f.code ?? 'error'} ${f.message ?? ''}`.trim()).join('; ');
        throw new ProducerSendError(
          `${failed.length} message(s) to ${queueUrl} failed after ${attempt} attempt(s): ${list}`,
          failed,
        );
      }
      report.retries += failed.length;
      const ids = new Set(failed.map((f) => f.chunkId));
      pending = pending.filter((m) => ids.has(m.chunkId));
      await sleep(Math.min(5000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
    }
  };
  const concurrency = options.concurrency ?? 8;
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  try {
    for (const batch of batchesOf(messages)) {
      if (failure) break;
      for (const m of batch) {
        report.messages++;
        report.bytes += m.bytes;
      }
      const call: Promise<void> = sendBatch(batch)
        .catch((error: unknown) => void (failure ??= { error }))
        .finally(() => inFlight.delete(call));
      inFlight.add(call);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
      else await yieldToRequests();
    }
  } finally {
    // Whatever stops the loop, no call is left running unobserved.
    await Promise.all(inFlight);
  }
  if (failure) throw failure.error;
  return report;
}

export async function runProducer(deps: ProducerDeps, event: ProducerEvent = {}): Promise<ProducerResult> {
  new Problems().add(...checkProducerEvent(event)).throwIfAny('invalid producer event');
  const { settings } = deps;
  const window = resolveWindow(settings, event ?? {});
  const verification = event?.verification === true;
  const catalog = verification ? { products: deps.catalog.products, stores: [VERIFICATION_STORE] } : deps.catalog;
  const generated = generateWindow(catalog, {
    start: window.start,
    minutes: window.minutes,
    seed: window.seed,
    saleLines: event?.count ?? (verification ? VERIFICATION_SALE_LINES : undefined),
    peakLinesPerMinute: settings.peakLinesPerMinute,
    curve: settings.curve ?? BLACK_FRIDAY_CURVE,
    lostSalesRate: settings.lostSalesRate,
  });
  const result: ProducerResult = {
    window,
    verification,
    events: perStream((stream) => generated[stream].length),
    messages: perStream(() => 0),
    bytes: perStream(() => 0),
    lostSales: generated.lostSales,
    baskets: generated.baskets,
    sendCalls: 0,
    retries: 0,
  };
  await Promise.all(
    streamNames.map(async (stream) => {
      // Packed while sent: the first messages are on their way while the rest are compressed.
      const messages = packChunks(generated[stream], {
        stream,
        windowStart: window.start,
        seed: window.seed,
        eventsPerMessage: settings.eventsPerMessage,
        maxMessageBytes: settings.maxMessageBytes,
        compression: settings.compression,
      });
      const sent = await sendMessages(deps.sqs, settings.queueUrls[stream], messages, {
        maxAttempts: settings.maxAttempts,
        concurrency: settings.concurrency,
        sleep: deps.sleep,
      });
      result.messages[stream] = sent.messages;
      result.bytes[stream] = sent.bytes;
      result.sendCalls += sent.calls;
      result.retries += sent.retries;
    }),
  );
  deps.logger?.info('window produced', { ...result });
  return result;
}

/**
 * Settings from the function's environment (infra/functions.ts sets it from kernel/producerSettings.ts),
 * with every problem listed in one error. An empty variable counts as unset (the console saves a
 * cleared value as empty) and takes the setting's default.
 */
export function producerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ProducerSettings {
  const problems = new Problems();
  const text = (name: string) => (env[name] === '' ? undefined : env[name]);
  // SALES_QUEUE_URL, INVENTORY_QUEUE_URL
  const queueUrls = perStream((stream) => {
    const name = `${stream.toUpperCase()}_QUEUE_URL`;
    problems.check(text(name) !== undefined, `${name} is required`);
    return text(name) ?? '';
  });
  const values: Record<string, unknown> = {};
  for (const name of producerSettingNames) {
    const spec = PRODUCER_SETTINGS[name];
    const raw = text(spec.env);
    values[name] = raw === undefined ? spec.defaultValue : settingFromText(name, raw);
    if (raw !== undefined) checkSetting(problems, name, values[name], spec.env, JSON.stringify(raw));
  }
  problems.throwIfAny('invalid producer settings');
  return { queueUrls, ...(values as ProducerSettingValues) };
}

/** The Lambda handler. The catalog is plain data captured at deploy time. */
export function createProducerHandler(catalog: GeneratorCatalog, settings?: ProducerSettings) {
  let deps: ProducerDeps | undefined;
  return async (event: ProducerEvent): Promise<ProducerResult> => {
    deps ??= {
      sqs: new SQSClient({}),
      catalog,
      settings: settings ?? producerSettingsFromEnv(),
      logger: new Logger({ serviceName: 'producer' }),
    };
    return runProducer(deps, event);
  };
}

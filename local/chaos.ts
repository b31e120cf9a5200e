// Faults the twin injects to prove that nothing is lost and nothing is doubled.
// Every decision is a hash of the chaos seed and a stable identity (message body
// digest and receive count, object key and attempt, file name), so the same run
// with the same seed and batching injects the same faults.
//
// One rule keeps chaos honest about what it proves: no fault is injected into an
// invocation that carries a message on its last allowed receive. Chaos alone then
// never pushes a good message into the DLQ, so the books must balance exactly:
// only the poison messages may end there.
import { AsyncLocalStorage } from 'node:async_hooks';
import { SendMessageBatchCommand, SendMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { chunkId } from '../kernel/chunks';
import { streamNames, streams, type Contract, type FieldKind, type StreamName } from '../kernel/contracts';
import { encodeChunk } from '../kernel/packing';
import { generateWindow, type GeneratedWindow, type GeneratorCatalog } from '../kernel/generator';
import { Problems } from '../kernel/problems';

export interface ChaosRates {
  /** Per consumer invocation: the handler wrote its files, then the function crashed before answering. */
  consumerCrash: number;
  /** Per consumer PutObject: S3 answers 503 (after the SDK's own retries). */
  s3PutFailure: number;
  /** Per received message: SQS delivers a second copy (at-least-once delivery). */
  duplicateDelivery: number;
  /** Malformed events injected per valid event produced. */
  malformedEvents: number;
  /** Poison messages (unreadable bodies) injected per message produced. */
  poisonMessages: number;
  /** Per landing file: the loader crashes halfway through loading it. */
  loaderCrash: number;
}

export const faultNames = [
  'consumerCrash',
  's3PutFailure',
  'duplicateDelivery',
  'malformedEvents',
  'poisonMessages',
  'loaderCrash',
] as const satisfies readonly (keyof ChaosRates)[];

export interface ChaosOptions {
  seed: number;
  rates: ChaosRates;
}

/** The rates `--chaos` uses unless told otherwise. */
export function defaultChaosRates(rate = 0.05): ChaosRates {
  return {
    consumerCrash: rate,
    s3PutFailure: rate,
    duplicateDelivery: rate,
    malformedEvents: rate / 10,
    poisonMessages: rate,
    loaderCrash: rate,
  };
}

/** Every problem with chaos options, for one clear error. */
function chaosOptionProblems(options: ChaosOptions): Problems {
  const problems = new Problems().check(
    Number.isInteger(options.seed) && options.seed >= 0 && options.seed <= 0xffffffff,
    () => `chaos seed must be a whole number 0..4294967295, got ${options.seed}`,
  );
  for (const name of faultNames) {
    const rate = options.rates[name];
    problems.check(
      typeof rate === 'number' && rate >= 0 && rate <= 1,
      () => `chaos rate ${name} must be in [0, 1], got ${rate}`,
    );
  }
  // A crash or put failure on every attempt could never let a good message through.
  return problems
    .check(!(options.rates.consumerCrash >= 1), 'chaos rate consumerCrash must be < 1, or no batch could ever succeed')
    .check(!(options.rates.loaderCrash >= 1), 'chaos rate loaderCrash must be < 1, or no file could ever load');
}

/**
 * The id of a chunk of malformed events: `chaos-` and then a chunk id of the window, tagged
 * with the chaos seed (so never a producer's chunk), which parseChunkId reads after the prefix.
 */
function chaosChunkId(stream: StreamName, windowStart: string, chaosSeed: number, sequence: number): string {
  return `chaos-${chunkId(stream, windowStart, chaosSeed, sequence)}`;
}

/** FNV-1a of the parts, as a number in [0, 1). */
export function chaosDraw(seed: number, ...parts: (string | number)[]): number {
  let h = 0x811c9dc5 ^ seed;
  for (const part of parts) {
    const s = String(part) + '\u0000';
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  // Final avalanche so neighbouring inputs spread over the range.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** The message attribute that marks what chaos injected; the consumer ignores it. */
export const CHAOS_ATTRIBUTE = 'twin-chaos';
/** The message attribute on a duplicate's copy: a copy is never duplicated again, so copies cannot multiply. */
export const CHAOS_COPY_ATTRIBUTE = 'twin-chaos-copy';

/** The highest rate the CLI accepts for any fault: above it a run mostly proves the spared last receive. */
export const MAX_CHAOS_RATE = 0.9;

/** A run whose deliveries passed what its messages can ever cause: something redelivers without end. */
export class ChaosBudgetExceeded extends Error {
  override name = 'ChaosBudgetExceeded';
}

/** A malformed event and the field whose problem must be reported in rejected/. */
export interface InjectedMalformed {
  stream: StreamName;
  chunkId: string;
  index: number;
  field: string;
  event: Record<string, unknown>;
}

export interface InjectedPoison {
  stream: StreamName;
  /** Value of the chaos message attribute, `poison-<n>`. */
  tag: string;
  body: string;
  why: string;
}

export interface ChaosCounts {
  consumerCrashes: number;
  s3PutFailures: number;
  duplicateDeliveries: number;
  malformedEvents: number;
  poisonMessages: number;
  loaderCrashes: number;
  /** Faults not injected because a message was on its last allowed receive. */
  sparedLastReceives: number;
}

class ChaosFault extends Error {
  constructor(
    name: string,
    message: string,
    readonly $fault: 'server' | 'client',
    readonly $metadata: { httpStatusCode: number },
  ) {
    super(message);
    this.name = name;
  }
}

/** One way to break an event; the field is the one the consumer must name. */
interface Mutation {
  field: string;
  apply: (e: Record<string, unknown>) => void;
}

/** How each malformed event breaks its contract, hand-picked per stream; a stream without its own list gets contractMutations. */
const MUTATIONS: Partial<Record<StreamName, Mutation[]>> = {
  sales: [
    { field: 'quantity', apply: (e) => (e.quantity = 0) },
    { field: 'unit_price', apply: (e) => (e.unit_price = -4.5) },
    { field: 'product_id', apply: (e) => (e.product_id = 'P9999') },
    { field: 'store_id', apply: (e) => (e.store_id = 'S999') },
    { field: 'timestamp', apply: (e) => (e.timestamp = '2026-11-27 25:61:00') },
    { field: 'discount_pct', apply: (e) => (e.discount_pct = 95) },
    { field: 'store_id', apply: (e) => delete e.store_id },
    { field: 'coupon_code', apply: (e) => (e.coupon_code = 'BF50') },
    // What Redshift's COPY would refuse, failing the whole file, if the consumer let it through:
    // control characters, a multi-byte string over its VARCHAR's bytes, numbers beyond the column types.
    { field: 'transaction_id', apply: (e) => (e.transaction_id = `${e.transaction_id}\u0000`) },
    { field: 'basket_id', apply: (e) => (e.basket_id = `${e.basket_id}\u001b[31m`) },
    { field: 'basket_id', apply: (e) => (e.basket_id = 'é'.repeat(40)) },
    { field: 'quantity', apply: (e) => (e.quantity = 2 ** 31) },
    { field: 'unit_price', apply: (e) => (e.unit_price = 1e12) },
    { field: 'discount_pct', apply: (e) => (e.discount_pct = -(2 ** 31) - 1) },
  ],
  inventory: [
    { field: 'quantity_change', apply: (e) => (e.quantity_change = 0) },
    { field: 'reason', apply: (e) => (e.reason = 'stolen') },
    { field: 'product_id', apply: (e) => (e.product_id = 'P9999') },
    { field: 'timestamp', apply: (e) => (e.timestamp = 'yesterday') },
    { field: 'quantity_change', apply: (e) => (e.quantity_change = 2.5) },
    { field: 'transaction_id', apply: (e) => (e.transaction_id = null) },
    { field: 'update_id', apply: (e) => (e.update_id = `${e.update_id}\r\n`) },
    { field: 'transaction_id', apply: (e) => (e.transaction_id = '中'.repeat(22)) },
    { field: 'quantity_change', apply: (e) => (e.quantity_change = -1e21) },
    { field: 'timestamp', apply: (e) => (e.timestamp = '0000-12-31T23:59:59Z') },
  ],
};

/** A value of each field kind that every contract refuses, from the value it replaces. */
const KIND_BREAKS: Record<FieldKind, (value: unknown) => unknown> = {
  id: (v) => `${v}\u0000`,
  ref: () => 'UNKNOWN0',
  text: (v) => `${v}\u001b[31m`,
  enum: () => 'not_a_value',
  int: () => 2.5,
  money: () => 0.001,
  timestamp: () => 'yesterday',
};

/** A break of every field of a contract by its kind, and a field it does not have. */
export function contractMutations(contract: Pick<Contract, 'columns' | 'fields'>): Mutation[] {
  return [
    ...contract.columns.map((field) => ({
      field,
      apply: (e: Record<string, unknown>) => (e[field] = KIND_BREAKS[contract.fields[field].kind](e[field])),
    })),
    { field: 'not_a_field', apply: (e) => (e.not_a_field = 1) },
  ];
}

/** The real-shaped events a stream's malformed ones start from: sales lines, the stock updates of sales, or (other streams) all of its events. */
const TEMPLATE_EVENTS: Partial<Record<StreamName, (w: GeneratedWindow) => Record<string, unknown>[]>> = {
  sales: (w) => w.sales as unknown as Record<string, unknown>[],
  inventory: (w) => w.inventory.filter((u) => u.reason === 'sale') as unknown as Record<string, unknown>[],
};
const templateEvents = (stream: StreamName, w: GeneratedWindow): Record<string, unknown>[] =>
  TEMPLATE_EVENTS[stream]?.(w) ?? (w[stream] as unknown as Record<string, unknown>[]);

/** Bodies no consumer can read: each one must end in its queue's DLQ. */
const POISONS: { why: string; body: (stream: StreamName, n: number) => string }[] = [
  { why: 'not JSON', body: (s, n) => `{"v":1,"stream":"${s}","chunk_id":"poison-${n}","events":[` },
  {
    why: 'unknown format version',
    body: (s, n) => JSON.stringify({ v: 99, stream: s, chunk_id: `poison-${n}`, events: [] }),
  },
  {
    why: 'message for the other stream',
    body: (s, n) =>
      JSON.stringify({
        v: 1,
        stream: streamNames.find((other) => other !== s),
        chunk_id: `poison-${n}`,
        count: 0,
        events: [],
      }),
  },
  {
    why: 'gz is not gzip',
    body: (s, n) =>
      JSON.stringify({
        v: 1,
        stream: s,
        chunk_id: `poison-${n}`,
        count: 1,
        gz: Buffer.from('not gzip at all').toString('base64'),
      }),
  },
  { why: 'JSON array, not a chunk', body: () => '[1,2,3]' },
];

interface InvocationScope {
  /** False when a message of the batch is on its last allowed receive. */
  faultsAllowed: boolean;
}

/** Injects the faults of one twin run and remembers what it injected, for the books. */
export class Chaos {
  readonly counts: ChaosCounts = {
    consumerCrashes: 0,
    s3PutFailures: 0,
    duplicateDeliveries: 0,
    malformedEvents: 0,
    poisonMessages: 0,
    loaderCrashes: 0,
    sparedLastReceives: 0,
  };
  readonly malformed: InjectedMalformed[] = [];
  readonly poison: InjectedPoison[] = [];
  private readonly scope = new AsyncLocalStorage<InvocationScope>();
  private readonly putAttempts = new Map<string, number>();
  private readonly loadAttempts = new Map<string, number>();
  private chunkSequence = 0;
  /** Messages received for the first time that are not chaos copies, and every delivery. */
  private readonly deliveries = { originals: 0, all: 0 };

  constructor(
    readonly options: ChaosOptions,
    private readonly maxReceiveCount: number,
  ) {
    chaosOptionProblems(options).throwIfAny('invalid chaos options');
  }

  private draw(...parts: (string | number)[]): number {
    return chaosDraw(this.options.seed, ...parts);
  }

  /** Number of items to inject for `n` opportunities at `rate`; seeded rounding keeps the mean exact. */
  private quota(rate: number, n: number, ...parts: (string | number)[]): number {
    const expected = rate * n;
    return Math.floor(expected) + (this.draw('quota', ...parts) < expected - Math.floor(expected) ? 1 : 0);
  }

  /**
   * After a producer window: send malformed events (in chunks of their own) and poison
   * messages straight to the stream's queue, as a buggy or hostile sender would.
   */
  async injectIntoStream(
    sqs: SQSClient,
    stream: StreamName,
    queueUrl: string,
    window: { start: string; minutes: number; seed: number },
    produced: { events: number; messages: number },
    catalog: GeneratorCatalog,
  ): Promise<void> {
    const { rates } = this.options;
    const bodies: { body: string; tag: string }[] = [];
    const malformedCount = this.quota(rates.malformedEvents, produced.events, 'malformed', stream, window.start);
    if (malformedCount > 0) {
      // Real-shaped events from a window of their own, then broken one way each.
      const template = generateWindow(catalog, {
        start: window.start,
        minutes: window.minutes,
        seed: (window.seed ^ this.options.seed ^ 0x0bad) >>> 0,
        saleLines: malformedCount,
      });
      const source = templateEvents(stream, template);
      const key = streams[stream].contract.key;
      const perChunk = 50;
      for (let first = 0; first < malformedCount; first += perChunk) {
        const chunkId = chaosChunkId(stream, window.start, this.options.seed, this.chunkSequence++);
        const events: string[] = [];
        for (let index = 0; index < Math.min(perChunk, malformedCount - first); index++) {
          const event: Record<string, unknown> = { ...source[(first + index) % source.length] };
          event[key] = `X-${chunkId}-${index}`;
          const mutations = MUTATIONS[stream] ?? contractMutations(streams[stream].contract);
          const mutation = mutations[Math.floor(this.draw('mutation', chunkId, index) * mutations.length)];
          mutation.apply(event);
          events.push(JSON.stringify(event));
          this.malformed.push({ stream, chunkId, index, field: mutation.field, event });
        }
        bodies.push({ body: encodeChunk(stream, chunkId, events, 'none'), tag: `malformed-${chunkId}` });
        this.counts.malformedEvents += events.length;
      }
    }
    const poisonCount = this.quota(rates.poisonMessages, produced.messages, 'poison', stream, window.start);
    for (let i = 0; i < poisonCount; i++) {
      const n = this.poison.length;
      const kind = POISONS[Math.floor(this.draw('poison', stream, window.start, i) * POISONS.length)];
      const tag = `poison-${n}`;
      const body = kind.body(stream, n);
      this.poison.push({ stream, tag, body, why: kind.why });
      bodies.push({ body, tag });
      this.counts.poisonMessages++;
    }
    for (let i = 0; i < bodies.length; i += 10) {
      const entries = bodies.slice(i, i + 10);
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((b, j) => ({
            Id: String(j),
            MessageBody: b.body,
            MessageAttributes: { [CHAOS_ATTRIBUTE]: { DataType: 'String', StringValue: b.tag } },
          })),
        }),
      );
      if (out.Failed?.length)
        throw new Error(
          `chaos could not inject ${out.Failed.length} message(s): ${out.Failed.map((f) => f.Message).join('; ')}`,
        );
    }
  }

  /** The counts so far, and start again from zero (a worker reports its faults this way). */
  takeCounts(): ChaosCounts {
    const taken = { ...this.counts };
    for (const k of Object.keys(this.counts) as (keyof ChaosCounts)[]) this.counts[k] = 0;
    return taken;
  }

  /** Add faults injected elsewhere (in a consumer worker). */
  addCounts(counts: ChaosCounts): void {
    for (const k of Object.keys(counts) as (keyof ChaosCounts)[]) this.counts[k] += counts[k];
  }

  /**
   * Most deliveries a run can see per message it sent. Each message is received at most
   * maxReceiveCount times before its DLQ; each receive adds at most one copy (copies are never
   * copied), and each copy is received at most maxReceiveCount times as well.
   */
  get deliveryBudgetPerMessage(): number {
    return this.maxReceiveCount * (this.maxReceiveCount + 1);
  }

  /** Counts the deliveries and stops the run, with a clear message, once they pass the budget. */
  private countDeliveries(messages: readonly Message[]): void {
    for (const m of messages) {
      this.deliveries.all++;
      if (m.Attributes?.ApproximateReceiveCount === '1' && !m.MessageAttributes?.[CHAOS_COPY_ATTRIBUTE])
        this.deliveries.originals++;
    }
    const budget = Math.max(1, this.deliveries.originals) * this.deliveryBudgetPerMessage;
    if (this.deliveries.all > budget)
      throw new ChaosBudgetExceeded(
        `chaos: ${this.deliveries.all} deliveries for ${this.deliveries.originals} message(s), over the budget of ` +
          `${this.deliveryBudgetPerMessage} per message (maxReceiveCount ${this.maxReceiveCount}, one copy per receive); ` +
          'the run stopped instead of redelivering without end. Lower the chaos rates, or report this as a bug.',
      );
  }

  /**
   * Event-source hook, on every batch received: counts deliveries against the budget, and
   * SQS sometimes delivers a copy of a message a second time. A copy is not copied again.
   */
  duplicateDeliveries(sqs: SQSClient, queueUrl: string): (messages: readonly Message[]) => Promise<void> {
    return async (messages) => {
      this.countDeliveries(messages);
      const copies = messages.filter((m) => {
        // Poison copies would land in the DLQ too and muddle its books; they prove nothing new.
        if (m.MessageAttributes?.[CHAOS_ATTRIBUTE]?.StringValue?.startsWith('poison-')) return false;
        if (m.MessageAttributes?.[CHAOS_COPY_ATTRIBUTE]) return false;
        return (
          this.draw('duplicate', m.MD5OfBody ?? '', m.Attributes?.ApproximateReceiveCount ?? '1', m.MessageId ?? '') <
          this.options.rates.duplicateDelivery
        );
      });
      for (const m of copies) {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: m.Body!,
            MessageAttributes: {
              ...m.MessageAttributes,
              [CHAOS_COPY_ATTRIBUTE]: { DataType: 'String', StringValue: m.MessageId ?? 'copy' },
            },
          }),
        );
        this.counts.duplicateDeliveries++;
      }
    };
  }

  /**
   * Wraps one consumer invocation: faults are on unless a message is on its last
   * allowed receive; after the handler has written its files, it may crash.
   */
  async consumerInvocation(
    event: SQSEvent,
    call: () => Promise<SQSBatchResponse | void>,
  ): Promise<SQSBatchResponse | void> {
    const lastReceive = event.Records.some((r) => Number(r.attributes.ApproximateReceiveCount) >= this.maxReceiveCount);
    const poisonOnly = event.Records.every((r) =>
      r.messageAttributes[CHAOS_ATTRIBUTE]?.stringValue?.startsWith('poison-'),
    );
    const faultsAllowed = !lastReceive || poisonOnly;
    if (!faultsAllowed) this.counts.sparedLastReceives++;
    const response = await this.scope.run({ faultsAllowed }, call);
    const identity = event.Records.map((r) => `${r.md5OfBody}:${r.attributes.ApproximateReceiveCount}`)
      .sort()
      .join(',');
    if (faultsAllowed && this.draw('crash', identity) < this.options.rates.consumerCrash) {
      this.counts.consumerCrashes++;
      throw new Error('chaos: consumer crashed after writing to S3, before reporting success');
    }
    return response;
  }

  /** S3 middleware for the consumers' client: PutObject fails with a 503 at the configured rate. */
  failS3Puts(s3: S3Client): void {
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand' && this.scope.getStore()?.faultsAllowed) {
          const key = String((args.input as { Key?: string }).Key);
          const attempt = (this.putAttempts.get(key) ?? 0) + 1;
          this.putAttempts.set(key, attempt);
          if (this.draw('put', key, attempt) < this.options.rates.s3PutFailure) {
            this.counts.s3PutFailures++;
            throw new ChaosFault('SlowDown', 'chaos: Please reduce your request rate (S3 503).', 'server', {
              httpStatusCode: 503,
            });
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'twinChaosS3PutFailure', override: true },
    );
  }

  /** Whether the loader should crash halfway through this file on this attempt. */
  loaderCrashes(key: string): boolean {
    const attempt = (this.loadAttempts.get(key) ?? 0) + 1;
    this.loadAttempts.set(key, attempt);
    // A file crashes at most twice, so a bounded number of loader passes always finishes.
    if (attempt > 2 || this.draw('loader', key, attempt) >= this.options.rates.loaderCrash) return false;
    this.counts.loaderCrashes++;
    return true;
  }
}

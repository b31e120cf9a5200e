// Property-based tests (fast-check) of the consumer against what any sender may put
// on a queue: events with unicode, control characters, huge and negative numbers,
// wrong types, missing and extra fields and prototype keys, inside arbitrary
// envelopes and gzip bodies. First the consumer's pure core, then its handler, then
// the whole way through the loader into PGlite. The properties:
// - every event is either rejected with a reason, or it loads;
// - every valid event of a chunk loads, whatever else the chunk holds;
// - nothing throws past the handler (an unreadable message is a batch item failure).
// Run long with `npm run fuzz` (see test/support/fuzz.ts).
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { knownIdsOf, streams, validate, type StreamName } from '../kernel/contracts';
import { consumeBatch, processChunk } from '../functions/consumer';
import { parseCsv } from './support/csv';
import { encodeChunk, UnreadableMessageError } from '../kernel/packing';
import { loadLandingFiles } from '../warehouse/loader';
import type { CopyDriver } from '../warehouse/runner';
import { resetFacts, startLanding, testCatalog, type Landing, useWarehouseAndLanding } from './support/warehouse';
import { fuzzParameters, fuzzTimeout } from './support/fuzz';

const catalog = testCatalog();
const known = knownIdsOf(catalog);
const productIds = catalog.products.map((p) => p.product_id);
const storeIds = catalog.stores.map((s) => s.store_id);

// ---------------------------------------------------------------------------
// Valid events: what a correct producer may send, well beyond what ours does.

const idTail = fc.string({ unit: fc.constantFrom(...'ABZabz09_.-'), maxLength: 40 });
const validId = idTail.map((t) => `V-${t}`);
const hourOfBlackFriday = Date.UTC(2026, 10, 27, 9);
const instant = fc.oneof(
  // Mostly within one hour, so a chunk makes few files; sometimes any instant Redshift holds.
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3_599_999 }).map((ms) => new Date(hourOfBlackFriday + ms)) },
  {
    weight: 1,
    arbitrary: fc.date({
      min: new Date('0001-01-01T00:00:00.000Z'),
      max: new Date('9999-12-31T23:59:59.999Z'),
      noInvalidDate: true,
    }),
  },
);
const timestamp = fc
  .tuple(instant, fc.integer({ min: 0, max: 3 }))
  .map(([d, digits]) => d.toISOString().slice(0, digits === 0 ? 19 : 20 + digits) + 'Z');
const money = fc.integer({ min: 1, max: 10_000_000 }).map((cents) => cents / 100);

const validSale = fc.record({
  transaction_id: validId,
  product_id: fc.constantFrom(...productIds),
  timestamp,
  quantity: fc.integer({ min: 1, max: 1000 }),
  unit_price: money,
  store_id: fc.constantFrom(...storeIds),
  basket_id: validId,
  discount_pct: fc.integer({ min: 0, max: 90 }),
});
const validInventory = fc.oneof(
  fc.record(
    {
      update_id: validId,
      product_id: fc.constantFrom(...productIds),
      timestamp,
      quantity_change: fc.integer({ min: 1, max: 100_000 }),
      store_id: fc.constantFrom(...storeIds),
      reason: fc.constant('restock'),
      transaction_id: fc.constant(null),
    },
    // A nullable field may also be absent.
    { requiredKeys: ['update_id', 'product_id', 'timestamp', 'quantity_change', 'store_id', 'reason'] },
  ),
  fc.record({
    update_id: validId,
    product_id: fc.constantFrom(...productIds),
    timestamp,
    quantity_change: fc.integer({ min: -1000, max: -1 }),
    store_id: fc.constantFrom(...storeIds),
    reason: fc.constant('sale'),
    transaction_id: validId,
  }),
);
const validEvent: Record<StreamName, fc.Arbitrary<Record<string, unknown>>> = {
  sales: validSale,
  inventory: validInventory,
};

// ---------------------------------------------------------------------------
// Hostile values and events.

/** Characters that break CSV, COPY, UTF-8 or a byte count. */
const nasty = fc.constantFrom(
  '\u0000',
  '\u0001',
  '\t',
  '\n',
  '\r',
  '"',
  ',',
  '\\',
  "'",
  ' ',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ufeff',
  'é',
  '中',
  '😀',
  '\ud800',
  '\udfff',
  'A',
  '0',
  '-',
);
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: nasty, maxLength: 80 }),
  // Oversize multi-byte strings: few characters, many bytes.
  fc.string({ unit: fc.constantFrom('é', '中', '😀'), minLength: 9, maxLength: 70 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.integer({ min: -(2 ** 53), max: 2 ** 53 }),
  fc.double(),
  fc.constantFrom(
    2 ** 31,
    -(2 ** 31) - 1,
    2147483647,
    1e21,
    -1e308,
    9999999999.99,
    1e10,
    0.001,
    0.1 + 0.2,
    -0,
    0,
    1,
    -1,
  ),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  fc.constantFrom(
    '0000-01-01T00:00:00Z',
    '+010000-01-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-11-27T09:00:00+01:00',
    '2026-11-27 09:00:00',
    'yesterday',
    '2026-11-27T09:00:00.1234Z',
    '',
  ),
);
const prototypeKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  'coupon_code',
);

type FieldAction =
  { do: 'keep' } | { do: 'drop' } | { do: 'replace'; value: unknown } | { do: 'spoil'; char: string; at: number };
const fieldAction: fc.Arbitrary<FieldAction> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ do: 'keep' as const }) },
  { weight: 1, arbitrary: fc.constant({ do: 'drop' as const }) },
  { weight: 2, arbitrary: junk.map((value) => ({ do: 'replace' as const, value })) },
  // A valid value with one bad character slipped in.
  { weight: 1, arbitrary: fc.record({ do: fc.constant('spoil' as const), char: nasty, at: fc.nat() }) },
);

interface EventCase {
  /** Untouched valid event: it must load. */
  pristine: boolean;
  json: string;
}

/** JSON text of an object from its entries, so keys like __proto__ reach the wire as they are. */
function objectJson(entries: [string, unknown][]): string {
  return `{${entries.flatMap(([k, v]) => (v === undefined ? [] : [`${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`])).join(',')}}`;
}

/** One event of a chunk: valid, broken field by field, with extra keys, or not an object at all. */
function eventCase(stream: StreamName): fc.Arbitrary<(index: number) => EventCase> {
  const key = streams[stream].contract.key;
  const keep = { do: 'keep' as const };
  const broken = fc.record({
    base: validEvent[stream],
    actions: fc.oneof(
      // One field broken, the others valid: the event stands or falls by that field alone.
      fc
        .tuple(fc.nat(7), fieldAction)
        .map(([at, action]) => Array.from({ length: 8 }, (_, f) => (f === at ? action : keep))),
      fc.array(fieldAction, { minLength: 8, maxLength: 8 }),
    ),
    extra: fc.oneof(
      fc.constant([]),
      fc.array(fc.tuple(fc.oneof(prototypeKey, fc.string({ maxLength: 8 })), junk), { maxLength: 2 }),
    ),
  });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: validEvent[stream].map((e) => (i: number) => ({
        pristine: true,
        json: objectJson(Object.entries({ ...e, [key]: `P${i}-${e[key] as string}`.slice(0, 64) })),
      })),
    },
    {
      weight: 6,
      arbitrary: broken.map(({ base, actions, extra }) => (i: number) => {
        const entries: [string, unknown][] = [];
        Object.entries({ ...base, [key]: `M${i}-${base[key] as string}`.slice(0, 64) }).forEach(([name, value], f) => {
          const action = actions[f % actions.length];
          if (action.do === 'keep') entries.push([name, value]);
          else if (action.do === 'replace') entries.push([name, action.value]);
          else if (action.do === 'spoil') {
            const text = String(value);
            const at = action.at % (text.length + 1);
            entries.push([
              name,
              typeof value === 'string' ? text.slice(0, at) + action.char + text.slice(at) : action.char,
            ]);
          }
        });
        return { pristine: false, json: objectJson([...entries, ...extra]) };
      }),
    },
    {
      weight: 2,
      arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => () => ({ pristine: false, json: JSON.stringify(v) })),
    },
    // Nesting that JSON.parse reads and JSON.stringify's stack does not (about 5,000 levels here).
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean()).map(([depth, inField]) => () => {
        const nested = '['.repeat(depth) + ']'.repeat(depth);
        return { pristine: false, json: inField ? `{"${key}":${nested}}` : nested };
      }),
    },
  );
}

interface ChunkCase {
  stream: StreamName;
  events: EventCase[];
  compression: 'gzip' | 'none';
}

const chunkCase = (maxEvents: number): fc.Arbitrary<ChunkCase> =>
  fc.constantFrom<StreamName>('sales', 'inventory').chain((stream) =>
    fc.record({
      stream: fc.constant(stream),
      events: fc.array(eventCase(stream), { maxLength: maxEvents }).map((makers) => makers.map((make, i) => make(i))),
      compression: fc.constantFrom<'gzip' | 'none'>('gzip', 'none'),
    }),
  );

const bodyOf = (c: ChunkCase, chunkId = `${c.stream}-prop-000001`) =>
  encodeChunk(
    c.stream,
    chunkId,
    c.events.map((e) => e.json),
    c.compression,
  );

/**
 * Would Redshift's COPY (CSV, EMPTYASNULL) load this file? Written from its documentation,
 * apart from the contracts: "Character types" (VARCHAR(n) counts bytes), "Preparing your
 * input data" (UTF-8 only; a NUL fails the COPY; timestamps as YYYY-MM-DD hh:mm:ss), "Numeric
 * types" (INTEGER range, DECIMAL(12,2) digits), "Datetime types" (no year 0). The problems found.
 */
function redshiftRefusals(stream: StreamName, csv: string): string[] {
  const contract = streams[stream].contract;
  const fields = contract.fields as Record<string, { kind: string; maxBytes?: number; nullable?: boolean }>;
  const problems: string[] = [];
  for (const row of parseCsv(csv).rows) {
    contract.columns.forEach((name, i) => {
      const cell = row[i];
      const spec = fields[name];
      const say = (why: string) => problems.push(`${name} ${JSON.stringify(cell)}: ${why}`);
      if (cell === '') return void (spec.nullable ? undefined : say('empty is NULL in a NOT NULL column'));
      if (Buffer.from(cell, 'utf8').toString('utf8') !== cell) say('not UTF-8');
      if (cell.includes('\u0000')) say('NUL');
      if (spec.maxBytes !== undefined && Buffer.byteLength(cell) > spec.maxBytes)
        say(`${Buffer.byteLength(cell)} bytes in VARCHAR(${spec.maxBytes})`);
      if (spec.kind === 'int' && !(/^-?\d{1,10}$/.test(cell) && Math.abs(Number(cell) + 0.5) <= 2 ** 31))
        say('not an INTEGER');
      if (spec.kind === 'money' && !/^-?\d{1,10}\.\d{2}$/.test(cell)) say('not a DECIMAL(12,2) with 2 decimals');
      if (
        spec.kind === 'timestamp' &&
        !(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(cell) && cell.slice(0, 4) !== '0000')
      )
        say('not a TIMESTAMP in the default format');
    });
  }
  return problems;
}

/** Every event accounted for, every pristine one valid, every file one that Redshift loads. */
function checkChunk(c: ChunkCase) {
  const chunk = processChunk(bodyOf(c), c.stream, known);
  const contract = streams[c.stream].contract;
  expect(chunk.counts).toEqual({
    events: c.events.length,
    valid: chunk.valid.length,
    rejected: c.events.length - chunk.valid.length,
  });
  const rejected = chunk.rejected
    ? chunk.rejected.body
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line))
    : [];
  expect(rejected).toHaveLength(chunk.counts.rejected);
  const rejectedAt = new Set<number>();
  for (const r of rejected) {
    rejectedAt.add(r.index);
    expect(r.problems.length).toBeGreaterThan(0);
    for (const p of r.problems)
      expect(
        typeof p.field === 'string' && p.field.length > 0 && typeof p.message === 'string' && p.message.length > 0,
      ).toBe(true);
  }
  c.events.forEach((e, i) => {
    if (e.pristine) expect([i, e.json, rejectedAt.has(i)]).toEqual([i, e.json, false]);
  });
  // What was accepted is valid, and each landing file holds exactly the accepted events.
  for (const v of chunk.valid) expect(validate(contract, v, known)).toEqual([]);
  const ids = chunk.files.flatMap((f) => {
    const { header, rows, errors } = parseCsv(f.body);
    expect([header, errors, rows.length]).toEqual([[...contract.columns], [], f.rows]);
    expect(redshiftRefusals(c.stream, f.body)).toEqual([]);
    return rows.map((r) => r[0]);
  });
  expect(ids.sort()).toEqual(chunk.valid.map((v) => (v as Record<string, string>)[contract.key]).sort());
  return chunk;
}

/** Failures found by these properties, kept as regression cases. Seed 13: a field with an empty name was reported as field "". */
const emptyFieldName: ChunkCase = {
  stream: 'inventory',
  events: [
    {
      pristine: false,
      json: '{"update_id":"M0-V-","product_id":"P0001","timestamp":"1970-01-01T00:00:00Z","quantity_change":1,"store_id":"S001","reason":"restock","":0}',
    },
  ],
  compression: 'gzip',
};

describe('the consumer core on arbitrary events', () => {
  it(
    'rejects each event with a reason or accepts it, and accepts every valid one whatever else the chunk holds',
    () => {
      fc.assert(
        fc.property(chunkCase(30), (c) => void checkChunk(c)),
        fuzzParameters(200, [[emptyFieldName]]),
      );
    },
    fuzzTimeout,
  );
});

// ---------------------------------------------------------------------------
// Envelopes and bodies: anything at all may arrive on the queue.

const gzipBase64 = (data: string | Uint8Array) => gzipSync(data).toString('base64');
const eventsJson = chunkCase(5).map((c) => `[${c.events.map((e) => e.json).join(',')}]`);
const jsonText = (v: unknown) => JSON.stringify(v) ?? 'null';
/** An envelope's fields as JSON text, each right or wrong; events stay text (they may nest too deep to re-serialize). */
const envelope = fc.record(
  {
    v: fc.oneof(fc.constant(1), junk).map(jsonText),
    stream: fc.oneof(fc.constantFrom('sales', 'inventory'), junk).map(jsonText),
    chunk_id: fc.oneof(fc.constant('sales-env-000001'), idTail, junk).map(jsonText),
    count: fc.oneof(fc.nat(6), junk).map(jsonText),
    events: fc.oneof(eventsJson, junk.map(jsonText)),
    gz: fc
      .oneof(
        eventsJson.map(gzipBase64),
        fc.uint8Array({ maxLength: 64 }).map(gzipBase64),
        fc.base64String({ maxLength: 40 }),
        junk,
      )
      .map(jsonText),
  },
  { requiredKeys: [] },
);
const anyBody: fc.Arbitrary<string> = fc.oneof(
  envelope.map(
    (e) =>
      `{${Object.entries(e)
        .map(([k, text]) => `${JSON.stringify(k)}:${text}`)
        .join(',')}}`,
  ),
  chunkCase(5).map((c) => bodyOf(c)),
  // A good body cut short or with a byte flipped.
  fc.tuple(chunkCase(5), fc.nat(), fc.string({ unit: nasty, minLength: 1, maxLength: 1 })).map(([c, at, ch]) => {
    const body = bodyOf(c);
    const i = at % body.length;
    return at % 2 === 0 ? body.slice(0, i) : body.slice(0, i) + ch + body.slice(i + 1);
  }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

describe('the consumer on arbitrary message bodies', () => {
  it(
    'either reads a body or refuses it with UnreadableMessageError, never another error',
    () => {
      fc.assert(
        fc.property(anyBody, fc.constantFrom<StreamName>('sales', 'inventory'), (body, stream) => {
          try {
            const chunk = processChunk(body, stream, known);
            expect(chunk.counts.events).toBe(chunk.counts.valid + chunk.counts.rejected);
          } catch (error) {
            expect(error).toBeInstanceOf(UnreadableMessageError);
          }
        }),
        fuzzParameters(300),
      );
    },
    fuzzTimeout,
  );

  describe('through the handler, writing to S3', () => {
    let landing: Landing;
    beforeAll(async () => {
      landing = await startLanding();
    });
    afterAll(async () => {
      await landing?.stop();
    });

    it(
      'answers every batch: the unreadable messages as item failures, nothing thrown',
      async () => {
        const quiet = new Logger({ logLevel: 'SILENT' });
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom<StreamName>('sales', 'inventory'),
            fc.array(anyBody, { minLength: 1, maxLength: 4 }),
            async (stream, bodies) => {
              const event: SQSEvent = {
                Records: bodies.map((body, i) => ({
                  messageId: `m-${i}`,
                  receiptHandle: `r-${i}`,
                  body,
                  attributes: {
                    ApproximateReceiveCount: '1',
                    SentTimestamp: '0',
                    SenderId: 'x',
                    ApproximateFirstReceiveTimestamp: '0',
                  },
                  messageAttributes: {},
                  md5OfBody: '',
                  eventSource: 'aws:sqs',
                  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
                  awsRegion: 'us-east-1',
                })),
              };
              const response = await consumeBatch(
                { s3: landing.s3, known, settings: { stream, bucket: landing.bucket }, logger: quiet },
                event,
              );
              const unreadable = bodies.flatMap((body, i) => {
                try {
                  processChunk(body, stream, known);
                  return [];
                } catch {
                  return [`m-${i}`];
                }
              });
              expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(unreadable);
            },
          ),
          fuzzParameters(20),
        );
      },
      fuzzTimeout,
    );
  });
});

// ---------------------------------------------------------------------------
// All the way: consumer -> landing files in S3 -> loader -> PGlite.

describe('arbitrary chunks through the loader into the twin', () => {
  let driver: CopyDriver & { close(): Promise<void> };
  let landing: Landing;
  useWarehouseAndLanding((d, l) => ([driver, landing] = [d, l]));

  /** Each loaded row as the CSV would write it, for comparison with the accepted events. */
  const loadedRows = async (stream: StreamName) => {
    const contract = streams[stream].contract;
    const columns = contract.columns.map((c) => {
      const kind = (contract.fields as Record<string, { kind: string }>)[c].kind;
      return kind === 'timestamp' ? `to_char("${c}", 'YYYY-MM-DD HH24:MI:SS')` : `"${c}"::text`;
    });
    const rows = await driver.query<{ row: string[] }>(
      `SELECT ARRAY[${columns.join(', ')}] AS row FROM retail.${contract.table}`,
    );
    return rows.map((r) => r.row).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  };

  it(
    'loads every accepted event exactly as sent, and never fails a file',
    async () => {
      await fc.assert(
        fc.asyncProperty(chunkCase(12), async (c) => {
          await resetFacts(driver);
          landing.freshBucket();
          const chunk = checkChunk(c);
          for (const file of chunk.files) await landing.put(file.key, file.body);
          const report = await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket, refresh: false });
          expect(report.failures).toEqual([]);
          const expected = chunk.files.flatMap((f) =>
            parseCsv(f.body).rows.map((r) => r.map((cell) => (cell === '' ? null : cell))),
          );
          expect(await loadedRows(c.stream)).toEqual(
            expected.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)),
          );
        }),
        fuzzParameters(30),
      );
    },
    fuzzTimeout,
  );
});

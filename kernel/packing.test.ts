import { gzipSync } from 'node:zlib';
import { SQS_BATCH_MAX_BYTES } from './awsLimits';
import { streamNames } from './contracts';
import {
  batchesOf,
  encodeChunk,
  packChunks,
  packMessages,
  SQS_BATCH_SEND_BYTES,
  UnreadableMessageError,
  unpackMessage,
} from './packing';

const events = Array.from({ length: 5000 }, (_, i) => ({
  transaction_id: `T-${i}`,
  product_id: `P${i % 200}`,
  timestamp: '2026-11-27T06:00:00Z',
  quantity: 1 + (i % 3),
  unit_price: 9.99,
  store_id: 'S001',
  basket_id: `B-${i >> 2}`,
  discount_pct: 0,
}));
const base = { stream: 'sales' as const, windowStart: '2026-11-27T06:00:00Z', seed: 7 };

describe('packMessages', () => {
  it('fills gzip messages up to the limit, loses nothing and keeps order', () => {
    const messages = packMessages(events, {
      ...base,
      eventsPerMessage: 'fill',
      maxMessageBytes: 16 * 1024,
      compression: 'gzip',
    });
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(m.bytes).toBeLessThanOrEqual(16 * 1024);
    // Filled, not timid: all but the last message use nearly all of the allowance.
    for (const m of messages.slice(0, -1)) expect(m.bytes).toBeGreaterThan(0.9 * 16 * 1024);
    const back = messages.flatMap((m) => unpackMessage(m.body).events);
    expect(back).toEqual(events);
  });

  it('packs a fixed number of events per message, including one', () => {
    const one = packMessages(events.slice(0, 25), {
      ...base,
      eventsPerMessage: 1,
      maxMessageBytes: 262144,
      compression: 'none',
    });
    expect(one).toHaveLength(25);
    expect(unpackMessage(one[3].body)).toEqual({ stream: 'sales', chunkId: one[3].chunkId, events: [events[3]] });
    const hundred = packMessages(events, {
      ...base,
      eventsPerMessage: 100,
      maxMessageBytes: 262144,
      compression: 'gzip',
    });
    expect(hundred.map((m) => m.events)).toEqual(Array(50).fill(100));
  });

  it('names chunks from the window and seed, so a re-run sends the same ids and bytes', () => {
    const a = packMessages(events, { ...base, eventsPerMessage: 'fill', maxMessageBytes: 65536, compression: 'gzip' });
    const b = packMessages(events, { ...base, eventsPerMessage: 'fill', maxMessageBytes: 65536, compression: 'gzip' });
    expect(b).toEqual(a);
    expect(a[0].chunkId).toBe('sales-20261127T060000-7-000000');
    expect(new Set(a.map((m) => m.chunkId)).size).toBe(a.length);
  });

  it('packs lazily with packChunks: the first message is ready before the rest are serialised', () => {
    const options = {
      ...base,
      eventsPerMessage: 'fill' as const,
      maxMessageBytes: 16 * 1024,
      compression: 'gzip' as const,
    };
    let serialised = 0;
    const counted = events.map((e) => ({ toJSON: () => (serialised++, e) }));
    const chunks = packChunks(counted, options);
    const first = chunks.next();
    expect(first.value).toEqual(packMessages(events, options)[0]);
    expect(serialised).toBeLessThan(events.length / 2);
    expect([first.value, ...chunks]).toEqual(packMessages(events, options));
    // Options are checked when called, not on the first message.
    expect(() => packChunks(events, { ...options, eventsPerMessage: 0 })).toThrow(/eventsPerMessage/);
  });

  it('rejects bad options and an event too large for any message', () => {
    expect(() =>
      packMessages(events, { ...base, eventsPerMessage: 0, maxMessageBytes: 65536, compression: 'none' }),
    ).toThrow("eventsPerMessage must be 'fill' or a whole number >= 1, got 0");
    expect(() =>
      packMessages(events, {
        ...base,
        eventsPerMessage: 'fill',
        maxMessageBytes: 2 * 1024 * 1024,
        compression: 'none',
      }),
    ).toThrow('maxMessageBytes must be 1024..1048576, got 2097152');
    expect(() =>
      packMessages([{ name: 'x'.repeat(5000) }], {
        ...base,
        eventsPerMessage: 'fill',
        maxMessageBytes: 1024,
        compression: 'none',
      }),
    ).toThrow(/one sales event is larger than maxMessageBytes/);
  });
});

describe('batchesOf', () => {
  const messages = (n: number, bytes: number) =>
    Array.from({ length: n }, (_, i) => ({ chunkId: `c${i}`, body: 'x', bytes, events: 1 }));
  const sizes = (batches: { bytes: number }[][]) => batches.map((b) => b.reduce((n, m) => n + m.bytes, 0));

  it('keeps at most 10 entries and 1 MiB per SendMessageBatch', () => {
    expect([...batchesOf(messages(23, 1000))].map((b) => b.length)).toEqual([10, 10, 3]);
    const batches = [...batchesOf(messages(7, 150 * 1024))];
    expect(batches.map((b) => b.length)).toEqual([2, 2, 2, 1]);
    for (const bytes of sizes(batches)) expect(bytes).toBeLessThanOrEqual(SQS_BATCH_MAX_BYTES);
  });

  it('sends a batch once it carries 192 KiB instead of waiting for more', () => {
    // Small messages still share calls; large ones go out one or two at a time, billed the same.
    expect([...batchesOf(messages(3, 250 * 1024))].map((b) => b.length)).toEqual([1, 1, 1]);
    expect([...batchesOf(messages(5, 70 * 1024))].map((b) => b.length)).toEqual([3, 2]);
    expect(sizes([...batchesOf(messages(5, 70 * 1024))])[0]).toBeGreaterThanOrEqual(SQS_BATCH_SEND_BYTES);
  });
});

describe('unpackMessage', () => {
  const unreadable = (body: string, max?: number) => {
    try {
      unpackMessage(body, max);
    } catch (err) {
      expect(err).toBeInstanceOf(UnreadableMessageError);
      return (err as Error).message;
    }
    throw new Error('expected UnreadableMessageError');
  };

  it('says why a body cannot be read', () => {
    expect(unreadable('{"v":1,')).toMatch(/^body is not JSON/);
    expect(unreadable('[1,2]')).toBe('body is not a JSON object');
    expect(unreadable('{"v":2,"stream":"no_such_stream","chunk_id":"a b"}')).toBe(
      `v must be 1, got 2; stream must be one of ${streamNames.join(', ')}, got "no_such_stream"; chunk_id must match [A-Za-z0-9_.-]{1,120}, got "a b"; exactly one of events and gz must be present`,
    );
    expect(unreadable('{"v":1,"stream":"sales","chunk_id":"c1","gz":"not-gzip"}')).toMatch(
      /^gz is not base64 gzip of a JSON array/,
    );
    expect(
      unreadable(`{"v":1,"stream":"sales","chunk_id":"c1","gz":"${gzipSync('{"a":1}').toString('base64')}"}`),
    ).toBe('events must be a JSON array');
    expect(unreadable('{"v":1,"stream":"sales","chunk_id":"c1","count":3,"events":[{}]}')).toBe(
      'count says 3 events, body has 1',
    );
    expect(unreadable(encodeChunk('sales', 'c1', ['{}'], 'none'), 10)).toMatch(
      /^body is \d+ bytes, more than the 10 allowed$/,
    );
  });
});

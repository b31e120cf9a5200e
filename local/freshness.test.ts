// The data age of each chunk: producer send to the end of the first refresh that showed it.
import { chunkIdOfBody, FreshnessTracker, percentile, summarizeAges } from './freshness';

it('takes nearest-rank percentiles', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  expect(percentile(sorted, 50)).toBe(50);
  expect(percentile(sorted, 95)).toBe(95);
  expect(percentile(sorted, 100)).toBe(100);
  expect(percentile([7], 95)).toBe(7);
  expect(summarizeAges([])).toEqual({ chunks: 0, p50Ms: 0, p95Ms: 0, maxMs: 0 });
  expect(summarizeAges([30, 10, 20])).toEqual({ chunks: 3, p50Ms: 20, p95Ms: 30, maxMs: 30 });
});

it('reads the chunk id from the envelope head', () => {
  expect(
    chunkIdOfBody('{"v":1,"stream":"sales","chunk_id":"sales-20261127T060000-1-000003","count":12,"gz":"..."}'),
  ).toBe('sales-20261127T060000-1-000003');
  expect(chunkIdOfBody('not a chunk')).toBeUndefined();
});

it('ages a chunk to the end of the first refresh after the load pass that started after it landed', () => {
  const t = new FreshnessTracker();
  t.landedChunk('a', 1000, 1000);
  t.loadStarted(); // takes a
  t.landedChunk('b', 1100, 1100); // lands during the pass: the next pass takes it
  t.loadFinished(0);
  t.refreshStarted();
  t.refreshFinished(1500); // a visible: 500 ms
  expect(t.summary()).toMatchObject({ chunks: 1, p50Ms: 500, p95Ms: 500, maxMs: 500 });
  expect(t.pending).toBe(1);
  t.loadStarted();
  t.loadFinished(0);
  t.landedChunk('c', 1600, 1600); // after the pass: waits for another one
  t.refreshStarted();
  t.refreshFinished(2100); // b visible: 1000 ms
  t.loadStarted();
  t.loadFinished(0);
  t.refreshStarted();
  t.refreshFinished(2400); // c visible: 800 ms
  expect(t.summary()).toMatchObject({ chunks: 3, p50Ms: 800, p95Ms: 1000, maxMs: 1000 });
  expect(t.pending).toBe(0);
});

it('splits the age into consume, load and refresh', () => {
  const t = new FreshnessTracker();
  t.landedChunk('a', 1000, 1300); // sent at 1000, its consumer finished at 1300
  t.loadStarted();
  t.loadFinished(1450);
  t.refreshStarted();
  t.refreshFinished(1500);
  expect(t.summary().stages).toEqual({
    consume: { p50Ms: 300, p95Ms: 300 },
    load: { p50Ms: 150, p95Ms: 150 },
    refresh: { p50Ms: 50, p95Ms: 50 },
  });
});

it('counts a redelivered chunk once, from its first landing', () => {
  const t = new FreshnessTracker();
  t.landedChunk('a', 1000, 1000);
  t.loadStarted();
  t.loadFinished(0);
  t.landedChunk('a', 1900, 1900); // a duplicate delivery rewrote the same key
  t.refreshStarted();
  t.refreshFinished(2000);
  t.loadStarted();
  t.loadFinished(0);
  t.refreshStarted();
  t.refreshFinished(3000);
  expect(t.summary()).toMatchObject({ chunks: 1, p50Ms: 1000, p95Ms: 1000, maxMs: 1000 });
});

it('loads without a refresh leave chunks waiting for the views', () => {
  const t = new FreshnessTracker();
  t.landedChunk('a', 0, 0);
  t.loadStarted();
  t.loadFinished(0);
  t.loadStarted();
  t.loadFinished(0);
  expect(t.summary().chunks).toBe(0);
  t.refreshStarted();
  t.refreshFinished(4000);
  expect(t.summary()).toMatchObject({ chunks: 1, p50Ms: 4000, p95Ms: 4000, maxMs: 4000 });
});

it('follows a few hundred thousand chunks through one load (one event per message) without overflowing the stack', () => {
  const t = new FreshnessTracker();
  const chunks = 300_000;
  for (let i = 0; i < chunks; i++) t.landedChunk(`c${i}`, 0, 0);
  t.loadStarted();
  t.loadFinished(0);
  t.refreshStarted();
  t.refreshFinished(1000);
  expect(t.summary()).toMatchObject({ chunks, p50Ms: 1000, maxMs: 1000 });
});

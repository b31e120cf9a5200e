// How old is what the dashboard shows? For every chunk, the time from the producer's
// send (SQS's SentTimestamp) to the end of the first view refresh that included its
// rows. The twin's loader and refresh run one after the other in one loop, so a
// chunk whose files landed before a load pass started is in the tables when that pass
// ends, and in the views when the next refresh ends. Pure: times come in as arguments.

export interface FreshnessSummary {
  /** Chunks whose rows became visible in the views. */
  chunks: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Where the age went, p50 and p95 per stage: send to landed in S3 (queue + consumer), to loaded (loader), to visible (refresh). */
  stages?: Record<FreshnessStage, { p50Ms: number; p95Ms: number }>;
}

export type FreshnessStage = 'consume' | 'load' | 'refresh';

const NO_FRESHNESS: FreshnessSummary = { chunks: 0, p50Ms: 0, p95Ms: 0, maxMs: 0 };

/** Nearest-rank percentile (p in 0..100) of values sorted ascending; 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarizeAges(agesMs: readonly number[]): FreshnessSummary {
  const sorted = [...agesMs].sort((a, b) => a - b);
  return {
    chunks: sorted.length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    maxMs: sorted.at(-1) ?? 0,
  };
}

function stageOf(durationsMs: readonly number[]): { p50Ms: number; p95Ms: number } {
  const { p50Ms, p95Ms } = summarizeAges(durationsMs);
  return { p50Ms, p95Ms };
}

/** The chunk id from a message body's envelope head (`{"v":1,"stream":..,"chunk_id":"..",`), without parsing the body. */
export function chunkIdOfBody(body: string): string | undefined {
  return /"chunk_id":"([A-Za-z0-9_.-]{1,120})"/.exec(body.slice(0, 200))?.[1];
}

export class FreshnessTracker {
  /** Chunks seen landed, by id: when the producer sent them, and when they landed. Only the first delivery counts. */
  private readonly sentAt = new Map<string, number>();
  private readonly landedAt = new Map<string, number>();
  private readonly loadedAt = new Map<string, number>();
  private readonly stageMs: Record<FreshnessStage, number[]> = { consume: [], load: [], refresh: [] };
  private landed: string[] = [];
  private loading: string[] = [];
  private loaded: string[] = [];
  private refreshing: string[] = [];
  private readonly ages: number[] = [];
  private cached: FreshnessSummary | undefined = NO_FRESHNESS;

  /** A consumer finished a message: its chunk's files are in S3. */
  landedChunk(chunkId: string, sentAtMs: number, nowMs: number): void {
    if (this.sentAt.has(chunkId)) return;
    this.sentAt.set(chunkId, sentAtMs);
    this.landedAt.set(chunkId, nowMs);
    this.landed.push(chunkId);
  }

  /** A load pass starts: it lists the bucket, so it takes every chunk landed before now. */
  loadStarted(): void {
    // concat, not push(...): a spread of a few hundred thousand ids (one event per message) overflows the stack.
    this.loading = this.loading.concat(this.landed);
    this.landed = [];
  }

  loadFinished(nowMs: number): void {
    for (const id of this.loading) this.loadedAt.set(id, nowMs);
    this.loaded = this.loaded.concat(this.loading);
    this.loading = [];
  }

  refreshStarted(): void {
    this.refreshing = this.refreshing.concat(this.loaded);
    this.loaded = [];
  }

  /** The views now show every chunk loaded before the refresh started. */
  refreshFinished(nowMs: number): void {
    for (const id of this.refreshing) {
      const sent = this.sentAt.get(id)!;
      const landed = this.landedAt.get(id)!;
      const loaded = this.loadedAt.get(id)!;
      this.ages.push(Math.max(0, nowMs - sent));
      this.stageMs.consume.push(Math.max(0, landed - sent));
      this.stageMs.load.push(loaded - landed);
      this.stageMs.refresh.push(nowMs - loaded);
      this.landedAt.delete(id);
      this.loadedAt.delete(id);
    }
    if (this.refreshing.length > 0) this.cached = undefined;
    this.refreshing = [];
  }

  /** Chunks landed but not yet visible. */
  get pending(): number {
    return this.landed.length + this.loading.length + this.loaded.length + this.refreshing.length;
  }

  /** Cached between refreshes: the twin reports progress every 100 ms. */
  summary(): FreshnessSummary {
    return (this.cached ??= {
      ...summarizeAges(this.ages),
      stages: {
        consume: stageOf(this.stageMs.consume),
        load: stageOf(this.stageMs.load),
        refresh: stageOf(this.stageMs.refresh),
      },
    });
  }
}

// The twin's stand-in for Redshift auto-copy while a run goes on: it loads landing files
// as they land (woken after each consumer invocation, as auto-copy reacts to S3 events,
// and every LIVE_LOAD_INTERVAL_MS in between), so loading overlaps the stream instead of
// following it. The warehouse works in its own thread (the PGlite worker) or server. With
// a live dashboard the views refresh every `refreshEveryMs` too. It keeps the run's load
// counts and the freshness stages of each pass.
import { perStream, streamNames } from '../kernel/contracts';
import type { DashboardData, LoadCounts, TwinLoadOptions, TwinWarehouse } from './warehouse';
import type { FreshnessTracker } from './freshness';

/** How often the loader looks for new landing files during the stream, besides after each consumer invocation. */
const LIVE_LOAD_INTERVAL_MS = 100;

export interface LiveLoaderOptions {
  warehouse: TwinWarehouse;
  load: TwinLoadOptions;
  freshness: FreshnessTracker;
  /** Refresh the views (and call onRefresh) at most this often while the stream goes on. */
  refreshEveryMs?: number;
  onRefresh?: (data: DashboardData) => void | Promise<void>;
  /** Called after each pass with the run's counts so far. */
  onLoaded?: (counts: LoadCounts) => void;
}

export class LiveLoader {
  /** What every pass of this run loaded, summed (skipped: the last pass's). */
  readonly counts: LoadCounts = { files: 0, skipped: 0, rows: perStream(() => 0), crashes: 0, failures: [] };
  private running = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: LiveLoaderOptions) {}

  /** Files have landed: look now rather than at the next interval. */
  wake(): void {
    this.wakeUp?.();
  }

  /**
   * Start loading while the stream goes on. The promise rejects as soon as a pass fails (a
   * dropped connection, say), so the stream can end at once, not after it; it never resolves.
   */
  start(): Promise<never> {
    this.running = true;
    let fail: (error: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    failed.catch(() => undefined); // raced by the stream; a failure there is reported once
    this.loop = this.run().catch((error: unknown) => {
      this.running = false;
      fail(error);
    });
    return failed;
  }

  /** Stop after the pass under way, if any. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** One pass: every landing file not loaded yet. */
  async load(): Promise<void> {
    const { warehouse, freshness } = this.options;
    freshness.loadStarted();
    this.add(await warehouse.load(this.options.load));
    freshness.loadFinished(Date.now());
  }

  /** Refresh the views, so they show what is loaded. */
  async refresh(): Promise<void> {
    const { warehouse, freshness } = this.options;
    freshness.refreshStarted();
    await warehouse.refresh();
    freshness.refreshFinished(Date.now());
  }

  private async run(): Promise<void> {
    const { refreshEveryMs, onRefresh, warehouse } = this.options;
    let lastRefresh = performance.now();
    while (this.running) {
      await this.nextLook();
      if (!this.running) break;
      await this.load();
      if (refreshEveryMs && performance.now() - lastRefresh >= refreshEveryMs) {
        lastRefresh = performance.now();
        await this.refresh();
        if (onRefresh) await onRefresh(await warehouse.dashboard());
      }
    }
  }

  private nextLook(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, LIVE_LOAD_INTERVAL_MS);
      this.wakeUp = () => (clearTimeout(timer), resolve());
    }).finally(() => (this.wakeUp = undefined));
  }

  private add(c: LoadCounts): void {
    const counts = this.counts;
    counts.files += c.files;
    for (const stream of streamNames) counts.rows[stream] += c.rows[stream];
    counts.crashes += c.crashes;
    counts.failures.push(...c.failures);
    counts.skipped = c.skipped;
    this.options.onLoaded?.(counts);
  }
}

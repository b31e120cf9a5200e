// The twin's options, progress and report: the shapes that the orchestrator (twin.ts), its
// runtime (twinRuntime.ts), the signal handling and the command line share. Their own module,
// so those import them without importing one another.
import type { Catalog } from '../kernel/catalog';
import type { StreamName } from '../kernel/contracts';
import type { Compression } from '../kernel/packing';
import type { ProducerSettingValues } from '../kernel/producerSettings';
import type { Books } from './books';
import type { ChaosCounts, ChaosOptions } from './chaos';
import type { ConsumerCore } from './consumerPool';
import type { EventSourceStats } from './eventSource';
import type { FreshnessSummary } from './freshness';
import type { TwinUsage } from './usage';
import type { DashboardData, WarehouseBooks } from './warehouse';

/** The producer's settings (kernel/producerSettings.ts) are options too; unset ones take TWIN_PRODUCER_DEFAULTS (twin.ts). */
export interface TwinOptions extends Partial<ProducerSettingValues> {
  /** Scheduled producer runs (windows). Default 24: 06:00 to 12:00 in 15-minute windows. */
  runs?: number;
  /** Length of each window, minutes. Default 15. */
  windowMinutes?: number;
  /**
   * First window start, ISO-8601. Default: right after the last data in the warehouse, or the sale
   * calendar's morning (kernel/calendar.ts saleMorning: Black Friday 06:00 UTC of the latest sale begun by `now`).
   */
  start?: string;
  /** The clock the default start reads (the sale calendar); default the machine's. */
  now?: Date;
  /** Exact sale lines per run; without it each window follows the demand curve. */
  eventsPerRun?: number;
  /** Sale lines per minute at the top of the curve. Default 400 (about 260k events over the default morning). */
  peakLinesPerMinute?: number;
  seed?: number;
  /** Events per SQS message, or 'fill' (default) to pack each message up to maxMessageBytes. */
  eventsPerMessage?: number | 'fill';
  /** The queues' MaximumMessageSize. Default 1 MiB. */
  maxMessageBytes?: number;
  compression?: Compression;
  /** Records per consumer invocation (the event source mapping's BatchSize). Default 10. */
  batchSize?: number;
  /**
   * The consumer core the function workers run from source: consumeBatch (a CSV per message and
   * hour) unless given; bench/twin.ts gives the original design's. Source only.
   */
  consumerCore?: ConsumerCore;
  /**
   * The consumers' timeout, whole seconds (the stack's consumerTimeoutSeconds): an invocation
   * still running then fails, as in Lambda, and its batch comes back after the visibility timeout.
   * Default: what the shipped archives declare, or from source the stack's default, 60.
   */
  consumerTimeoutSeconds?: number;
  /** Concurrent consumer invocations per stream: its pollers, and its worker threads. Default: defaultConcurrency(). */
  consumerConcurrency?: number;
  /** Run consumer invocations in worker threads (default) or in this thread. */
  consumerWorkers?: boolean;
  /** Producer windows in flight at once (the twin compresses time). Default: defaultConcurrency(). */
  producerConcurrency?: number;
  /** Receives before SQS moves a message to its DLQ. Default 3. */
  maxReceiveCount?: number;
  /**
   * Queue visibility timeout, whole seconds. Default 30, or 2 with chaos so failed messages come
   * back within the run; keep it above the longest consumer invocation (AWS: 6 x the function timeout).
   */
  visibilityTimeoutSeconds?: number;
  /** PGlite data directory. Default `.twin/pgdata`; ignored with databaseUrl. */
  dataDir?: string;
  /** Start from an empty warehouse: a new PGlite cluster in the (marked) data directory, or, on a server, drop the twin's schemas. */
  fresh?: boolean;
  /** Delete the rows of windows that do not match the load log, so this run makes them again. */
  repair?: boolean;
  /**
   * Load again, once each, the landing files whose every load failed: their windows are made
   * again with the settings they were made with (the same files), and only those files load.
   * Runs no new windows.
   */
  reloadFailed?: boolean;
  /** Exactly these window starts, instead of runs from start (how a run finishes windows an earlier run left). */
  windows?: readonly string[];
  /** Called with a line for the user: windows resumed, a run that moves into a new day. */
  onNotice?: (line: string) => void;
  /** Aborted (reason: the signal) to stop at the next safe point: the run then throws RunInterrupted (local/signals.ts). */
  stop?: AbortSignal;
  /** Postgres URL instead of PGlite (DATABASE_URL). */
  databaseUrl?: string;
  /** SQS and S3 endpoint instead of embedded fauxqs (AWS_ENDPOINT_URL). */
  endpointUrl?: string;
  /** Name prefix of queues and bucket. Default `twin`. */
  prefix?: string;
  chaos?: ChaosOptions;
  catalog?: Catalog;
  /** Refresh the views and call onWarehouseRefresh every this many ms while the run goes on (a live dashboard). Files load continuously anyway. */
  loadEveryMs?: number;
  /** Called after each warehouse refresh with fresh dashboard data. */
  onWarehouseRefresh?: (data: DashboardData) => void | Promise<void>;
  /** Called often with the run's progress. */
  onProgress?: (progress: TwinProgress) => void;
  /** Skip the books (the bench can time the pipeline alone). Default false. */
  skipBooks?: boolean;
  /**
   * 'archives': the function workers run the dev stack's shipped Lambda archives (built from the
   * program, cached under .twin/archives; `npm start`'s default). 'source' (default here): the source modules.
   */
  functions?: 'archives' | 'source';
  /**
   * Start producer run i no earlier than i x this many ms after the stream starts, as the
   * schedule does (time still compressed: 300 here can stand for a 5-minute rate). Default 0: back to back.
   */
  scheduleEveryMs?: number;
}

export interface TwinProgress {
  phase: 'setup' | 'stream' | 'load' | 'books' | 'done';
  runsDone: number;
  runs: number;
  /** Events the producer has sent (both streams). */
  produced: number;
  /** Events in messages the consumers have finished (deleted). */
  consumed: number;
  /** Rows the loader has inserted. */
  loaded: number;
  /** Events of the whole run: exact for windows produced, estimated from the demand curve for the rest. */
  expected: number;
  /** Data age so far: producer send to rows visible in the views, per chunk. */
  freshness?: FreshnessSummary;
  /**
   * On a pass that finishes windows an earlier run left (after a kill), their starts: `loaded` then
   * counts only the rows that were missing, since the rest were loaded before.
   */
  finishing?: readonly string[];
}

export interface TwinTimings {
  setupMs: number;
  /** From the first producer call until every consumer queue is drained. */
  streamMs: number;
  produceMs: number;
  /** Loading left after the stream ends (files also load while it runs). */
  loadMs: number;
  refreshMs: number;
  queriesMs: number;
  booksMs: number;
  /** Producer start to views refreshed: what `twin.events_per_s` divides by. */
  pipelineMs: number;
  totalMs: number;
}

export interface TwinReport {
  settings: Pick<
    ResolvedSettings,
    'runs' | 'windowMinutes' | 'seed' | 'eventsPerMessage' | 'maxMessageBytes' | 'compression' | 'batchSize'
  > & {
    /** What one landing file holds: `message` (a CSV per message and hour) unless another consumer core ran. */
    filePer: string;
    /** The consumers' timeout the run used (consumerTimeoutSeconds). */
    consumerTimeoutSeconds: number;
    start: string;
    end: string;
    endpoint: string;
    warehouse: string;
    chaos?: ChaosOptions;
    /** What the function workers ran: the shipped archives or the source modules. */
    functions: 'archives' | 'source';
    /** The archives' build directory, whether it was cached, and the time to find or build it. */
    archives?: { dir: string; cached: boolean; ms: number };
  };
  events: Record<StreamName, number>;
  /** All events of both streams. */
  totalEvents: number;
  messages: Record<StreamName, number>;
  messageBytes: Record<StreamName, number>;
  lostSales: number;
  baskets: number;
  /** Landing files written (distinct keys) and the loader's view of them. */
  files: { written: number; loaded: number; skipped: number };
  /** Loader restarts after a crash, and files it refused (recorded as failed in the load log). */
  loader: { crashes: number; failures: { key: string; error: string }[] };
  rowsLoaded: Record<StreamName, number>;
  /** Events rejected by the consumers (lines in rejected/). */
  rejects: number;
  dlqDepth: Record<StreamName, number>;
  consumers: Record<StreamName, EventSourceStats>;
  chaos?: ChaosCounts;
  books?: Books;
  /** The whole warehouse, every window ever produced: ledger, load log and tables agree. */
  warehouseBooks?: WarehouseBooks;
  /** Windows an earlier run left unfinished, finished by a pass before this run, and whether that pass balanced. */
  resumed?: { windows: string[]; balanced: boolean };
  /** Things the user should know about this run (a new day, windows resumed). */
  notes: string[];
  dashboard?: DashboardData;
  usage: TwinUsage;
  timings: TwinTimings;
  /** Events per second from producer start to views refreshed. */
  eventsPerSecond: number;
  /** Per chunk, from the producer's send to the end of the first view refresh that showed its rows. */
  freshness: FreshnessSummary;
}

export interface ResolvedSettings extends ProducerSettingValues {
  runs: number;
  batchSize: number;
  consumerCore: ConsumerCore;
  /** Undefined: what the shipped archives declare, or the stack's default from source (twinRuntime.ts). */
  consumerTimeoutSeconds?: number;
  consumerConcurrency: number;
  consumerWorkers: boolean;
  producerConcurrency: number;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  prefix: string;
  functions: 'archives' | 'source';
}

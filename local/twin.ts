// The local twin: the whole pipeline in one process. The same producer and consumer
// handlers as in Lambda, real SQS and S3 over HTTP (fauxqs, or AWS_ENDPOINT_URL), the
// Lambda SQS event source emulated, and the same warehouse migrations, loader and
// views on PGlite (or DATABASE_URL). A run ends with the books: every event produced
// is loaded exactly once, rejected with its reason, or (if unreadable) in a DLQ.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { availableParallelism } from 'node:os';
import { saleMorning, THANKSGIVING_TO_CYBER_MONDAY } from '../kernel/calendar';
import { perStream, streamNames, streamTotal, type StreamName } from '../kernel/contracts';
import { expectedSaleLines } from '../kernel/generator';
import type { Compression } from '../kernel/packing';
import { Problems } from '../kernel/problems';
import {
  checkSetting,
  producerDefaults,
  producerSettingNames,
  producerSettingValuesOf,
  type ProducerSettingValues,
} from '../kernel/producerSettings';
import { isoSecond } from '../kernel/time';
import {
  LAMBDA_MAX_TIMEOUT_SECONDS,
  SQS_MAPPING_MAX_BATCH_SIZE,
  SQS_MAX_MESSAGE_BYTES,
  SQS_MAX_RECEIVE_COUNT,
  SQS_MAX_VISIBILITY_TIMEOUT_SECONDS,
} from '../kernel/awsLimits';
import type { ProducerResult } from '../functions/producer';
import { reconcile, type Books } from './books';
import { isShippedConsumer, SHIPPED_CONSUMER } from './consumerPool';
import type { StreamQueues } from './endpoint';
import { queueDepth, type EventSourceStats } from './eventSource';
import { runRangeProblem } from './runBounds';
import { interruptedLine, RunInterrupted } from './signals';
import { RunWarehouse, TwinRuntime } from './twinRuntime';
import type { TwinUsage } from './usage';
import type { DashboardData, FailedFile, HeldWindow, WarehouseBooks, WindowRecord } from './warehouse';
import { windowTag } from '../kernel/chunks';
import type { ResolvedSettings, TwinOptions, TwinReport, TwinTimings } from './twinTypes';

export type { ResolvedSettings, TwinOptions, TwinProgress, TwinReport, TwinTimings } from './twinTypes';

/** A sale morning: the stacks' default calendar (US Thanksgiving to Cyber Monday) read at `now`. */
export function saleMorningAt(now: Date): string {
  return saleMorning({ sale: THANKSGIVING_TO_CYBER_MONDAY }, now);
}

/**
 * Worker threads per function unless told otherwise: half the cores, 1 to 4. The emulator
 * and the warehouse need the other half, and on two cores every extra isolate costs more
 * in compiling and collecting than it adds.
 */
export function defaultConcurrency(cores = availableParallelism()): number {
  return Math.min(4, Math.max(1, Math.floor(cores / 2)));
}

const isWhole = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/**
 * The producer's settings the twin runs with unless told otherwise: the stacks' defaults, but a
 * demo-sized peak (a morning of about 260k events) and the largest message SQS takes.
 */
export const TWIN_PRODUCER_DEFAULTS: ProducerSettingValues = {
  ...producerDefaults(),
  peakLinesPerMinute: 400,
  maxMessageBytes: SQS_MAX_MESSAGE_BYTES,
};

/** Defaults applied and every problem listed, so a bad option fails before anything starts. */
export function resolveTwinSettings(options: TwinOptions): ResolvedSettings {
  const s: ResolvedSettings = {
    runs: options.runs ?? 24,
    ...producerSettingValuesOf(options, TWIN_PRODUCER_DEFAULTS),
    batchSize: options.batchSize ?? 10,
    consumerCore: options.consumerCore ?? SHIPPED_CONSUMER,
    consumerTimeoutSeconds: options.consumerTimeoutSeconds,
    consumerConcurrency: options.consumerConcurrency ?? defaultConcurrency(),
    consumerWorkers: options.consumerWorkers ?? true,
    producerConcurrency: options.producerConcurrency ?? defaultConcurrency(),
    maxReceiveCount: options.maxReceiveCount ?? 3,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? (options.chaos ? 2 : 30),
    prefix: options.prefix ?? 'twin',
    functions: options.functions ?? 'source',
  };
  const problems = new Problems();
  checkShape(s, options, problems);
  checkPipeline(s, options, problems);
  checkFunctions(s, options, problems);
  problems.throwIfAny('invalid twin options');
  return s;
}

/** The run's size and its events: the producer's settings within their bounds (kernel/producerSettings.ts). */
function checkShape(s: ResolvedSettings, options: TwinOptions, problems: Problems): void {
  problems.whole('runs', s.runs, 1, 10000);
  for (const name of producerSettingNames) checkSetting(problems, name, s[name]);
  problems.check(
    options.eventsPerRun === undefined || isWhole(options.eventsPerRun, 0, 5_000_000),
    () => `eventsPerRun must be a whole number 0..5000000, got ${options.eventsPerRun}`,
  );
}

/** Messages, queues, event sources and the schedule, within what AWS accepts. */
function checkPipeline(s: ResolvedSettings, options: TwinOptions, problems: Problems): void {
  problems
    .whole('batchSize', s.batchSize, 1, SQS_MAPPING_MAX_BATCH_SIZE)
    .check(
      s.consumerTimeoutSeconds === undefined || isWhole(s.consumerTimeoutSeconds, 1, LAMBDA_MAX_TIMEOUT_SECONDS),
      () =>
        `consumerTimeoutSeconds must be a whole number 1..${LAMBDA_MAX_TIMEOUT_SECONDS}, got ${s.consumerTimeoutSeconds}`,
    )
    .whole('consumerConcurrency', s.consumerConcurrency, 1, 16)
    .whole('producerConcurrency', s.producerConcurrency, 1, 64)
    .whole('maxReceiveCount', s.maxReceiveCount, 1, SQS_MAX_RECEIVE_COUNT)
    .whole('visibilityTimeoutSeconds', s.visibilityTimeoutSeconds, 0, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS)
    .check(
      /^[a-z0-9][a-z0-9-]{0,40}$/.test(s.prefix),
      () => `prefix must be lowercase letters, digits and dashes (1..41), got ${JSON.stringify(s.prefix)}`,
    )
    .check(
      options.start === undefined || !Number.isNaN(Date.parse(options.start)),
      () => `start must be an ISO-8601 timestamp, got ${JSON.stringify(options.start)}`,
    )
    .check(
      options.loadEveryMs === undefined || isWhole(options.loadEveryMs, 100),
      () => `loadEveryMs must be a whole number >= 100, got ${options.loadEveryMs}`,
    );
  const outOfRange = options.start === undefined ? undefined : runRangeProblem(options.start, s.runs * s.windowMinutes);
  if (outOfRange) problems.add(outOfRange);
}

/** What the functions run, and what only the source modules can do. */
function checkFunctions(s: ResolvedSettings, options: TwinOptions, problems: Problems): void {
  if (s.functions === 'archives') {
    // The shipped functions take what the stack gives them: the dev catalog, the shipped consumer, their own execution environments.
    problems
      .check(!options.catalog, 'a custom catalog runs only from source (the archives carry the dev stack catalog)')
      .check(
        isShippedConsumer(s.consumerCore),
        () =>
          `consumer core ${s.consumerCore.entry} runs only from source (the shipped consumer writes a file per message)`,
      )
      .check(s.consumerWorkers, 'in-process consumers run only from source (the archives run in worker threads)');
  } else problems.check(s.functions === 'source', () => `functions must be archives or source, got ${s.functions}`);
  problems.check(
    options.scheduleEveryMs === undefined || isWhole(options.scheduleEveryMs, 0, 86_400_000),
    () => `scheduleEveryMs must be a whole number 0..86400000, got ${options.scheduleEveryMs}`,
  );
}

/** The first window: after the ledger's last window, else after the warehouse's last event (a second run adds to the first), else the sale morning. */
function firstWindowStart(
  ledger: readonly WindowRecord[],
  lastEvent: string | null,
  windowMinutes: number,
  now: Date,
): string {
  const lastEnd = Math.max(
    ...ledger.map((w) => Date.parse(w.start) + w.minutes * 60_000),
    lastEvent ? Date.parse(lastEvent) + 1000 : 0,
  );
  if (lastEnd <= 0) return saleMorningAt(now);
  const length = windowMinutes * 60_000;
  return isoSecond(Math.ceil(lastEnd / length) * length);
}

/** A run refused before any data moved (an overlapping --start, say): exit 2. */
export class TwinRefused extends Error {
  override name = 'TwinRefused';
}

/**
 * The settings that decide a window's events and landing file names; a resume must repeat them.
 * Kept in the ledger as JSON in this key order (earlier ledgers compare equal).
 */
interface Generation {
  windowMinutes: number;
  seed: number;
  eventsPerRun?: number;
  peakLinesPerMinute: number;
  eventsPerMessage: number | 'fill';
  maxMessageBytes: number;
  compression: Compression;
  /** Absent at the default, so ledgers from before the twin took it compare equal. */
  lostSalesRate?: number;
  /** The consumer core's: what one landing file holds. */
  filePer: string;
}

function generationOf(s: ResolvedSettings, eventsPerRun: number | undefined): string {
  const g: Generation = {
    windowMinutes: s.windowMinutes,
    seed: s.seed,
    eventsPerRun,
    peakLinesPerMinute: s.peakLinesPerMinute,
    eventsPerMessage: s.eventsPerMessage,
    maxMessageBytes: s.maxMessageBytes,
    compression: s.compression,
    lostSalesRate: s.lostSalesRate === TWIN_PRODUCER_DEFAULTS.lostSalesRate ? undefined : s.lostSalesRate,
    filePer: s.consumerCore.filePer,
  };
  return JSON.stringify(g);
}

const hhmm = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/**
 * --reload-failed: the windows whose files failed to load (made again, the same files, so the
 * loader can load those by name) and any window left unfinished. Refused when there are none.
 */
function windowsToReload(
  ledger: readonly WindowRecord[],
  failed: readonly FailedFile[],
  options: TwinOptions,
): WindowRecord[] {
  const tags = new Set(failed.map((f) => f.tag));
  const windows = ledger.filter((w) => w.status !== 'loaded' || tags.has(windowTag(w.start, w.seed)));
  const listed = new Set(ledger.map((w) => windowTag(w.start, w.seed)));
  const orphans = failed.filter((f) => !f.tag || !listed.has(f.tag)).map((f) => f.key);
  const orphanNote = orphans.length
    ? `${orphans.length} failed file(s) belong to no window in the ledger, so no run can make them again: ${orphans.slice(0, 3).join(', ')}${orphans.length > 3 ? ', ...' : ''}`
    : '';
  if (!windows.length)
    throw new TwinRefused(
      `--reload-failed: nothing to reload: ${orphanNote || 'no landing file in the load log failed without a later load, and no window is unfinished'}.`,
    );
  if (orphanNote) options.onNotice?.(`${orphanNote}.`);
  options.onNotice?.(
    `Reloading ${failed.length} failed file(s) by name, once each, by making their ${windows.length} window(s) again: ${windows.map((w) => hhmm(w.start)).join(', ')} UTC.`,
  );
  return windows;
}

/** Windows an earlier run started but did not finish: the run stops and runTwin finishes them first. */
class ResumeFirst extends Error {
  constructor(readonly windows: WindowRecord[]) {
    super(`${windows.length} window(s) to finish first`);
  }
}

/**
 * The run's windows: exactly those asked for, or `runs` from the start. A window may repeat one
 * already in the ledger with the same settings (a replay: its files are loaded once anyway), but
 * never overlap another, or the same minutes would hold two sets of events.
 */
function planWindows(
  s: ResolvedSettings,
  options: TwinOptions,
  ledger: readonly WindowRecord[],
  held: readonly HeldWindow[],
  generation: string,
): string[] {
  const windowMs = s.windowMinutes * 60_000;
  if (options.windows) return [...options.windows];
  const lastEvent = held.reduce<string | null>(
    (last, h) => (last === null || h.lastEvent > last ? h.lastEvent : last),
    null,
  );
  const start = options.start
    ? isoSecond(Date.parse(options.start))
    : firstWindowStart(ledger, lastEvent, s.windowMinutes, options.now ?? new Date());
  const outOfRange = runRangeProblem(start, s.runs * s.windowMinutes);
  if (outOfRange) throw new TwinRefused(`this run's windows would leave the contract's range: ${outOfRange}.`);
  const planned = Array.from({ length: s.runs }, (_, i) => isoSecond(Date.parse(start) + i * windowMs));
  refuseUnlisted(planned, windowMs, ledger, held);
  const clashes: string[] = [];
  for (const p of planned) {
    const ps = Date.parse(p);
    for (const w of ledger) {
      const ws = Date.parse(w.start);
      if (ps < ws + w.minutes * 60_000 && ws < ps + windowMs && !(ws === ps && w.generation === generation)) {
        clashes.push(
          `${hhmm(p)}+${s.windowMinutes}m overlaps ${hhmm(w.start)}+${w.minutes}m (seed ${w.seed}${ws === ps && w.minutes === s.windowMinutes ? ', other settings' : ''})`,
        );
        break;
      }
    }
  }
  if (clashes.length) {
    const next = firstWindowStart(ledger, null, s.windowMinutes, options.now ?? new Date());
    throw new TwinRefused(
      `--start ${options.start}: ${clashes.length} window(s) overlap windows already in the warehouse, and their minutes would hold two sets of events: ${clashes.slice(0, 3).join('; ')}${clashes.length > 3 ? '; ...' : ''}. ` +
        `Replay a window only with the same start, length and settings; or start after the last one (--start ${next}), or drop --start; or start over with --fresh.`,
    );
  }
  return planned;
}

/**
 * Windows the tables hold but the ledger does not list (their ledger rows were lost): what they
 * produced is unknown, so a window over their minutes could only add a second set of events.
 */
function refuseUnlisted(
  planned: readonly string[],
  windowMs: number,
  ledger: readonly WindowRecord[],
  held: readonly HeldWindow[],
): void {
  const listed = new Set(ledger.map((w) => windowTag(w.start, w.seed)));
  const unlisted = held.filter((h) => !listed.has(h.tag));
  const hits = unlisted.filter((h) =>
    planned.some((p) => {
      const from = Date.parse(h.start ?? h.firstEvent);
      return Date.parse(p) <= Date.parse(h.lastEvent) && from < Date.parse(p) + windowMs;
    }),
  );
  if (hits.length)
    throw new TwinRefused(
      `--start: the run's windows overlap ${hits.length} window(s) the tables hold but the ledger does not list (${hits
        .slice(0, 3)
        .map((h) => `${hhmm(h.start ?? h.firstEvent)} to ${hhmm(h.lastEvent)}, ids tagged ${h.tag}`)
        .join('; ')}${hits.length > 3 ? '; ...' : ''}), so their minutes would hold two sets of events. ` +
        'Run with --repair first to delete those rows, or start over with --fresh.',
    );
}

/**
 * Run the twin. A window an earlier run left unfinished (killed, crashed) is finished
 * first, by a pass with the settings it was started with: the same files come out and
 * the loader, which loads each name once, adds exactly what is missing.
 */
export async function runTwin(options: TwinOptions = {}): Promise<TwinReport> {
  const warehouse = new RunWarehouse();
  try {
    return await runPipeline(options, warehouse);
  } catch (error) {
    if (!(error instanceof ResumeFirst)) throw error;
    return await resumeThenRun(options, error.windows, warehouse);
  } finally {
    await warehouse.close();
  }
}

/** Finish the unfinished windows, one pass per generation, then run as asked (unless a pass did not balance). */
async function resumeThenRun(
  options: TwinOptions,
  unfinished: readonly WindowRecord[],
  warehouse: RunWarehouse,
): Promise<TwinReport> {
  const groups = new Map<string, string[]>();
  for (const w of unfinished) groups.set(w.generation, [...(groups.get(w.generation) ?? []), w.start]);
  const finished: string[] = [];
  let last: TwinReport | undefined;
  for (const [generation, windows] of groups) {
    options.onNotice?.(
      `Finishing ${windows.length} window(s) an earlier run started but did not load: ${windows.map(hhmm).join(', ')} UTC.`,
    );
    const pass = await runPipeline(resumePass(options, generation, windows), warehouse);
    finished.push(...windows);
    last = pass;
    if (pass.books && !pass.books.balanced) {
      // Stop there: the warehouse needs a look before more data goes in.
      return {
        ...pass,
        resumed: { windows: finished, balanced: false },
        notes: [
          ...pass.notes,
          'Finishing the earlier windows did not balance; this run stopped before its own windows.',
        ],
      };
    }
  }
  const list = `${finished.length} window(s)`;
  const at = `${finished.map(hhmm).join(', ')} UTC`;
  const said = (report: TwinReport, note: string): TwinReport => ({
    ...report,
    resumed: { windows: finished, balanced: true },
    notes: [note, ...report.notes],
  });
  // --reload-failed runs no new windows: the passes were the whole run.
  if (options.reloadFailed && last) return said(last, `Made ${list} again to reload their failed files: ${at}.`);
  const report = await runPipeline({ ...options, fresh: false, repair: false }, warehouse);
  return said(report, `Finished ${list} an earlier run left unloaded first: ${at}.`);
}

/** The options that make the same files for these windows again: their generation's settings, the same consumer core. */
function resumePass(options: TwinOptions, generation: string, windows: string[]): TwinOptions {
  const { filePer, ...g } = JSON.parse(generation) as Generation;
  const core = options.consumerCore ?? SHIPPED_CONSUMER;
  if (filePer !== core.filePer)
    throw new TwinRefused(
      `${windows.length} window(s) an earlier run left unloaded (${windows.map(hhmm).join(', ')} UTC) were made by a consumer that writes a file per ${filePer}; ` +
        `this run's writes a file per ${core.filePer}, so it cannot finish them. Start over with --fresh, or give another --data-dir.`,
    );
  return {
    ...options,
    ...g,
    eventsPerRun: g.eventsPerRun ?? undefined,
    lostSalesRate: g.lostSalesRate ?? TWIN_PRODUCER_DEFAULTS.lostSalesRate,
    windows,
    runs: windows.length,
    start: undefined,
    fresh: false,
    repair: false,
  };
}

/** What the run will do, decided once the warehouse's ledger is read. */
interface RunPlan {
  windows: string[];
  /** The windows this pass has put in the ledger so far (a stop reports them). */
  started: string[];
  generation: string;
  start: string;
  end: string;
  notes: string[];
}

/** What the stream phase hands on. */
interface Streamed {
  results: ProducerResult[];
  consumers: Record<StreamName, EventSourceStats>;
  started: number;
  streamMs: number;
  produceMs: number;
}

/** The settle phase's times and what the views showed (and the setup's time, for the report). */
interface Settled {
  setupMs: number;
  loadMs: number;
  refreshMs: number;
  queriesMs: number;
  /** Producer start to views refreshed. */
  pipelineMs: number;
  dashboard: DashboardData;
}

/** One pass over `windows` (or `runs` new ones): set up, stream, settle, account, tear down. */
async function runPipeline(options: TwinOptions, warehouse: RunWarehouse): Promise<TwinReport> {
  const runtime = await TwinRuntime.open(resolveTwinSettings(options), options, warehouse);
  try {
    // Planned before the functions start: a refused run (or one that must finish earlier windows first) starts none.
    const plan = await planRun(runtime);
    await runtime.startFunctions();
    const setupMs = performance.now() - runtime.started;
    stopIfAsked(runtime, plan);
    const streamed = await streamWindows(runtime, plan);
    // The safe point: no window in flight, the loader idle; what is loaded is committed, the rest the next run finishes.
    stopIfAsked(runtime, plan);
    const settled = await settle(runtime, streamed.started);
    return await account(runtime, plan, streamed, { ...settled, setupMs });
  } finally {
    await runtime.close();
  }
}

/** At a safe point, after a stop was asked for: RunInterrupted, saying what is committed. */
function stopIfAsked(runtime: TwinRuntime, plan: RunPlan): void {
  const { stop } = runtime.options;
  if (!stop?.aborted) return;
  const signal = (stop.reason as NodeJS.Signals | undefined) ?? 'SIGINT';
  throw new RunInterrupted(signal, interruptedLine(signal, runtime.progress.state.loaded, plan.started));
}

/** The windows from the ledger (or ResumeFirst), the notes for the user, and the progress estimate. */
async function planRun(runtime: TwinRuntime): Promise<RunPlan> {
  const { s, options, warehouse } = runtime;
  const ledger = await warehouse.windows();
  if (options.reloadFailed) {
    const failed = await warehouse.failedFiles();
    if (!options.windows) throw new ResumeFirst(windowsToReload(ledger, failed, options));
    warehouse.reloadOnce(failed.map((f) => f.key));
  }
  const unfinished = ledger.filter((w) => w.status !== 'loaded');
  if (unfinished.length && !options.windows) throw new ResumeFirst(unfinished);
  const generation = generationOf(s, options.eventsPerRun);
  const windows = planWindows(s, options, ledger, await warehouse.heldWindows(), generation);
  const windowMs = s.windowMinutes * 60_000;
  const start = windows[0];
  const notes: string[] = [];
  const firstDay = ledger[0]?.start.slice(0, 10) ?? start.slice(0, 10);
  const lastDay = isoSecond(Date.parse(windows[windows.length - 1]) + windowMs - 1000).slice(0, 10);
  if (!options.start && !options.windows && lastDay > firstDay) {
    notes.push(
      `This run carries on after the ${ledger.length} window(s) already in the warehouse, into ${lastDay} (the warehouse began on ${firstDay}). ` +
        'For a clean Black Friday morning, start again with --fresh, or give another --data-dir.',
    );
  }
  for (const n of notes) options.onNotice?.(n);
  runtime.progress.expect(
    windows.map(
      (w) =>
        options.eventsPerRun ??
        expectedSaleLines({
          start: w,
          minutes: s.windowMinutes,
          seed: s.seed,
          peakLinesPerMinute: s.peakLinesPerMinute,
        }),
    ),
  );
  const end = isoSecond(Date.parse(windows[windows.length - 1]) + windowMs);
  return { windows, started: [], generation, start, end, notes };
}

/**
 * The stream phase: the schedule's producer invocations and the event sources run together, and
 * the live loader loads what lands. A loader that fails ends the stream at once, not after it.
 */
async function streamWindows(runtime: TwinRuntime, plan: RunPlan): Promise<Streamed> {
  const { progress, loader, sources } = runtime;
  const started = performance.now();
  const progressTimer = setInterval(() => progress.report(), 100);
  progress.state.phase = 'stream';
  const loaderFailed = loader.start();
  let producerDone = false;
  let produceMs = 0;
  try {
    const stopped = () => runtime.options.stop?.aborted ?? false;
    const drained = Promise.all(streamNames.map((st) => sources[st].drain(() => producerDone, stopped)));
    const producing = produceWindows(runtime, plan, started).finally(() => {
      producerDone = true;
      produceMs = performance.now() - started;
    });
    // Left behind if the race is lost; their errors are the same failure, reported once.
    drained.catch(() => undefined);
    producing.catch(() => undefined);
    const [results, stats] = await Promise.race([Promise.all([producing, drained]), loaderFailed]);
    return {
      results,
      consumers: perStream((st) => stats[streamNames.indexOf(st)]),
      started,
      streamMs: performance.now() - started,
      produceMs,
    };
  } finally {
    await loader.stop();
    clearInterval(progressTimer);
  }
}

/** The scheduled producer invocations, producerConcurrency at a time; results in the order they finish. */
async function produceWindows(runtime: TwinRuntime, plan: RunPlan, started: number): Promise<ProducerResult[]> {
  const { s, options } = runtime;
  const results: ProducerResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < plan.windows.length && !options.stop?.aborted) {
      const index = next++;
      const due = started + index * (options.scheduleEveryMs ?? 0);
      if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
      results.push(await produceWindow(runtime, plan, index));
    }
  };
  await Promise.all(Array.from({ length: Math.min(s.producerConcurrency, plan.windows.length) }, worker));
  return results;
}

/** One producer invocation: in the ledger first, its accepted bodies kept for the books, chaos injected after it. */
async function produceWindow(runtime: TwinRuntime, plan: RunPlan, index: number): Promise<ProducerResult> {
  const { s, options, warehouse, usage, chaos } = runtime;
  const window = plan.windows[index];
  // In the ledger before any event leaves, so a kill from here on leaves a window the next run finishes.
  await warehouse.startWindow({ start: window, minutes: s.windowMinutes, seed: s.seed, generation: plan.generation });
  plan.started.push(window);
  const { result, sent, sqsUsage } = await usage.invoke(`${s.prefix}-producer`, () =>
    runtime.producers.invoke({
      start: window,
      seed: s.seed,
      ...(options.eventsPerRun !== undefined ? { count: options.eventsPerRun } : {}),
    }),
  );
  usage.addSqsUsage(sqsUsage);
  for (const st of streamNames) for (const body of sent[st]) runtime.sent[st].push(body);
  await warehouse.windowProduced(window, result.events);
  runtime.progress.windowProduced(index, result.events);
  if (chaos) {
    for (const stream of streamNames) {
      const produced = { events: result.events[stream], messages: result.messages[stream] };
      await chaos.injectIntoStream(
        runtime.chaosSqs!,
        stream,
        runtime.queues[stream].url,
        result.window,
        produced,
        runtime.catalog,
      );
    }
  }
  return result;
}

/** The settle phase: the last load (the loader stands in for auto-copy), the views refreshed, the dashboard's queries. */
async function settle(runtime: TwinRuntime, streamStarted: number): Promise<Omit<Settled, 'setupMs'>> {
  const { progress, loader, warehouse, options } = runtime;
  progress.enter('load');
  const loadStarted = performance.now();
  await loader.load();
  const loadMs = performance.now() - loadStarted;
  const refreshStarted = performance.now();
  await loader.refresh();
  const refreshMs = performance.now() - refreshStarted;
  const pipelineMs = performance.now() - streamStarted;
  const queriesStarted = performance.now();
  const dashboard = await warehouse.dashboard();
  if (options.onWarehouseRefresh) await options.onWarehouseRefresh(dashboard);
  return { loadMs, refreshMs, queriesMs: performance.now() - queriesStarted, pipelineMs, dashboard };
}

/** What the producer invocations sent, summed over the run. */
function totalsOf(results: readonly ProducerResult[]) {
  const totals = {
    events: perStream(() => 0),
    messages: perStream(() => 0),
    messageBytes: perStream(() => 0),
    lostSales: 0,
    baskets: 0,
  };
  for (const r of results) {
    for (const st of streamNames) {
      totals.events[st] += r.events[st];
      totals.messages[st] += r.messages[st];
      totals.messageBytes[st] += r.bytes[st];
    }
    totals.lostSales += r.lostSales;
    totals.baskets += r.baskets;
  }
  return totals;
}

/**
 * The account: DLQ depths, the books (this run's and the whole warehouse's), the windows marked
 * loaded when every event is in, and the report. setupMs and totalMs are the caller's to fill.
 */
async function account(runtime: TwinRuntime, plan: RunPlan, streamed: Streamed, settled: Settled): Promise<TwinReport> {
  const { options, warehouse, progress, loader, queues } = runtime;
  const depths = await Promise.all(streamNames.map((st) => depthOf(runtime.admin, queues[st].dlqUrl)));
  const dlqDepth = perStream((st) => depths[streamNames.indexOf(st)]);
  progress.enter('books');
  const booksStarted = performance.now();
  const books = options.skipBooks
    ? undefined
    : await reconcile({
        sqs: runtime.admin,
        s3: runtime.loaderS3,
        bucket: runtime.bucket,
        queues,
        warehouse,
        sent: runtime.sent,
        chaos: runtime.chaos,
        window: { start: plan.start, end: plan.end },
        runs: streamed.results.map((r) => r.window),
      });
  // A window is done when the tables hold exactly what it produced (or, without books, when every file loaded).
  // Counts alone could hide a doubled id behind a missing one: the ids' books must show none doubled.
  const noneDoubled = books && streamNames.every((st) => books.streams[st].doubled === 0);
  if (books && noneDoubled) await warehouse.windowsLoaded(await windowsIn(warehouse, plan.windows));
  else if (loader.counts.failures.length === 0) await warehouse.windowsLoaded(plan.windows);
  const warehouseBooks = options.skipBooks ? undefined : await warehouse.books();
  const booksMs = performance.now() - booksStarted;
  const usage = runtime.usage.snapshot();
  progress.enter('done');
  return reportOf(runtime, plan, { streamed, settled, usage, dlqDepth, books, warehouseBooks, booksMs });
}

/** Of these windows, those whose rows in the tables are, stream by stream, what the ledger says they produced. */
async function windowsIn(warehouse: TwinRuntime['warehouse'], starts: readonly string[]): Promise<string[]> {
  const wanted = new Set(starts);
  const held = new Map((await warehouse.heldWindows()).map((h) => [h.tag, h.rows]));
  return (await warehouse.windows())
    .filter((w) => wanted.has(w.start))
    .filter((w) => {
      const rows = held.get(windowTag(w.start, w.seed));
      return rows !== undefined && streamNames.every((st) => w[st] !== null && rows[st] === w[st]);
    })
    .map((w) => w.start);
}

/** What each phase found, for the report. */
interface Findings {
  streamed: Streamed;
  settled: Settled;
  usage: TwinUsage;
  dlqDepth: Record<StreamName, number>;
  books?: Books;
  warehouseBooks?: WarehouseBooks;
  booksMs: number;
}

/** The report, from what each phase found. */
function reportOf(runtime: TwinRuntime, plan: RunPlan, found: Findings): TwinReport {
  const { s, options, endpoint, warehouse, archives, chaos, loader } = runtime;
  const { streamed, settled, usage, books } = found;
  const totals = totalsOf(streamed.results);
  const totalEvents = streamTotal(totals.events);
  const counts = loader.counts;
  return {
    settings: {
      runs: plan.windows.length,
      windowMinutes: s.windowMinutes,
      start: plan.start,
      end: plan.end,
      seed: s.seed,
      eventsPerMessage: s.eventsPerMessage,
      maxMessageBytes: s.maxMessageBytes,
      compression: s.compression,
      batchSize: s.batchSize,
      filePer: s.consumerCore.filePer,
      consumerTimeoutSeconds: runtime.consumerTimeoutSeconds,
      endpoint: endpoint.embedded ? `fauxqs (embedded, ${endpoint.url})` : endpoint.url,
      warehouse: warehouse.describe,
      ...(options.chaos ? { chaos: options.chaos } : {}),
      functions: s.functions,
      ...(archives ? { archives: { dir: archives.dir, cached: archives.cached, ms: archives.ms } } : {}),
    },
    ...totals,
    totalEvents,
    files: {
      written: Object.values(usage.filesPerHour).reduce((a, b) => a + b, 0),
      loaded: counts.files,
      skipped: counts.skipped,
    },
    loader: { crashes: counts.crashes, failures: counts.failures },
    rowsLoaded: counts.rows,
    rejects: books?.rejected.lines ?? 0,
    dlqDepth: found.dlqDepth,
    consumers: streamed.consumers,
    ...(chaos ? { chaos: { ...chaos.counts } } : {}),
    books,
    warehouseBooks: found.warehouseBooks,
    notes: plan.notes,
    dashboard: settled.dashboard,
    usage,
    timings: timingsOf(runtime, streamed, settled, found.booksMs),
    eventsPerSecond: totalEvents / (settled.pipelineMs / 1000),
    freshness: runtime.progress.freshness.summary(),
  };
}

function timingsOf(runtime: TwinRuntime, streamed: Streamed, settled: Settled, booksMs: number): TwinTimings {
  const { setupMs, loadMs, refreshMs, queriesMs, pipelineMs } = settled;
  const { streamMs, produceMs } = streamed;
  const totalMs = performance.now() - runtime.started;
  return { setupMs, streamMs, produceMs, loadMs, refreshMs, queriesMs, booksMs, pipelineMs, totalMs };
}

async function depthOf(sqs: SQSClient, queueUrl: string): Promise<number> {
  const d = await queueDepth(sqs, queueUrl);
  return d.visible + d.inFlight + d.delayed;
}

export type { StreamQueues };

// `npm start`: the local twin from the command line. Flags map onto TwinOptions;
// bad flags get a clear message and exit code 2; unbalanced books exit 1.
import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option, type OptionValues } from 'commander';
import {
  SQS_MAPPING_MAX_BATCH_SIZE,
  SQS_MAX_RECEIVE_COUNT,
  SQS_MAX_VISIBILITY_TIMEOUT_SECONDS,
} from '../kernel/awsLimits';
import { closest, Problems } from '../kernel/problems';
import {
  describeBounds,
  PRODUCER_SETTINGS,
  producerSettingNames,
  settingFromText,
  withinBounds,
  type ProducerSettingName,
  type ProducerSettingValues,
} from '../kernel/producerSettings';
import { defaultChaosRates, faultNames, MAX_CHAOS_RATE, type ChaosRates } from './chaos';
import { serveDashboard, writeDashboard, type DashboardServer, type DashboardStatus } from './dashboard';
import { noSpaceError, NoSpaceLeft, watchDisk } from './diskSpace';
import { npmSwallowedFlags } from './npmFlags';
import { progressLine } from './progressLine';
import { formatSummary, streamTotal } from './summary';
import { dataDirPathProblem, DataDirBusy, DataDirRefused, releaseHeldLocks } from './dataDir';
import { exitCodeOf, RunInterrupted, trapStops, type StopTrap } from './signals';
import {
  defaultConcurrency,
  resolveTwinSettings,
  runTwin,
  TWIN_PRODUCER_DEFAULTS,
  TwinRefused,
  type TwinOptions,
  type TwinProgress,
  type TwinReport,
} from './twin';
import { WarehouseRefused } from './warehouse';

/** A usage error: printed with a hint and exit code 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

interface CliPlan {
  twin: TwinOptions;
  /** Port for --serve (0 = any free port), or undefined. */
  serve?: number;
  dashboardPath: string;
  jsonPath?: string;
  /** Show a progress bar (TTY) or plain progress lines. */
  progress: 'bar' | 'lines' | 'none';
}

function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const v = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(v) || v < min || v > max)
      throw new InvalidArgumentError(`must be a whole number ${min}..${max}.`);
    return v;
  };
}

function rate(value: string): number {
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v) || v < 0 || v > MAX_CHAOS_RATE)
    throw new InvalidArgumentError(`must be a number in [0, ${MAX_CHAOS_RATE}].`);
  return v;
}

/** A producer setting's flag value, within the setting's bounds (kernel/producerSettings.ts); whole numbers in digits. */
function settingArg(name: ProducerSettingName) {
  const { bounds } = PRODUCER_SETTINGS[name];
  return (text: string): unknown => {
    const value = settingFromText(name, text);
    const digitsOnly = bounds.kind === 'whole' || (bounds.kind === 'fillOrWhole' && text !== 'fill');
    if ((digitsOnly && !/^\d+$/.test(text.trim())) || !withinBounds(bounds, value))
      throw new InvalidArgumentError(`must be ${describeBounds(bounds)}.`);
    return value;
  };
}

/** The twin's flag of each producer setting; its doc, bounds and the stacks' default are in kernel/producerSettings.ts. */
export const PRODUCER_FLAGS: Record<ProducerSettingName, string> = {
  windowMinutes: '-w, --window <minutes>',
  peakLinesPerMinute: '--peak <n>',
  seed: '-s, --seed <n>',
  eventsPerMessage: '-p, --packing <n|fill>',
  maxMessageBytes: '--max-message-bytes <n>',
  compression: '--compression <kind>',
  lostSalesRate: '--lost-sales-rate <share>',
};

/** `6h`, `90m`, `1h30m` or plain minutes -> minutes. */
export function parseDuration(value: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m?)?$/.exec(value.trim());
  if (!m || (m[1] === undefined && m[2] === undefined))
    throw new InvalidArgumentError('must be a duration like 6h, 90m or 1h30m.');
  const minutes = Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
  if (minutes < 1 || minutes > 7 * 24 * 60) throw new InvalidArgumentError('must be between 1 minute and 7 days.');
  return minutes;
}

function isoTime(value: string): string {
  if (Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError('must be an ISO-8601 time like 2026-11-27T06:00:00Z.');
  return value;
}

const FAULT_FLAGS: Record<keyof ChaosRates, string> = {
  consumerCrash: '--crash-rate',
  s3PutFailure: '--s3-fail-rate',
  duplicateDelivery: '--duplicate-rate',
  malformedEvents: '--malformed-rate',
  poisonMessages: '--poison-rate',
  loaderCrash: '--loader-crash-rate',
};
const FAULT_HELP: Record<keyof ChaosRates, string> = {
  consumerCrash: 'consumer crashes after its S3 write, per invocation',
  s3PutFailure: 'S3 PutObject 503s, per put',
  duplicateDelivery: 'duplicate SQS deliveries, per message received',
  malformedEvents: 'malformed events, per event produced (default chaos-rate / 10)',
  poisonMessages: 'poison messages, per message produced',
  loaderCrash: 'loader crashes mid-file, per file',
};

/**
 * With a list, a bad value is recorded there (in commander's words) instead of thrown,
 * so one run of the parser names every bad flag, not just the first.
 */
function collecting(invalid: string[] | undefined, invalidFlags?: Set<string>) {
  return <T>(flags: string, parse: (value: string) => T) =>
    (value: string): T => {
      if (!invalid) return parse(value);
      try {
        return parse(value);
      } catch (error) {
        invalid.push(`option '${flags}' argument '${value}' is invalid. ${(error as Error).message}`);
        invalidFlags?.add(longFlag(flags));
        return undefined as T;
      }
    };
}

/** `-r, --runs <n>` -> `--runs <n>`. */
function longUsage(flags: string): string {
  return flags.replace(/^-[a-z], /, '');
}

/** `-r, --runs <n>` -> `--runs`. */
function longFlag(flags: string): string {
  return /--[a-z0-9-]+/.exec(flags)?.[0] ?? flags;
}

/** Adds a flag whose value is parsed (and, when collecting, whose bad value is recorded). */
type AddOption = <T>(flags: string, description: string, parse: (value: string) => T, defaultValue?: T) => void;

/** What to run: the windows, their demand and the start. */
function addWindowOptions(program: Command, option: AddOption, check: ReturnType<typeof collecting>): void {
  option('-r, --runs <n>', 'scheduled producer runs (windows)', wholeNumber(1, 10000));
  option(
    '-d, --duration <time>',
    'simulated duration instead of --runs, e.g. 6h or 90m (a whole number of windows)',
    parseDuration,
  );
  option(
    '-e, --demand <lines>',
    'sale lines demanded per run, exactly: sold plus lost to stockouts, which the summary shows apart (default: follow the demand curve)',
    wholeNumber(0, 5_000_000),
  );
  // The old name of --demand, kept so existing commands still run.
  program.addOption(
    new Option('--events <lines>').hideHelp().argParser(check('--events <lines>', wholeNumber(0, 5_000_000))),
  );
  option(
    '--start <iso>',
    "first window start (default: after the last loaded data, else the sale calendar's Black Friday 06:00 UTC: the latest sale begun, kernel/calendar.ts)",
    isoTime,
  );
}

/** The producer's settings, one flag each, defaulting to the twin's (TWIN_PRODUCER_DEFAULTS). */
function addProducerOptions(program: Command, option: AddOption): void {
  for (const name of producerSettingNames) {
    const { bounds, doc } = PRODUCER_SETTINGS[name];
    const fallback = TWIN_PRODUCER_DEFAULTS[name];
    if (bounds.kind === 'choice')
      program.addOption(new Option(PRODUCER_FLAGS[name], doc).choices(bounds.choices).default(fallback));
    else option(PRODUCER_FLAGS[name], doc, settingArg(name), fallback);
  }
}

/** How the pipeline runs: queues, consumers and the functions' code. */
function addPipelineOptions(program: Command, option: AddOption): void {
  option(
    '-b, --batch-size <n>',
    'consumer batch size (event source BatchSize)',
    wholeNumber(1, SQS_MAPPING_MAX_BATCH_SIZE),
    10,
  );
  option(
    '--concurrency <n>',
    'concurrent consumer invocations per stream, each a worker thread; half the cores (1 to 4) unless given',
    wholeNumber(1, 16),
    defaultConcurrency(),
  );
  program.option('--in-process', 'run consumer invocations in the main thread instead of worker threads', false);
  program.option(
    '--source',
    "run the functions from the source modules (fast edits) instead of the dev stack's shipped Lambda archives; --in-process implies it",
    false,
  );
  option(
    '--max-receive-count <n>',
    'receives before SQS moves a message to its DLQ',
    wholeNumber(1, SQS_MAX_RECEIVE_COUNT),
    3,
  );
  option(
    '--visibility-timeout <seconds>',
    'queue visibility timeout (default 30, or 2 with --chaos)',
    wholeNumber(0, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS),
  );
}

/** Where the warehouse lives and what the run writes and serves. */
function addOutputOptions(program: Command): void {
  program
    .option(
      '--data-dir <dir>',
      'PGlite data directory, made and marked by the twin (a second run adds to the first); any other non-empty directory or file is refused',
      '.twin/pgdata',
    )
    .option(
      '--fresh',
      'start from an empty warehouse: empties the data directory, only if the twin made and marked it',
      false,
    )
    .option(
      '--repair',
      'delete the rows of windows that do not match the load log (reported on open), so this run makes them again',
      false,
    )
    .option(
      '--reload-failed',
      'load again, once each, the landing files whose load failed (their windows are made again); runs no new windows',
      false,
    )
    .option(
      '--serve [port]',
      'serve the dashboard on 127.0.0.1 (refreshing during the run) and keep serving afterwards',
    )
    .option('--dashboard <file>', 'where to write the dashboard page after the run', '.twin/dashboard.html')
    .option('--json <file>', 'also write the full run report as JSON')
    .option('--chaos', 'inject faults, then prove the books still balance', false);
}

function addChaosOptions(option: AddOption): void {
  option('--chaos-rate <rate>', 'rate of every fault (per-fault flags override)', rate);
  option('--chaos-seed <n>', 'seed of the fault injection (default: --seed)', settingArg('seed'));
  for (const fault of faultNames) option(`${FAULT_FLAGS[fault]} <rate>`, FAULT_HELP[fault], rate);
}

const HELP_AFTER = `
Environment:
  AWS_ENDPOINT_URL  SQS and S3 endpoint (http:// or https://) instead of the embedded fauxqs
  DATABASE_URL      postgres://... server instead of PGlite (--data-dir is then ignored)

A run first finishes any window an earlier run started but did not load (after a kill),
then carries on after the last window in the warehouse, unless --start says otherwise.

Examples:
  npm start                                  a Black Friday morning, ~260k events
  npm start -- --duration 2h --demand 20000  8 runs of 20,000 demanded sale lines each (sold + lost)
  npm start -- --chaos --chaos-rate 0.1      every fault at 10%, then the books
  npm start -- --serve 8080 --fresh          live dashboard on http://127.0.0.1:8080/

Exit codes: 0 books balanced, 1 books do not balance or the run failed, 2 bad flags or
environment, or a data directory or warehouse the twin refuses to touch (nothing moved).`;

/** The command and its flags; with `invalid`, bad values and unknown flags are collected instead of thrown. */
function buildProgram(invalid?: string[], invalidFlags?: Set<string>): Command {
  const check = collecting(invalid, invalidFlags);
  const program = new Command('npm start --');
  const option: AddOption = (flags, description, parse, defaultValue) => {
    if (defaultValue === undefined) program.option(flags, description, check(flags, parse));
    else program.option(flags, description, check(flags, parse), defaultValue);
  };
  program.description(
    'Run the Black Friday pipeline end to end on this machine: producer -> SQS -> consumers -> S3 -> loader -> warehouse views,\n' +
      'on embedded fauxqs and PGlite (or AWS_ENDPOINT_URL / DATABASE_URL), then print the books and key metrics.',
  );
  addWindowOptions(program, option, check);
  addProducerOptions(program, option);
  addPipelineOptions(program, option);
  addOutputOptions(program);
  addChaosOptions(option);
  program
    .addOption(
      new Option('--progress <mode>', 'progress display').choices(['auto', 'bar', 'lines', 'none']).default('auto'),
    )
    .addHelpText('after', HELP_AFTER)
    .showHelpAfterError('(run with --help for all flags)')
    .exitOverride();
  // Unknown flags are collected after parsing, so every bad flag is named at once.
  if (invalid) program.allowUnknownOption().allowExcessArguments();
  return program;
}

/** The parsed flags (commander's untyped option values) and which of them had bad values. */
interface ParsedFlags {
  /** Commander's option values, each already checked by its flag's parser. */
  o: OptionValues;
  /** Long flags whose value was bad: already named once, so left out of the checks between flags. */
  invalidFlags: Set<string>;
}

/** Runs commander over argv, collecting bad values; what it cannot parse at all throws. */
function parseFlags(argv: readonly string[], problems: Problems): ParsedFlags & { program: Command } {
  const invalid: string[] = [];
  const invalidFlags = new Set<string>();
  const program = buildProgram(invalid, invalidFlags);
  program.configureOutput({ writeErr: () => undefined, writeOut: (s) => process.stdout.write(s) });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    // A missing value or a bad choice stops commander; still name the bad values seen before it.
    if (error instanceof CommanderError && invalid.length > 0 && error.exitCode !== 0)
      throw new CliUsageError([...invalid, error.message.replace(/^error: /, '')].join('\n'));
    throw error;
  }
  problems.add(...invalid);
  return { program, o: program.opts(), invalidFlags };
}

/** Unknown flags (with the nearest known one) and values that belong to no flag. */
function strayArguments(program: Command, problems: Problems): void {
  const known = program.options.map((opt) => opt.long!).filter(Boolean);
  let afterUnknown = false;
  for (const arg of program.args) {
    if (arg.startsWith('-')) {
      const near = closest(arg.split('=')[0], known);
      problems.add(`unknown option '${arg}'${near ? ` (Did you mean ${near}?)` : ''}`);
      afterUnknown = !arg.includes('=');
    } else if (!afterUnknown)
      problems.add(`unexpected argument '${arg}': every value belongs to a flag (too many arguments)`);
    else afterUnknown = false;
  }
}

/** --runs, or --duration in whole windows. */
function runsOf({ o, invalidFlags }: ParsedFlags, problems: Problems): number | undefined {
  const given = (flag: string, value: unknown) => value !== undefined && !invalidFlags.has(flag);
  const runs: number | undefined = given('--runs', o.runs) ? o.runs : undefined;
  if (!given('--duration', o.duration) || invalidFlags.has('--window')) return runs;
  if (o.runs !== undefined) problems.add('give --runs or --duration, not both');
  else if (o.duration % o.window !== 0)
    problems.add(`--duration ${o.duration} min is not a whole number of ${o.window}-minute windows`);
  else return o.duration / o.window;
  return runs;
}

/** --serve alone is any free port (0). */
function servePort(value: unknown, problems: Problems): number | undefined {
  if (value === undefined) return undefined;
  if (value === true) return 0;
  const port = Number(value);
  problems.check(
    /^\d+$/.test(String(value)) && port <= 65535,
    `option '--serve [port]' argument '${value}' is invalid. must be a whole number 0..65535.`,
  );
  return port;
}

/** The environment, the data directory and the output files, checked before anything starts. */
function placeProblems({ o }: ParsedFlags, env: NodeJS.ProcessEnv, problems: Problems): void {
  problems.add(...environmentProblems(env));
  const dataDirProblem = env.DATABASE_URL ? undefined : dataDirPathProblem(o.dataDir);
  if (dataDirProblem) problems.add(`option '--data-dir <dir>' argument '${o.dataDir}' is invalid. ${dataDirProblem}.`);
  for (const [flags, path] of [
    ['--dashboard <file>', o.dashboard],
    ['--json <file>', o.json],
  ] as const) {
    const problem = path === undefined ? undefined : outputPathProblem(path);
    if (problem) problems.add(`option '${flags}' argument '${path}' is invalid. ${problem}.`);
  }
}

/** --chaos with its rates: --chaos-rate for every fault, per-fault flags over it. */
function chaosOf({ o }: ParsedFlags, problems: Problems): TwinOptions['chaos'] {
  const faultFlagsGiven = faultNames.filter((f) => o[camel(FAULT_FLAGS[f])] !== undefined);
  problems.check(
    o.chaos || (o.chaosRate === undefined && o.chaosSeed === undefined && !faultFlagsGiven.length),
    'chaos rates need --chaos',
  );
  if (!o.chaos) return undefined;
  const rates = defaultChaosRates(o.chaosRate ?? 0.05);
  for (const f of faultFlagsGiven) rates[f] = o[camel(FAULT_FLAGS[f])];
  return { seed: o.chaosSeed ?? o.seed, rates };
}

/** The producer's settings from their flags. */
function producerOptionsOf(o: OptionValues): ProducerSettingValues {
  const values: Record<string, unknown> = {};
  for (const name of producerSettingNames) values[name] = o[camel(longFlag(PRODUCER_FLAGS[name]))];
  return values as ProducerSettingValues;
}

/** The flags as the twin's options. */
function twinOptionsOf(
  { o }: ParsedFlags,
  env: NodeJS.ProcessEnv,
  picked: Pick<TwinOptions, 'runs' | 'eventsPerRun' | 'chaos'> & { serve?: number },
): TwinOptions {
  return {
    runs: picked.runs,
    ...producerOptionsOf(o),
    eventsPerRun: picked.eventsPerRun,
    start: o.start,
    batchSize: o.batchSize,
    consumerConcurrency: o.concurrency,
    consumerWorkers: !o.inProcess,
    // What `pulumi up` ships, unless asked for the sources (or a mode only the sources have).
    functions: o.source || o.inProcess ? 'source' : 'archives',
    maxReceiveCount: o.maxReceiveCount,
    visibilityTimeoutSeconds: o.visibilityTimeout,
    dataDir: o.dataDir,
    fresh: o.fresh,
    repair: o.repair,
    reloadFailed: o.reloadFailed,
    databaseUrl: env.DATABASE_URL || undefined,
    endpointUrl: env.AWS_ENDPOINT_URL || undefined,
    chaos: picked.chaos,
    loadEveryMs: picked.serve !== undefined ? 1000 : undefined,
  };
}

/** Parse argv (without node and script) into a plan; throws CliUsageError or CommanderError. */
export function parseCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  isTty = Boolean(process.stdout.isTTY),
): CliPlan {
  const problems = new Problems();
  const flags = parseFlags(argv, problems);
  const { o } = flags;
  const swallowed = npmSwallowedFlags(
    env,
    flags.program.options.filter((opt) => opt.long).map((opt) => ({ long: opt.long!, usage: longUsage(opt.flags) })),
  );
  // npm's swallowed flags leave their values behind as stray arguments: name the cause alone.
  if (swallowed) throw new CliUsageError(swallowed);
  strayArguments(flags.program, problems);
  problems.check(
    o.events === undefined || o.demand === undefined,
    'give --demand, not --events as well (--events is its old name)',
  );
  problems.check(
    !(o.reloadFailed && o.fresh),
    '--reload-failed reloads files of this warehouse; --fresh would empty it first',
  );
  const runs = runsOf(flags, problems);
  const serve = servePort(o.serve, problems);
  placeProblems(flags, env, problems);
  const chaos = chaosOf(flags, problems);
  const twin = twinOptionsOf(flags, env, { runs, eventsPerRun: o.demand ?? o.events, chaos, serve });
  // The flags' own checks match these; run them only when every flag parsed, so no problem is named twice.
  if (problems.empty) {
    try {
      resolveTwinSettings(twin);
    } catch (error) {
      problems.add(...(error as Error).message.replace(/^invalid twin options: /, '').split('; '));
    }
  }
  if (!problems.empty) throw new CliUsageError(problems.all.join('\n'));
  const progress = o.progress === 'auto' ? (isTty ? 'bar' : 'lines') : o.progress;
  return { twin, serve, dashboardPath: o.dashboard, jsonPath: o.json, progress };
}

/** DATABASE_URL and AWS_ENDPOINT_URL, checked before anything starts; each problem names its variable. */
function environmentProblems(env: NodeJS.ProcessEnv): readonly string[] {
  const problems = new Problems();
  const url = (value: string) => {
    try {
      return new URL(value);
    } catch {
      return undefined;
    }
  };
  // Never echo a password: show the scheme and host only.
  const shown = (value: string) => JSON.stringify(value.replace(/\/\/[^/@]*@/, '//***@').slice(0, 80));
  if (env.DATABASE_URL) {
    const u = url(env.DATABASE_URL);
    if (!u || !/^postgres(ql)?:$/.test(u.protocol))
      problems.add(
        `DATABASE_URL must be a postgres:// or postgresql:// URL (postgres://user:password@host:5432/db), got ${shown(env.DATABASE_URL)}`,
      );
  }
  if (env.AWS_ENDPOINT_URL) {
    const u = url(env.AWS_ENDPOINT_URL);
    if (!u || !/^https?:$/.test(u.protocol) || !u.hostname)
      problems.add(
        `AWS_ENDPOINT_URL must be an http:// or https:// URL (http://localhost:4566), got ${shown(env.AWS_ENDPOINT_URL)}`,
      );
  }
  return problems.all;
}

/** Why a file cannot be written at `path` (checked before the run, so the data is never committed for nothing). */
function outputPathProblem(path: string): string | undefined {
  const abs = resolve(path);
  const pathProblem = dataDirPathProblem(abs);
  if (pathProblem) return pathProblem;
  const statOf = (p: string) => {
    try {
      return statSync(p);
    } catch {
      return undefined; // absent, or under a file (ENOTDIR)
    }
  };
  const stat = statOf(abs);
  if (stat?.isDirectory()) return `${abs} is a directory; give a file name`;
  // Missing folders are made at the end; the nearest existing one must be a writable directory.
  let dir = dirname(abs);
  while (!statOf(dir) && dirname(dir) !== dir) dir = dirname(dir);
  if (!statOf(dir)!.isDirectory()) return `${dir} is a file, so no folder can be made there`;
  const target = stat ? abs : dir;
  try {
    accessSync(target, constants.W_OK);
  } catch {
    return `${target} is not writable`;
  }
  return undefined;
}

/** `--s3-fail-rate` -> `s3FailRate`, the key commander uses. */
function camel(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const fmt = (v: number) => Math.round(v).toLocaleString('en-US');

/** Progress as a bar on a terminal, or plain lines otherwise: as each phase begins, as its first window is made, then every second. */
async function progressReporter(
  mode: CliPlan['progress'],
  chaos: boolean,
): Promise<{ update(p: TwinProgress): void; stop(): void }> {
  if (mode === 'none') return { update: () => undefined, stop: () => undefined };
  // Under chaos a message can be received and finished more than once (redeliveries, duplicates), and injected faults add messages.
  const consumedLabel = chaos ? 'consumed (with redeliveries)' : 'consumed';
  if (mode === 'lines') {
    let last = 0;
    let lastPhase = '';
    let lastRuns = 0;
    return {
      update(p) {
        const now = Date.now();
        // The first window made is a line of its own: the run is moving, and a log (or a test waiting
        // for it) sees so at once, not up to a second and a dozen small windows later.
        const firstWindow = lastRuns === 0 && p.runsDone > 0;
        if (p.phase === lastPhase && !firstWindow && now - last < 1000) return;
        last = now;
        lastPhase = p.phase;
        lastRuns = p.runsDone;
        process.stdout.write(`${progressLine(p, consumedLabel)}\n`);
      },
      stop: () => undefined,
    };
  }
  const { MultiBar, Presets } = await import('cli-progress');
  const bars = new MultiBar(
    {
      clearOnComplete: false,
      hideCursor: true,
      format: ' {label} |{bar}| {value}/{total} events',
      formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? fmt(v) : String(v)),
    },
    Presets.shades_classic,
  );
  const produced = bars.create(1, 0, { label: 'produced' });
  const consumed = bars.create(1, 0, { label: chaos ? 'consumed*' : 'consumed' });
  const loaded = bars.create(1, 0, { label: 'loaded  ' });
  return {
    update(p) {
      const total = Math.max(1, p.expected, p.produced);
      for (const [bar, value] of [
        [produced, p.produced],
        [consumed, p.consumed],
        [loaded, p.loaded],
      ] as const) {
        bar.setTotal(total);
        bar.update(Math.min(value, total));
        // Finishing an earlier run's windows, the loader loads only the missing rows.
        if (bar === loaded) bar.update({ label: p.finishing ? 'missing ' : 'loaded  ' });
      }
    },
    stop: () => {
      bars.stop();
      if (chaos)
        process.stdout.write(
          ' * consumed counts redelivered and duplicated messages each time, so under chaos it can pass produced.\n',
        );
    },
  };
}

function statusOf(p: TwinProgress | undefined, report?: TwinReport): DashboardStatus {
  if (report) {
    const b = report.books;
    const w = report.warehouseBooks;
    const all = w
      ? `; warehouse, all runs: ${fmt(streamTotal(w.tables))} rows from ${fmt(w.windows)} window(s)` +
        (w.balanced ? '' : ', NOT BALANCED')
      : '';
    return {
      title: 'Black Friday twin',
      line:
        `This run: ${fmt(report.totalEvents)} events, ${fmt(streamTotal(report.rowsLoaded))} rows loaded in ${(report.timings.pipelineMs / 1000).toFixed(1)} s` +
        (b ? (b.balanced ? ', books balanced' : ', BOOKS DO NOT BALANCE') : '') +
        (report.settings.functions === 'archives'
          ? '; functions: the shipped Lambda archives'
          : '; functions: source modules') +
        all +
        '. Panels: warehouse, all runs.',
      live: false,
      balanced: b ? b.balanced && (w?.balanced ?? true) : undefined,
      dataAge: report.freshness,
    };
  }
  return {
    title: 'Black Friday twin',
    line: p
      ? `This run, ${p.phase}: runs ${p.runsDone}/${p.runs}, produced ${fmt(p.produced)}, consumed ${fmt(p.consumed)}, loaded ${fmt(p.loaded)}. Panels: warehouse, all runs.`
      : 'starting',
    live: true,
    dataAge: p?.freshness,
  };
}

/** Errors that mean "nothing was touched, change something and run again": exit 2. */
const REFUSALS = [DataDirRefused, DataDirBusy, WarehouseRefused, TwinRefused, NoSpaceLeft];

/** One line for an error; the stack only with TWIN_DEBUG=1. */
function oneLine(error: unknown): string {
  const e = error as Error;
  if (process.env.TWIN_DEBUG) return String(e?.stack ?? e);
  const cause = e?.cause as Error | undefined;
  const text = e?.message ?? String(error);
  return text + (cause?.message && !text.includes(cause.message) ? ` (${cause.message})` : '');
}

function writeOutput(what: string, write: () => void): boolean {
  try {
    write();
    return true;
  } catch (error) {
    process.stderr.write(`error: could not write ${what}: ${(error as Error).message}\n`);
    return false;
  }
}

/** The plan, or the exit code when the flags say to stop (help shown: 0; bad flags: 2). */
function planOrExit(argv: readonly string[]): CliPlan | number {
  try {
    return parseCli(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0)
        return 0;
      process.stderr.write(`${error.message.replace(/^error: /, 'error: ')}\n(run with --help for all flags)\n`);
      return 2;
    }
    if (error instanceof CliUsageError) {
      process.stderr.write(`error: ${error.message.split('\n').join('\nerror: ')}\n(run with --help for all flags)\n`);
      return 2;
    }
    throw error;
  }
}

/** The live dashboard for --serve, or exit code 2 when its port cannot be used. */
async function startServer(port: number): Promise<DashboardServer | number> {
  try {
    const server = await serveDashboard({ port, status: statusOf(undefined) });
    process.stdout.write(`Dashboard (live): ${server.url}\n`);
    return server;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? 'is in use'
        : code === 'EACCES'
          ? 'needs privileges'
          : `cannot be used (${(error as Error).message})`;
    process.stderr.write(
      `error: --serve ${port}: port ${port} on 127.0.0.1 ${why}; choose another port, or give --serve alone for any free one\n`,
    );
    return 2;
  }
}

/** The run, with progress shown and the live dashboard fed; a failure is printed and becomes its exit code. */
async function runWithProgress(
  plan: CliPlan,
  server: DashboardServer | undefined,
  stop: StopTrap,
  seen: { last?: TwinProgress },
): Promise<{ report: TwinReport; last?: TwinProgress } | number> {
  const progress = await progressReporter(plan.progress, Boolean(plan.twin.chaos));
  let last: TwinProgress | undefined;
  try {
    const report = await runTwin({
      ...plan.twin,
      stop: stop.signal,
      onProgress: (p) => {
        last = seen.last = p;
        progress.update(p);
        server?.update(null, statusOf(p));
      },
      onNotice: (line) => process.stdout.write(`${line}\n`),
      onWarehouseRefresh: server ? (data) => server.update(data, statusOf(last)) : undefined,
    });
    progress.stop();
    return { report, last };
  } catch (error) {
    progress.stop();
    await server?.close();
    if (error instanceof RunInterrupted) {
      process.stderr.write(`${error.line}\n`);
      return exitCodeOf(error.signal);
    }
    const refused = REFUSALS.some((k) => error instanceof k);
    // A full disk mid-run (PGlite, or the lock and marker): the path and the room, never --fresh.
    const full =
      refused || plan.twin.databaseUrl
        ? undefined
        : noSpaceError(plan.twin.dataDir!, error, last ? Math.max(0, last.expected - last.loaded) : 0);
    if (refused || full) {
      process.stderr.write(`error: ${(full ?? (error as Error)).message}\n`);
      return 2;
    }
    process.stderr.write(`twin run failed: ${oneLine(error)}\n`);
    if ((error as Error).name === 'CredentialsProviderError' && plan.twin.endpointUrl) {
      process.stderr.write(
        'AWS_ENDPOINT_URL is set, so the AWS SDK looks for credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values for an emulator).\n',
      );
    }
    return 1;
  }
}

/** The dashboard file and the JSON report; false when one could not be written (it says why). */
function writeOutputs(plan: CliPlan, report: TwinReport, status: DashboardStatus): boolean {
  let written = true;
  if (report.dashboard)
    written =
      writeOutput(`--dashboard ${plan.dashboardPath}`, () =>
        writeDashboard(plan.dashboardPath, report.dashboard!, status),
      ) && written;
  if (plan.jsonPath) {
    const path = plan.jsonPath;
    written =
      writeOutput(`--json ${path}`, () => {
        mkdirSync(dirname(resolve(path)), { recursive: true });
        writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
      }) && written;
  }
  return written;
}

/** The final page on the live dashboard, served until Ctrl-C (or SIGTERM, or the launcher gone). */
async function serveUntilInterrupted(
  server: DashboardServer,
  report: TwinReport,
  status: DashboardStatus,
  stop: AbortSignal,
) {
  server.update(report.dashboard ?? null, status);
  process.stdout.write(`\nServing the dashboard at ${server.url} - press Ctrl-C to stop.\n`);
  if (!stop.aborted) await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve()));
  await server.close();
}

/** A full disk that PGlite may never answer after: the lock released, the path and the room said, exit 2. */
function stopForDisk(plan: CliPlan, seen: { last?: TwinProgress }) {
  return (): void => {
    releaseHeldLocks();
    const last = seen.last;
    const full = noSpaceError(plan.twin.dataDir!, undefined, last ? Math.max(0, last.expected - last.loaded) : 0);
    process.stderr.write(`\nerror: ${full?.message ?? `the disk of ${plan.twin.dataDir} is full`}\n`);
    process.exit(2);
  };
}

/** The second signal: no waiting for a safe point. The lock is released and the one line says what the next run does. */
function stopAtOnce(seen: { last?: TwinProgress }) {
  return (signal: NodeJS.Signals): void => {
    releaseHeldLocks();
    const loaded = seen.last?.loaded ?? 0;
    process.stderr.write(
      `Stopped at once (a second ${signal}): ${fmt(loaded)} events of this run are committed in the warehouse; the next run finishes the windows this run started.\n`,
    );
    process.exit(exitCodeOf(signal));
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const plan = planOrExit(argv);
  if (typeof plan === 'number') return plan;
  const seen: { last?: TwinProgress } = {};
  const stop = trapStops(stopAtOnce(seen));
  const unwatch = plan.twin.databaseUrl ? () => undefined : watchDisk(plan.twin.dataDir!, stopForDisk(plan, seen));
  const server = plan.serve === undefined ? undefined : await startServer(plan.serve);
  if (typeof server === 'number') return server;
  const run = await runWithProgress(plan, server, stop, seen);
  if (typeof run === 'number') return run;
  const { report } = run;
  const status = statusOf(run.last, report);
  // The books first: an output that cannot be written must not hide them.
  process.stdout.write(
    '\n' + formatSummary(report, { dashboardPath: report.dashboard ? plan.dashboardPath : undefined }) + '\n',
  );
  unwatch();
  const written = writeOutputs(plan, report, status);
  const balanced =
    (!report.books || report.books.balanced) && (!report.warehouseBooks || report.warehouseBooks.balanced);
  if (server) await serveUntilInterrupted(server, report, status, stop.signal);
  return balanced && written ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`twin failed: ${oneLine(error)}\n`);
      process.exit(1);
    },
  );
}

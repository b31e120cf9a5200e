// `npm start`: the local twin from the command line. Flags map onto TwinOptions;
// bad flags get a clear message and exit code 2; unbalanced books exit 1.
import { writeFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { defaultChaosRates, faultNames, type ChaosRates } from './chaos';
import { serveDashboard, writeDashboard, type DashboardServer, type DashboardStatus } from './dashboard';
import { formatSummary } from './summary';
import { defaultConcurrency, resolveTwinSettings, runTwin, type TwinOptions, type TwinProgress, type TwinReport } from './twin';

/** A usage error: printed with a hint and exit code 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

export interface CliPlan {
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
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(v) || v < min || v > max) throw new InvalidArgumentError(`must be a whole number ${min}..${max}.`);
    return v;
  };
}

function rate(value: string): number {
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v) || v < 0 || v >= 1) throw new InvalidArgumentError('must be a number in [0, 1).');
  return v;
}

function packing(value: string): number | 'fill' {
  if (value === 'fill') return 'fill';
  try {
    return wholeNumber(1, 100_000)(value);
  } catch {
    throw new InvalidArgumentError("must be 'fill' or a whole number of events per message 1..100000.");
  }
}

/** `6h`, `90m`, `1h30m` or plain minutes -> minutes. */
export function parseDuration(value: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m?)?$/.exec(value.trim());
  if (!m || (m[1] === undefined && m[2] === undefined)) throw new InvalidArgumentError('must be a duration like 6h, 90m or 1h30m.');
  const minutes = Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
  if (minutes < 1 || minutes > 7 * 24 * 60) throw new InvalidArgumentError('must be between 1 minute and 7 days.');
  return minutes;
}

function isoTime(value: string): string {
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('must be an ISO-8601 time like 2026-11-27T06:00:00Z.');
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
function collecting(invalid: string[] | undefined) {
  return <T>(flags: string, parse: (value: string) => T) =>
    (value: string): T => {
      if (!invalid) return parse(value);
      try {
        return parse(value);
      } catch (error) {
        invalid.push(`option '${flags}' argument '${value}' is invalid. ${(error as Error).message}`);
        return undefined as T;
      }
    };
}

export function buildProgram(invalid?: string[]): Command {
  const check = collecting(invalid);
  const option = <T>(program: Command, flags: string, description: string, parse: (value: string) => T, defaultValue?: T) =>
    defaultValue === undefined ? program.option(flags, description, check(flags, parse)) : program.option(flags, description, check(flags, parse), defaultValue);
  const program = new Command('npm start --');
  program.description(
    'Run the Black Friday pipeline end to end on this machine: producer -> SQS -> consumers -> S3 -> loader -> warehouse views,\n' +
      'on embedded fauxqs and PGlite (or AWS_ENDPOINT_URL / DATABASE_URL), then print the books and key metrics.',
  );
  option(program, '-r, --runs <n>', 'scheduled producer runs (windows)', wholeNumber(1, 10000));
  option(program, '-d, --duration <time>', 'simulated duration instead of --runs, e.g. 6h or 90m (a whole number of windows)', parseDuration);
  option(program, '-w, --window <minutes>', 'window length of one run, minutes (the schedule rate)', wholeNumber(1, 1440), 15);
  option(program, '-e, --events <n>', 'sale lines per run, exactly (default: follow the demand curve)', wholeNumber(0, 5_000_000));
  option(program, '--peak <n>', 'sale lines per minute at the top of the demand curve', wholeNumber(1, 1_000_000), 400);
  option(program, '--start <iso>', 'first window start (default: after the last loaded data, else 2026-11-27T06:00:00Z)', isoTime);
  option(program, '-s, --seed <n>', 'seed of the generated events', wholeNumber(0, 0xffffffff), 1);
  option(program, '-p, --packing <n|fill>', "events per SQS message, or 'fill' to fill each message", packing, 'fill' as number | 'fill');
  option(program, '--max-message-bytes <n>', "queues' MaximumMessageSize", wholeNumber(1024, 1024 * 1024), 1024 * 1024);
  program.addOption(new Option('--compression <kind>', 'message body compression').choices(['gzip', 'none']).default('gzip'));
  option(program, '-b, --batch-size <n>', 'consumer batch size (event source BatchSize)', wholeNumber(1, 10000), 10);
  program.addOption(new Option('--file-per <unit>', "a CSV per 'message' (exactly once) or per 'batch' (the original design, not exactly once)").choices(['message', 'batch']).default('message'));
  option(program, '--concurrency <n>', 'concurrent consumer invocations per stream, each a worker thread; half the cores (1 to 4) unless given', wholeNumber(1, 16), defaultConcurrency());
  program.option('--in-process', 'run consumer invocations in the main thread instead of worker threads', false);
  program.option('--source', "run the functions from the source modules (fast edits) instead of the dev stack's shipped Lambda archives; --file-per batch and --in-process imply it", false);
  option(program, '--max-receive-count <n>', 'receives before SQS moves a message to its DLQ', wholeNumber(1, 1000), 3);
  option(program, '--visibility-timeout <seconds>', 'queue visibility timeout (default 30, or 2 with --chaos)', wholeNumber(0, 43200));
  program
    .option('--data-dir <dir>', 'PGlite data directory (a second run adds to the first)', '.twin/pgdata')
    .option('--fresh', 'start from an empty warehouse', false)
    .option('--serve [port]', 'serve the dashboard on 127.0.0.1 (refreshing during the run) and keep serving afterwards')
    .option('--dashboard <file>', 'where to write the dashboard page after the run', '.twin/dashboard.html')
    .option('--json <file>', 'also write the full run report as JSON')
    .option('--chaos', 'inject faults, then prove the books still balance', false);
  option(program, '--chaos-rate <rate>', 'rate of every fault (per-fault flags override)', rate);
  option(program, '--chaos-seed <n>', 'seed of the fault injection (default: --seed)', wholeNumber(0, 0xffffffff));
  for (const fault of faultNames) option(program, `${FAULT_FLAGS[fault]} <rate>`, FAULT_HELP[fault], rate);
  program
    .addOption(new Option('--progress <mode>', 'progress display').choices(['auto', 'bar', 'lines', 'none']).default('auto'))
    .addHelpText(
      'after',
      `
Environment:
  AWS_ENDPOINT_URL  SQS and S3 endpoint instead of the embedded fauxqs
  DATABASE_URL      postgres://... server instead of PGlite (--data-dir is then ignored)

Examples:
  npm start                                  a Black Friday morning, ~100k events
  npm start -- --duration 2h --events 20000  8 runs of exactly 20,000 sale lines
  npm start -- --chaos --chaos-rate 0.1      every fault at 10%, then the books
  npm start -- --serve 8080 --fresh          live dashboard on http://127.0.0.1:8080/

Exit codes: 0 books balanced, 1 books do not balance or the run failed, 2 bad flags.`,
    )
    .showHelpAfterError('(run with --help for all flags)')
    .exitOverride();
  return program;
}

/** Parse argv (without node and script) into a plan; throws CliUsageError or CommanderError. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, isTty = Boolean(process.stdout.isTTY)): CliPlan {
  const invalid: string[] = [];
  const program = buildProgram(invalid);
  program.configureOutput({ writeErr: () => undefined, writeOut: (s) => process.stdout.write(s) });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    // An unknown flag or a bad choice stops commander; still name the bad values seen before it.
    if (error instanceof CommanderError && invalid.length > 0 && error.exitCode !== 0) throw new CliUsageError([...invalid, error.message.replace(/^error: /, '')].join('\n'));
    throw error;
  }
  const o = program.opts();
  const problems: string[] = [...invalid];
  let runs: number | undefined = o.runs;
  if (o.duration !== undefined) {
    if (o.runs !== undefined) problems.push('give --runs or --duration, not both');
    else if (o.duration % o.window !== 0) problems.push(`--duration ${o.duration} min is not a whole number of ${o.window}-minute windows`);
    else runs = o.duration / o.window;
  }
  let serve: number | undefined;
  if (o.serve !== undefined) {
    if (o.serve === true) serve = 0;
    else {
      serve = Number(o.serve);
      if (!/^\d+$/.test(String(o.serve)) || serve > 65535) problems.push(`--serve port must be a whole number 0..65535, got ${JSON.stringify(o.serve)}`);
    }
  }
  const faultFlagsGiven = faultNames.filter((f) => o[camel(FAULT_FLAGS[f])] !== undefined);
  if (!o.chaos && (o.chaosRate !== undefined || o.chaosSeed !== undefined || faultFlagsGiven.length)) problems.push('chaos rates need --chaos');
  let chaos: TwinOptions['chaos'];
  if (o.chaos) {
    const rates = defaultChaosRates(o.chaosRate ?? 0.05);
    for (const f of faultFlagsGiven) rates[f] = o[camel(FAULT_FLAGS[f])];
    chaos = { seed: o.chaosSeed ?? o.seed, rates };
  }
  const twin: TwinOptions = {
    runs,
    windowMinutes: o.window,
    eventsPerRun: o.events,
    peakLinesPerMinute: o.peak,
    start: o.start,
    seed: o.seed,
    eventsPerMessage: o.packing,
    maxMessageBytes: o.maxMessageBytes,
    compression: o.compression,
    batchSize: o.batchSize,
    filePer: o.filePer,
    consumerConcurrency: o.concurrency,
    consumerWorkers: !o.inProcess,
    // What `pulumi up` ships, unless asked for the sources (or a mode only the sources have).
    functions: o.source || o.inProcess || o.filePer === 'batch' ? 'source' : 'archives',
    maxReceiveCount: o.maxReceiveCount,
    visibilityTimeoutSeconds: o.visibilityTimeout,
    dataDir: o.dataDir,
    fresh: o.fresh,
    databaseUrl: env.DATABASE_URL || undefined,
    endpointUrl: env.AWS_ENDPOINT_URL || undefined,
    chaos,
    loadEveryMs: serve !== undefined ? 1000 : undefined,
  };
  try {
    resolveTwinSettings(twin);
  } catch (error) {
    problems.push(...(error as Error).message.replace(/^invalid twin options: /, '').split('; '));
  }
  if (problems.length) throw new CliUsageError(problems.join('\n'));
  const progress = o.progress === 'auto' ? (isTty ? 'bar' : 'lines') : o.progress;
  return { twin, serve, dashboardPath: o.dashboard, jsonPath: o.json, progress };
}

/** `--s3-fail-rate` -> `s3FailRate`, the key commander uses. */
function camel(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const fmt = (v: number) => Math.round(v).toLocaleString('en-US');

/** Progress as a bar on a terminal, or a plain line every second otherwise. */
async function progressReporter(mode: CliPlan['progress']): Promise<{ update(p: TwinProgress): void; stop(): void }> {
  if (mode === 'none') return { update: () => undefined, stop: () => undefined };
  if (mode === 'lines') {
    let last = 0;
    let lastPhase = '';
    return {
      update(p) {
        const now = Date.now();
        if (p.phase === lastPhase && now - last < 1000) return;
        last = now;
        lastPhase = p.phase;
        process.stdout.write(`[${p.phase}] runs ${p.runsDone}/${p.runs}  produced ${fmt(p.produced)}  consumed ${fmt(p.consumed)}  loaded ${fmt(p.loaded)}  (of ~${fmt(p.expected)} events)\n`);
      },
      stop: () => undefined,
    };
  }
  const { MultiBar, Presets } = await import('cli-progress');
  const bars = new MultiBar({ clearOnComplete: false, hideCursor: true, format: ' {label} |{bar}| {value}/{total} events', formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? fmt(v) : String(v)) }, Presets.shades_classic);
  const produced = bars.create(1, 0, { label: 'produced' });
  const consumed = bars.create(1, 0, { label: 'consumed' });
  const loaded = bars.create(1, 0, { label: 'loaded  ' });
  return {
    update(p) {
      const total = Math.max(1, p.expected, p.produced);
      for (const [bar, value] of [[produced, p.produced], [consumed, p.consumed], [loaded, p.loaded]] as const) {
        bar.setTotal(total);
        bar.update(Math.min(value, total));
      }
    },
    stop: () => bars.stop(),
  };
}

function statusOf(p: TwinProgress | undefined, report?: TwinReport): DashboardStatus {
  if (report) {
    const b = report.books;
    return {
      title: 'Black Friday twin',
      line:
        `${fmt(report.totalEvents)} events, ${fmt(report.rowsLoaded.sales + report.rowsLoaded.inventory)} rows loaded in ${(report.timings.pipelineMs / 1000).toFixed(1)} s` +
        (b ? (b.balanced ? '; books balanced' : '; BOOKS DO NOT BALANCE') : '') +
        (report.settings.functions === 'archives' ? '; functions: the shipped Lambda archives' : '; functions: source modules'),
      live: false,
      balanced: b?.balanced,
    };
  }
  return { title: 'Black Friday twin', line: p ? `${p.phase}: runs ${p.runsDone}/${p.runs}, produced ${fmt(p.produced)}, consumed ${fmt(p.consumed)}, loaded ${fmt(p.loaded)}` : 'starting', live: true };
}

export async function main(argv: readonly string[]): Promise<number> {
  let plan: CliPlan;
  try {
    plan = parseCli(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return 0;
      process.stderr.write(`${error.message.replace(/^error: /, 'error: ')}\n(run with --help for all flags)\n`);
      return 2;
    }
    if (error instanceof CliUsageError) {
      process.stderr.write(`error: ${error.message.split('\n').join('\nerror: ')}\n(run with --help for all flags)\n`);
      return 2;
    }
    throw error;
  }

  let server: DashboardServer | undefined;
  if (plan.serve !== undefined) {
    server = await serveDashboard({ port: plan.serve, status: statusOf(undefined) });
    process.stdout.write(`Dashboard (live): ${server.url}\n`);
  }
  const progress = await progressReporter(plan.progress);
  let lastProgress: TwinProgress | undefined;
  let report: TwinReport;
  try {
    report = await runTwin({
      ...plan.twin,
      onProgress: (p) => {
        lastProgress = p;
        progress.update(p);
        server?.update(null, statusOf(p));
      },
      onWarehouseRefresh: server ? (data) => server!.update(data, statusOf(lastProgress)) : undefined,
    });
  } catch (error) {
    progress.stop();
    await server?.close();
    process.stderr.write(`twin run failed: ${(error as Error).stack ?? error}\n`);
    if ((error as Error).name === 'CredentialsProviderError' && plan.twin.endpointUrl) {
      process.stderr.write('AWS_ENDPOINT_URL is set, so the AWS SDK looks for credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values for an emulator).\n');
    }
    return 1;
  }
  progress.stop();
  const status = statusOf(lastProgress, report);
  if (report.dashboard) writeDashboard(plan.dashboardPath, report.dashboard, status);
  if (plan.jsonPath) writeFileSync(plan.jsonPath, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write('\n' + formatSummary(report, { dashboardPath: report.dashboard ? plan.dashboardPath : undefined }) + '\n');
  const code = report.books && !report.books.balanced ? 1 : 0;
  if (server) {
    server.update(report.dashboard ?? null, status);
    process.stdout.write(`\nServing the dashboard at ${server.url} - press Ctrl-C to stop.\n`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    await server.close();
  }
  return code;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
}

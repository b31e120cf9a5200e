// The command line: flags to TwinOptions, every bad flag named, exit code 2.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { CliUsageError, parseCli, parseDuration } from './cli';
import { defaultConcurrency } from './twin';

const parse = (...argv: string[]) => parseCli(argv, {}, false);

describe('parseCli', () => {
  it('runs the demo with no flags: a Black Friday morning, lines when not on a terminal', () => {
    const plan = parse();
    expect(plan.twin).toMatchObject({ windowMinutes: 15, peakLinesPerMinute: 400, seed: 1, eventsPerMessage: 'fill', batchSize: 10, filePer: 'message', dataDir: '.twin/pgdata', fresh: false });
    expect(plan.twin.runs).toBeUndefined(); // runTwin's default: 24 windows, 06:00 to 12:00
    expect(plan.twin.chaos).toBeUndefined();
    expect(plan.progress).toBe('lines');
    expect(parseCli([], {}, true).progress).toBe('bar');
    expect(plan.dashboardPath).toBe('.twin/dashboard.html');
  });

  it('maps every flag', () => {
    const plan = parse('--duration', '2h', '--window', '30', '--events', '5000', '--seed', '9', '--packing', '25', '--batch-size', '100', '--file-per', 'batch', '--data-dir', '/tmp/x', '--fresh', '--serve', '8123', '--compression', 'none');
    expect(plan.twin).toMatchObject({ runs: 4, windowMinutes: 30, eventsPerRun: 5000, seed: 9, eventsPerMessage: 25, batchSize: 100, filePer: 'batch', dataDir: '/tmp/x', fresh: true, compression: 'none', loadEveryMs: 1000 });
    expect(plan.serve).toBe(8123);
    expect(parse('--serve').serve).toBe(0);
  });

  it('runs half the cores as consumer workers per stream by default, 1 to 4', () => {
    expect([1, 2, 3, 4, 8, 16, 64].map((cores) => defaultConcurrency(cores))).toEqual([1, 1, 1, 2, 4, 4, 4]);
    expect(parse().twin.consumerConcurrency).toBe(defaultConcurrency());
    expect(parse('--concurrency', '3').twin.consumerConcurrency).toBe(3);
  });

  it('takes the endpoint and database from the standard variables', () => {
    const plan = parseCli([], { AWS_ENDPOINT_URL: 'http://localhost:4566', DATABASE_URL: 'postgres://u:p@db/x' }, false);
    expect(plan.twin).toMatchObject({ endpointUrl: 'http://localhost:4566', databaseUrl: 'postgres://u:p@db/x' });
  });

  it('sets every chaos rate from --chaos-rate, and per-fault flags override it', () => {
    const plan = parse('--chaos', '--chaos-rate', '0.2', '--poison-rate', '0.01', '--chaos-seed', '4');
    expect(plan.twin.chaos).toEqual({
      seed: 4,
      rates: { consumerCrash: 0.2, s3PutFailure: 0.2, duplicateDelivery: 0.2, malformedEvents: 0.02, poisonMessages: 0.01, loaderCrash: 0.2 },
    });
  });

  it('names a bad value with the flag', () => {
    expect(() => parse('--runs', 'ten')).toThrow(CliUsageError);
    expect(() => parse('--runs', 'ten')).toThrow("option '-r, --runs <n>' argument 'ten' is invalid. must be a whole number 1..10000.");
    expect(() => parse('--packing', 'lots')).toThrow(/must be 'fill' or a whole number/);
    expect(() => parse('--file-per', 'hour')).toThrow(/Allowed choices are message, batch/);
    expect(() => parse('--nope')).toThrow(CommanderError);
    expect(() => parse('--nope')).toThrow(/unknown option '--nope'/);
  });

  it('names every bad value in one go, with an unknown flag after them', () => {
    expect(() => parse('--runs', '-3', '--packing', 'foo', '--chaos', '--chaos-rate', '2', '--bogus')).toThrow(
      [
        "option '-r, --runs <n>' argument '-3' is invalid. must be a whole number 1..10000.",
        "option '-p, --packing <n|fill>' argument 'foo' is invalid. must be 'fill' or a whole number of events per message 1..100000.",
        "option '--chaos-rate <rate>' argument '2' is invalid. must be a number in [0, 1).",
        "unknown option '--bogus'",
      ].join('\n'),
    );
    expect(() => parse('--batch-size', '0', '--seed', 'x', '--runs', '2', '--duration', '1h')).toThrow(
      "option '-b, --batch-size <n>' argument '0' is invalid. must be a whole number 1..10000.\noption '-s, --seed <n>' argument 'x' is invalid. must be a whole number 0..4294967295.\ngive --runs or --duration, not both",
    );
  });

  it('lists every problem between flags at once', () => {
    expect(() => parse('--runs', '2', '--duration', '1h', '--crash-rate', '0.1')).toThrow(CliUsageError);
    expect(() => parse('--runs', '2', '--duration', '1h', '--crash-rate', '0.1')).toThrow('give --runs or --duration, not both\nchaos rates need --chaos');
    expect(() => parse('extra')).toThrow(/too many arguments/);
    expect(() => parse('--duration', '50m')).toThrow('--duration 50 min is not a whole number of 15-minute windows');
  });

  it('reads durations', () => {
    expect([parseDuration('6h'), parseDuration('90m'), parseDuration('1h30m'), parseDuration('45')]).toEqual([360, 90, 90, 45]);
    expect(() => parseDuration('soon')).toThrow(/duration like 6h/);
  });
});

describe('npm start', () => {
  it('exits with code 2 and a clear message on a bad flag', () => {
    const out = spawnSync(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'cli.ts'), '--batch-size', '0'], { encoding: 'utf8', timeout: 60_000 });
    expect(out.status).toBe(2);
    expect(out.stderr).toContain("option '-b, --batch-size <n>' argument '0' is invalid. must be a whole number 1..10000.");
    expect(out.stderr).toContain('--help');
  });

  it('runs the shipped archives unless --source (or a mode only the sources have) is given', () => {
    expect(parse().twin.functions).toBe('archives');
    expect(parse('--source').twin.functions).toBe('source');
    expect(parse('--file-per', 'batch').twin.functions).toBe('source');
    expect(parse('--in-process').twin.functions).toBe('source');
  });
});

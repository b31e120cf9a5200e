// The command line: flags to TwinOptions, every bad flag named, exit code 2.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRODUCER_SETTINGS, producerSettingNames } from '../kernel/producerSettings';
import { inBounds, otherValues, outside } from '../test/support/producerSettings';
import { startScriptArgs } from '../test/support/twinProcess';
import { CliUsageError, parseCli, parseDuration, PRODUCER_FLAGS } from './cli';
import { defaultConcurrency, resolveTwinSettings, TWIN_PRODUCER_DEFAULTS } from './twin';

const parse = (...argv: string[]) => parseCli(argv, {}, false);

describe('parseCli', () => {
  it('runs the demo with no flags: a Black Friday morning, lines when not on a terminal', () => {
    const plan = parse();
    expect(plan.twin).toMatchObject({
      windowMinutes: 15,
      peakLinesPerMinute: 400,
      seed: 1,
      eventsPerMessage: 'fill',
      batchSize: 10,
      dataDir: '.twin/pgdata',
      fresh: false,
    });
    expect(plan.twin.runs).toBeUndefined(); // runTwin's default: 24 windows, 06:00 to 12:00
    expect(plan.twin.chaos).toBeUndefined();
    expect(plan.progress).toBe('lines');
    expect(parseCli([], {}, true).progress).toBe('bar');
    expect(plan.dashboardPath).toBe('.twin/dashboard.html');
  });

  it('maps every flag', () => {
    const plan = parse(
      '--duration',
      '2h',
      '--window',
      '30',
      '--events',
      '5000',
      '--seed',
      '9',
      '--packing',
      '25',
      '--batch-size',
      '100',
      '--data-dir',
      '/tmp/x',
      '--fresh',
      '--serve',
      '8123',
      '--compression',
      'none',
    );
    expect(plan.twin).toMatchObject({
      runs: 4,
      windowMinutes: 30,
      eventsPerRun: 5000,
      seed: 9,
      eventsPerMessage: 25,
      batchSize: 100,
      dataDir: '/tmp/x',
      fresh: true,
      compression: 'none',
      loadEveryMs: 1000,
    });
    expect(plan.serve).toBe(8123);
    expect(parse('--serve').serve).toBe(0);
  });

  it('runs half the cores as consumer workers per stream by default, 1 to 4', () => {
    expect([1, 2, 3, 4, 8, 16, 64].map((cores) => defaultConcurrency(cores))).toEqual([1, 1, 1, 2, 4, 4, 4]);
    expect(parse().twin.consumerConcurrency).toBe(defaultConcurrency());
    expect(parse('--concurrency', '3').twin.consumerConcurrency).toBe(3);
  });

  it('takes the endpoint and database from the standard variables', () => {
    const plan = parseCli(
      [],
      { AWS_ENDPOINT_URL: 'http://localhost:4566', DATABASE_URL: 'postgres://u:p@db/x' },
      false,
    );
    expect(plan.twin).toMatchObject({ endpointUrl: 'http://localhost:4566', databaseUrl: 'postgres://u:p@db/x' });
  });

  it('sets every chaos rate from --chaos-rate, and per-fault flags override it', () => {
    const plan = parse('--chaos', '--chaos-rate', '0.2', '--poison-rate', '0.01', '--chaos-seed', '4');
    expect(plan.twin.chaos).toEqual({
      seed: 4,
      rates: {
        consumerCrash: 0.2,
        s3PutFailure: 0.2,
        duplicateDelivery: 0.2,
        malformedEvents: 0.02,
        poisonMessages: 0.01,
        loaderCrash: 0.2,
      },
    });
  });

  it('names a bad value with the flag', () => {
    expect(() => parse('--runs', 'ten')).toThrow(CliUsageError);
    expect(() => parse('--runs', 'ten')).toThrow(
      "option '-r, --runs <n>' argument 'ten' is invalid. must be a whole number 1..10000.",
    );
    expect(() => parse('--packing', 'lots')).toThrow(/must be 'fill' or a whole number/);
    expect(() => parse('--nope')).toThrow(CliUsageError);
    expect(() => parse('--nope')).toThrow(/unknown option '--nope'/);
  });

  it('names every bad value in one go, with an unknown flag after them', () => {
    expect(() => parse('--runs', '-3', '--packing', 'foo', '--chaos', '--chaos-rate', '2', '--bogus')).toThrow(
      [
        "option '-r, --runs <n>' argument '-3' is invalid. must be a whole number 1..10000.",
        "option '-p, --packing <n|fill>' argument 'foo' is invalid. must be 'fill' or a whole number 1..100000.",
        "option '--chaos-rate <rate>' argument '2' is invalid. must be a number in [0, 0.9].",
        "unknown option '--bogus'",
      ].join('\n'),
    );
    expect(() => parse('--batch-size', '0', '--seed', 'x', '--runs', '2', '--duration', '1h')).toThrow(
      "option '-b, --batch-size <n>' argument '0' is invalid. must be a whole number 1..10000.\noption '-s, --seed <n>' argument 'x' is invalid. must be a whole number 0..4294967295.\ngive --runs or --duration, not both",
    );
  });

  it('lists every problem between flags at once', () => {
    expect(() => parse('--runs', '2', '--duration', '1h', '--crash-rate', '0.1')).toThrow(CliUsageError);
    expect(() => parse('--runs', '2', '--duration', '1h', '--crash-rate', '0.1')).toThrow(
      'give --runs or --duration, not both\nchaos rates need --chaos',
    );
    expect(() => parse('extra')).toThrow(/too many arguments/);
    expect(() => parse('--duration', '50m')).toThrow('--duration 50 min is not a whole number of 15-minute windows');
  });

  it('names each bad flag once, every one of them, unknown ones included', () => {
    expect(() => parse('--bogus', '--runs', '-3', '--serve', 'abc')).toThrow(
      [
        "option '-r, --runs <n>' argument '-3' is invalid. must be a whole number 1..10000.",
        "unknown option '--bogus'",
        "option '--serve [port]' argument 'abc' is invalid. must be a whole number 0..65535.",
      ].join('\n'),
    );
    // No second, cut-off error from the settings check, and no complaint about a flag that was not given.
    expect(() => parse('--runs', '-3')).toThrow(
      /^option '-r, --runs <n>' argument '-3' is invalid\. must be a whole number 1\.\.10000\.$/,
    );
    expect(() => parse('--duration', '2x')).toThrow(
      /^option '-d, --duration <time>' argument '2x' is invalid\. must be a duration like 6h, 90m or 1h30m\.$/,
    );
    expect(() => parse('--demand', 'abc')).toThrow(
      /^option '-e, --demand <lines>' argument 'abc' is invalid\. must be a whole number 0\.\.5000000\.$/,
    );
    expect(() => parse('--rnus', '3')).toThrow("unknown option '--rnus' (Did you mean --runs?)");
  });

  it('takes --demand, or --events, its old name, as demanded sale lines per run', () => {
    expect(parse('--demand', '20000').twin.eventsPerRun).toBe(20000);
    expect(parse('--events', '20000').twin.eventsPerRun).toBe(20000);
    expect(() => parse('--events', '1', '--demand', '2')).toThrow('give --demand, not --events as well');
  });

  it('checks the environment before anything starts, naming each variable', () => {
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        parseCli([], env, false);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems({ DATABASE_URL: 'nonsense' })).toBe(
      'DATABASE_URL must be a postgres:// or postgresql:// URL (postgres://user:password@host:5432/db), got "nonsense"',
    );
    expect(problems({ DATABASE_URL: 'mysql://root:secret@db/x' })).toBe(
      'DATABASE_URL must be a postgres:// or postgresql:// URL (postgres://user:password@host:5432/db), got "mysql://***@db/x"',
    );
    expect(problems({ AWS_ENDPOINT_URL: 'not-a-url' })).toBe(
      'AWS_ENDPOINT_URL must be an http:// or https:// URL (http://localhost:4566), got "not-a-url"',
    );
    expect(problems({ DATABASE_URL: 'postgresql://u@localhost/x', AWS_ENDPOINT_URL: 'https://s3.local:4566' })).toBe(
      '',
    );
  });

  it('checks every output path and the data directory before anything starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-out-'));
    try {
      const file = join(dir, 'a-file');
      writeFileSync(file, 'x');
      expect(() => parse('--dashboard', dir, '--json', join(file, 'report.json'), '--data-dir', '/proc/1/pg')).toThrow(
        [
          `option '--data-dir <dir>' argument '/proc/1/pg' is invalid. /proc/1/pg is under /proc, a kernel file system, not a place for data.`,
          `option '--dashboard <file>' argument '${dir}' is invalid. ${dir} is a directory; give a file name.`,
          `option '--json <file>' argument '${join(file, 'report.json')}' is invalid. ${file} is a file, so no folder can be made there.`,
        ].join('\n'),
      );
      expect(() => parse('--dashboard', '/proc/self/x.html')).toThrow('/proc/self/x.html is under /proc');
      // Missing folders are made at the end of the run.
      expect(parse('--json', join(dir, 'new', 'deeper', 'report.json')).jsonPath).toBe(
        join(dir, 'new', 'deeper', 'report.json'),
      );
      // With DATABASE_URL the data directory is not used, so not checked.
      expect(parseCli(['--data-dir', '/proc/1/pg'], { DATABASE_URL: 'postgres://db/x' }, false).twin.databaseUrl).toBe(
        'postgres://db/x',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads durations', () => {
    expect([parseDuration('6h'), parseDuration('90m'), parseDuration('1h30m'), parseDuration('45')]).toEqual([
      360, 90, 90, 45,
    ]);
    expect(() => parseDuration('soon')).toThrow(/duration like 6h/);
  });
});

describe('npm start', () => {
  it('exits with code 2 and a clear message on a bad flag', () => {
    const out = spawnSync(process.execPath, [...startScriptArgs(), '--batch-size', '0'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.status).toBe(2);
    expect(out.stderr).toContain(
      "option '-b, --batch-size <n>' argument '0' is invalid. must be a whole number 1..10000.",
    );
    expect(out.stderr).toContain('--help');
  });

  it('runs the shipped archives unless --source (or a mode only the sources have) is given', () => {
    expect(parse().twin.functions).toBe('archives');
    expect(parse('--source').twin.functions).toBe('source');
    expect(parse('--in-process').twin.functions).toBe('source');
  });

  it('exits with code 2 on bad environment values and outputs, one line each, before starting anything', () => {
    const out = spawnSync(process.execPath, [...startScriptArgs(), '--json', '/proc/x.json'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, DATABASE_URL: 'nonsense', AWS_ENDPOINT_URL: 'not-a-url' },
    });
    expect(out.status).toBe(2);
    expect(out.stderr.trim().split('\n')).toEqual([
      'error: DATABASE_URL must be a postgres:// or postgresql:// URL (postgres://user:password@host:5432/db), got "nonsense"',
      'error: AWS_ENDPOINT_URL must be an http:// or https:// URL (http://localhost:4566), got "not-a-url"',
      "error: option '--json <file>' argument '/proc/x.json' is invalid. /proc/x.json is under /proc, a kernel file system, not a place for data.",
      '(run with --help for all flags)',
    ]);
  });

  it('says in one line that a --serve port is busy, and exits 2', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const out = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [...startScriptArgs(), '--serve', String(port)], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.once('close', (status) => resolve({ status, stderr }));
      });
      expect(out.stderr).toBe(
        `error: --serve ${port}: port ${port} on 127.0.0.1 is in use; choose another port, or give --serve alone for any free one\n`,
      );
      expect(out.status).toBe(2);
    } finally {
      busy.close();
    }
  });
});

// Every producer setting of kernel/producerSettings.ts has its flag, with the setting's bounds.
describe("the producer's settings as flags and options", () => {
  const flagOf = (name: keyof typeof PRODUCER_FLAGS) => /--[a-z-]+/.exec(PRODUCER_FLAGS[name])![0];

  it('has a flag for each, defaulting to the twin defaults, and the options carry what the flags say', () => {
    for (const name of producerSettingNames)
      expect([name, parse().twin[name]]).toEqual([name, TWIN_PRODUCER_DEFAULTS[name]]);
    const values = otherValues();
    for (const name of producerSettingNames) expect(values[name]).not.toEqual(TWIN_PRODUCER_DEFAULTS[name]);
    const argv = producerSettingNames.flatMap((name) => [flagOf(name), String(values[name])]);
    expect(parse(...argv).twin).toMatchObject(values);
    expect(resolveTwinSettings(parse(...argv).twin)).toMatchObject(values);
  });

  it.each(producerSettingNames)('%s: its flag and option take either end of its bounds and refuse outside', (name) => {
    for (const value of inBounds(name)) expect(parse(flagOf(name), String(value)).twin[name]).toEqual(value);
    for (const value of outside(name)) {
      expect(() => parse(flagOf(name), String(value))).toThrow(flagOf(name));
      expect(() => resolveTwinSettings({ [name]: value })).toThrow(`${name} must be`);
    }
  });

  it('refuses a peak of 0, as the stack config and the handler do', () => {
    expect(PRODUCER_SETTINGS.peakLinesPerMinute.bounds).toMatchObject({ min: 1 });
    expect(() => parse('--peak', '0')).toThrow(
      "option '--peak <n>' argument '0' is invalid. must be a whole number 1..1000000.",
    );
  });
});

// Every user error is one line and exit 2, before anything runs: a run past the contract's
// last timestamp, twin flags that npm kept for itself, an unreachable database, an unknown
// git ref or a missing file name for the plan.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { personEnv, ROOT, startScriptArgs } from './support/twinProcess';

const dir = mkdtempSync(join(tmpdir(), 'twin-user-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A command as a person runs it, with the npm_ variables of the test runner left out (npm sets its own). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const out = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 170_000, env: personEnv(env) });
  const errors = out.stderr.split('\n').filter((line) => line && !line.startsWith('(run with --help'));
  return { status: out.status, errors, stdout: out.stdout };
}
const twin = (args: string[], env?: NodeJS.ProcessEnv) =>
  run(process.execPath, [...startScriptArgs(), '--data-dir', join(dir, 'pgdata'), ...args], env);

it('refuses a run that would leave the contract timestamp range, up front', () => {
  const out = twin(['--start', '9999-12-31T23:00:00Z', '--duration', '2h']);
  expect(out.errors).toEqual([
    "error: start 9999-12-31T23:00:00Z plus the run's 2h ends after 9999-12-31T23:59:59Z, the last instant a contract timestamp can hold (years 0001-9999): start by 9999-12-31T22:00:00Z at the latest",
  ]);
  expect(out.status).toBe(2);
}, 60_000);

it('refuses `npm start --fresh` (npm keeps the flag) and names the command that was meant', () => {
  const out = run('npm', ['start', '--silent', '--fresh', '--runs', '2']);
  expect(out.errors).toEqual([
    'error: npm kept --runs, --fresh for itself (npm passes flags to the twin only after --), so nothing ran: run npm start -- --runs <n> --fresh',
  ]);
  expect(out.status).toBe(2);
}, 60_000);

it('says in one line that DATABASE_URL cannot be reached, and exits 2', () => {
  const out = twin(['--runs', '1', '--in-process', '--progress', 'none'], {
    DATABASE_URL: 'postgres://twin:secret@127.0.0.1:9/twin',
  });
  expect(out.errors).toEqual([
    'error: cannot connect to DATABASE_URL (Postgres at 127.0.0.1:9/twin): connect ECONNREFUSED 127.0.0.1:9',
  ]);
  expect(out.status).toBe(2);
}, 180_000);

describe('npm run plan', () => {
  const plan = (args: string[]) => run(process.execPath, [require.resolve('tsx/cli'), 'tools/plan.ts', ...args]);

  it('names an unknown --against ref in one line, before planning anything', () => {
    const out = plan(['--stack', 'dev', '--against', 'nosuchref']);
    expect(out.errors).toEqual([
      `plan --against nosuchref: "nosuchref" names no commit in ${ROOT} (a branch, tag or commit id)`,
    ]);
    expect(out.stdout).toBe('');
    expect(out.status).toBe(2);
  }, 120_000);

  it('exits 2 with one line when --json has no file name', () => {
    const out = plan(['--stack', 'dev', '--json']);
    expect(out.errors).toEqual(["error: option '--json <file>' argument missing"]);
    expect(out.status).toBe(2);
  }, 120_000);
});

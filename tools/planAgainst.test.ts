// `plan --against` end to end, as a reviewer runs it: the CLI plans a checkout in one
// folder against a commit it exports into another. The tree under test is this
// working tree (tracked and new files, through a throwaway index), so the test sees
// uncommitted edits too.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exportCommit } from './plan';

const PROJECT = resolve(__dirname, '..');

/** A commit of the working tree as it is, without touching the real index or HEAD. */
function snapshotCommit(scratch: string): string {
  const env = {
    ...process.env,
    GIT_INDEX_FILE: join(scratch, 'index'),
    GIT_AUTHOR_NAME: 'plan test',
    GIT_AUTHOR_EMAIL: 'plan-test@localhost',
    GIT_COMMITTER_NAME: 'plan test',
    GIT_COMMITTER_EMAIL: 'plan-test@localhost',
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: PROJECT, env, encoding: 'utf8' }).trim();
  const realIndex = execFileSync('git', ['rev-parse', '--git-path', 'index'], { cwd: PROJECT, encoding: 'utf8' });
  copyFileSync(resolve(PROJECT, realIndex.trim()), env.GIT_INDEX_FILE);
  git('add', '-A');
  return git('commit-tree', git('write-tree'), '-p', 'HEAD', '-m', 'plan --against test snapshot');
}

function planAgainst(projectDir: string, ref: string, ...extra: string[]) {
  const out = spawnSync(
    process.execPath,
    [
      require.resolve('tsx/cli'),
      join(PROJECT, 'tools/plan.ts'),
      '--stack',
      'dev',
      '--project',
      projectDir,
      '--against',
      ref,
      '--quiet',
      ...extra,
    ],
    { cwd: projectDir, encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('plan --against', () => {
  let scratch: string;
  let commit: string;
  let checkout: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'bfstream-against-'));
    commit = snapshotCommit(scratch);
    // Another folder name and depth than the one --against exports the ref into.
    checkout = join(scratch, 'a', 'b', 'newcomer');
    mkdirSync(checkout, { recursive: true });
    exportCommit(commit, checkout, PROJECT);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test('an unchanged tree in another folder reports no change', () => {
    const { status, stdout, stderr } = planAgainst(checkout, commit);
    expect(stderr).not.toMatch(/refused/);
    expect(stdout).toMatch(/\(no changes\)\n\n0 to create, 0 to change, 0 to delete, \d+ unchanged/);
    expect(status).toBe(0);
  }, 480_000);

  test('a change that replaces the namespace fails, naming it, unless --allow-replace names it', () => {
    // The database name is the namespace's db_name: the provider replaces the namespace (and its data) on it.
    appendFileSync(join(checkout, 'Pulumi.dev.yaml'), '  bfstream:database: sales_v2\n');
    const refused = planAgainst(checkout, commit);
    expect(refused.stderr).toMatch(
      /refused: would be replaced: aws:redshiftserverless\/namespace:Namespace warehouse-namespace \(Redshift Serverless namespace \(the warehouse data\)\): dbName changed/,
    );
    expect(refused.stderr).toMatch(/1 stateful resource\(s\) would be replaced or lose state; pass --allow-replace/);
    expect(refused.status).toBe(1);
    const allowed = planAgainst(checkout, commit, '--allow-replace', 'warehouse-namespace');
    expect(allowed.stderr).not.toMatch(/refused/);
    expect(allowed.status).toBe(0);
  }, 480_000);
});

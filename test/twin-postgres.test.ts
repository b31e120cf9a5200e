// The twin on a PostgreSQL server (DATABASE_URL): one twin per database (an advisory
// lock), and a connection dropped mid-run ends the run in one line, exit 1, with its
// resources closed. Needs PostgreSQL's binaries (Debian: postgresql); skipped without.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { postgresBin, startPostgres, type TestPostgres } from './support/postgres';
import { startScriptArgs } from './support/twinProcess';

const bin = postgresBin();
const withPostgres = bin ? describe : describe.skip;
const CLI = startScriptArgs();

withPostgres('the twin on a PostgreSQL server', () => {
  let pg: TestPostgres;
  const root = mkdtempSync(join(tmpdir(), 'twin-pg-run-'));
  beforeAll(async () => {
    pg = await startPostgres(bin!);
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** `npm start` on the server; `onLine` sees each stdout line as it comes. */
  function twin(
    args: string[],
    onLine?: (line: string) => void,
  ): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const child = spawn(
      process.execPath,
      [...CLI, '--progress', 'lines', '--dashboard', join(root, 'd.html'), ...args],
      {
        env: { ...process.env, DATABASE_URL: pg.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      const text = c.toString();
      stdout += text;
      for (const line of text.split('\n')) if (line) onLine?.(line);
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
  }

  it('refuses a second twin on the same database, naming the holder', async () => {
    const holder = new Client({ connectionString: pg.url, application_name: 'other twin' });
    await holder.connect();
    try {
      const [{ pid }] = (
        await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_advisory_lock(1650881396)')
      ).rows;
      const out = await twin(['--runs', '1', '--demand', '50']);
      expect(out.status).toBe(2);
      expect(out.stderr).toMatch(
        new RegExp(
          `^error: Postgres at 127\\.0\\.0\\.1:\\d+/postgres is in use by another twin: server backend pid ${pid} from 127\\.0\\.0\\.1 \\(other twin\\), connected since 20\\d\\d-`,
        ),
      );
    } finally {
      await holder.end();
    }
  }, 120_000);

  it('ends a run whose connection drops in one line, exit 1', async () => {
    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    let dropped = false;
    try {
      const out = await twin(['--runs', '20', '--window', '5', '--demand', '400', '--fresh'], (line) => {
        if (dropped || !/^\[stream\] runs [1-9]/.test(line)) return;
        dropped = true;
        void admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()',
        );
      });
      expect(dropped).toBe(true);
      expect(out.status).toBe(1);
      expect(out.stderr.trim().split('\n')).toHaveLength(1);
      expect(out.stderr).toMatch(
        /^twin run failed: the warehouse \(Postgres at 127\.0\.0\.1:\d+\/postgres\) connection was lost: /,
      );
    } finally {
      await admin.end();
    }
  }, 180_000);
});

// `npm start` on a data directory made by a release's own twin upgrades it in place: no --fresh,
// no hand edits. The directory is the one the release's `npm start` left (test/fixtures/twin-
// <version>.tar.xz, made by tools/twinReleaseFixture.ts in a checkout of the release's commit);
// HEAD's twin runs one more window on it, as a user would. Then: exit 0 and the books BALANCED
// over the release's windows and the new one; HEAD's new migrations applied and no released one
// applied again or changed; every row the release loaded still there, unchanged; the views answer
// for the release's windows as they did before the upgrade, and keep up with the new window.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCatalog } from '../kernel/catalog';
import { streamNames, streams } from '../kernel/contracts';
import { allMaterializedViews, allViews, factTableDefs, qualified, retiredViews } from '../warehouse/schema';
import { openPglite, type PgliteDriver } from '../warehouse/drivers/pglite';
import { refreshViews } from '../warehouse/loader';
import { buildMigrations } from '../warehouse/migrations';
import { releases } from '../warehouse/releases';
import { MIGRATIONS_TABLE, type SqlDriver } from '../warehouse/runner';
import { quoteIdent, timestampLiteral } from '../warehouse/sql';
import type { TwinReport } from '../local/twinTypes';
import {
  isStaging,
  readTwinFixtureRecord,
  relationsOf,
  restoreTwinFixture,
  sha256Of,
  twinEnvironment,
  twinFixturePaths,
  type Relation,
} from '../tools/twinReleaseFixture';
import { startScriptArgs } from './support/twinProcess';

const ROOT = join(__dirname, '..');
const CLI = startScriptArgs();
/** HEAD's run on the release's directory: one more window, carrying on after the release's. */
const UPGRADE_RUN = ['--runs', '1', '--window', '5', '--demand', '120', '--concurrency', '1', '--progress', 'none'];

/** The twin's ledger of producer windows (local/warehouse.ts). */
const LEDGER = 'twin.windows';

/** Each row of a relation (the columns it names) as JSON, sorted: a multiset that compares whatever order rows come in. */
async function rowsOf(driver: SqlDriver, relation: Relation): Promise<string[]> {
  const rows = await driver.query(`SELECT ${relation.columns.map(quoteIdent).join(', ')} FROM ${relation.name}`);
  return rows.map((r) => JSON.stringify(r)).sort();
}

/** The rows of `before` that `after` lacks (a multiset difference). */
function missingRows(before: string[], after: string[]): string[] {
  const left = new Map<string, number>();
  for (const row of after) left.set(row, (left.get(row) ?? 0) + 1);
  return before.filter((row) => {
    const n = left.get(row) ?? 0;
    left.set(row, n - 1);
    return n <= 0;
  });
}

interface Applied {
  id: string;
  checksum: string;
  applied_at: string;
}

const appliedMigrations = (driver: SqlDriver) =>
  driver.query<Applied>(`SELECT id, checksum, applied_at::text AS applied_at FROM ${MIGRATIONS_TABLE} ORDER BY id`);

/** What a twin directory holds: its relations, their rows, and the migrations' tracking rows. */
interface Snapshot {
  relations: Relation[];
  rows: Map<string, string[]>;
  migrations: Applied[];
}

async function snapshot(dir: string): Promise<Snapshot> {
  const driver = await openPglite(dir);
  try {
    const relations = await relationsOf(driver);
    const rows = new Map<string, string[]>();
    for (const r of relations) rows.set(r.name, await rowsOf(driver, r));
    return { relations, rows, migrations: await appliedMigrations(driver) };
  } finally {
    await driver.close();
  }
}

/** Tables that hold the views' answers (the twin's materialized views and their staging), not loaded data. */
const viewState = new Set(
  [...allMaterializedViews, ...retiredViews.filter((v) => v.kind === 'materialized')].flatMap((v) => [
    qualified(v.name),
    qualified(`${v.name}__pending`),
  ]),
);
const isViewAnswer = (r: Relation) => r.kind === 'view' || viewState.has(r.name);

/** HEAD's twin, as `npm start -- <args>` runs it (tsx on local/cli.ts). */
function twin(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: twinEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

describe.each(releases.map((r) => [r.version] as const))("npm start on release %s's twin data directory", (version) => {
  const root = mkdtempSync(join(tmpdir(), `twin-upgrade-${version}-`));
  const upgraded = join(root, 'upgraded');
  /** A copy of the upgraded directory, for the views over the release's windows alone. */
  const trimmed = join(root, 'trimmed');
  let before: Snapshot;
  let run: { status: number | null; stdout: string; stderr: string };
  let report: TwinReport;
  let driver: PgliteDriver;

  beforeAll(async () => {
    // Two copies of the release's directory: one read as it was, one upgraded with no read before.
    restoreTwinFixture(version, join(root, 'before'));
    restoreTwinFixture(version, upgraded);
    before = await snapshot(join(root, 'before'));
    const json = join(root, 'report.json');
    run = await twin([...UPGRADE_RUN, '--data-dir', upgraded, '--dashboard', join(root, 'd.html'), '--json', json]);
    if (run.status !== 0) return;
    report = JSON.parse(readFileSync(json, 'utf8')) as TwinReport;
    cpSync(upgraded, trimmed, { recursive: true });
    driver = await openPglite(upgraded);
  }, 600_000);
  afterAll(async () => {
    await driver?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('is the fixture its record describes', () => {
    const record = readTwinFixtureRecord(version);
    expect(sha256Of(twinFixturePaths(version).archive)).toBe(record.sha256);
    expect(Object.fromEntries(before.relations.map((r) => [r.name, before.rows.get(r.name)!.length]))).toEqual(
      record.rows,
    );
  });

  it('upgrades it in place without --fresh: exit 0, and the books balance over the old windows and the new one', () => {
    // On failure this shows what the twin printed on stderr (a refusal, an error) beside its exit code.
    expect([run.status, run.status === 0 ? 'ok' : run.stderr.trim()]).toEqual([0, 'ok']);
    const windows = before.rows.get(LEDGER)!.length + 1;
    expect(report.warehouseBooks).toMatchObject({ balanced: true, windows, unfinished: [] });
    expect(report.books?.balanced).toBe(true);
    expect(run.stdout).toContain(`${windows} window(s) produced`);
    expect(run.stdout).toContain('BALANCED: every window ever produced is in the warehouse, once.');
    expect(run.stdout).not.toContain('NOT BALANCED');
  });

  it("applies HEAD's new migrations, and no released one again", async () => {
    const head = buildMigrations({ dialect: 'postgres' }, buildCatalog());
    const after = await appliedMigrations(driver);
    expect(after.map((m) => [m.id, m.checksum])).toEqual(head.map((m) => [m.id, m.checksum]));
    const was = new Map(before.migrations.map((m) => [m.id, m]));
    // Run by the upgrade: exactly those whose checksum the release did not record (new ones, changed repeatables).
    const due = head.filter((m) => was.get(m.id)?.checksum !== m.checksum).map((m) => m.id);
    expect(after.filter((m) => was.get(m.id)?.applied_at !== m.applied_at).map((m) => m.id)).toEqual(due);
    // The release's versioned migrations stand as it applied them: same checksum, same time.
    const versioned = new Set(head.filter((m) => !m.repeatable).map((m) => m.id));
    expect(after.filter((m) => was.has(m.id) && versioned.has(m.id))).toEqual(
      before.migrations.filter((m) => versioned.has(m.id)),
    );
  });

  it('keeps every row the release loaded, unchanged', async () => {
    const loaded = before.relations.filter(
      (r) => r.kind === 'table' && !isViewAnswer(r) && r.name !== MIGRATIONS_TABLE,
    );
    expect(loaded.map((r) => r.name)).toEqual(
      expect.arrayContaining([...factTableDefs.map((t) => qualified(t.name)), LEDGER]),
    );
    for (const r of loaded) {
      const missing = missingRows(before.rows.get(r.name)!, await rowsOf(driver, r));
      expect([r.name, missing.length, missing.slice(0, 3)]).toEqual([r.name, 0, []]);
    }
    // And the facts hold the new window's events besides.
    for (const stream of streamNames) {
      const fact = loaded.find((r) => r.name === qualified(streams[stream].contract.table))!;
      expect([fact.name, (await rowsOf(driver, fact)).length]).toEqual([
        fact.name,
        before.rows.get(fact.name)!.length + report.rowsLoaded[stream],
      ]);
    }
  });

  it("answers for the release's windows as the release's views did", async () => {
    // The upgraded warehouse without the new window's events: its views, recomputed, over the release's facts alone.
    const trimmedDriver = await openPglite(trimmed);
    try {
      const from = timestampLiteral(new Date(report.settings.start));
      for (const t of factTableDefs)
        await trimmedDriver.exec(`DELETE FROM ${qualified(t.name)} WHERE "timestamp" >= ${from}`);
      for (const r of before.relations.filter((x) => factTableDefs.some((t) => qualified(t.name) === x.name)))
        expect([r.name, await rowsOf(trimmedDriver, r)]).toEqual([r.name, before.rows.get(r.name)]);
      await refreshViews(trimmedDriver, { full: true });
      const views = before.relations.filter((r) => isViewAnswer(r) && !isStaging(r));
      const retired = new Set(retiredViews.map((v) => qualified(v.name)));
      expect(views.length).toBeGreaterThan(0);
      for (const v of views.filter((x) => !retired.has(x.name)))
        expect([v.name, await rowsOf(trimmedDriver, v)]).toEqual([v.name, before.rows.get(v.name)]);
    } finally {
      await trimmedDriver.close();
    }
  });

  it('keeps the views up with the new window: what the loads fed them is what a full recompute gives', async () => {
    const views = (await relationsOf(driver)).filter((r) => allViews.some((v) => qualified(v.name) === r.name));
    expect(views).toHaveLength(allViews.length);
    const incremental = await Promise.all(views.map((v) => rowsOf(driver, v)));
    await refreshViews(driver, { full: true });
    expect(await Promise.all(views.map((v) => rowsOf(driver, v)))).toEqual(incremental);
    const [overall] = await driver.query<{ sale_lines: number }>(
      `SELECT sale_lines FROM ${qualified('v_revenue_overall')}`,
    );
    expect(overall.sale_lines).toBe(before.rows.get(qualified('sales_transactions'))!.length + report.rowsLoaded.sales);
  });
});

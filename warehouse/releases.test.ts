// A released versioned migration never changes: every frozen release's versioned migrations are
// in HEAD's list with the same text and checksum, in both dialects, and the frozen files
// themselves are pinned by hash. The live model (views, grants, dims) reaches only repeatables.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCatalog } from '../kernel/catalog';
import { buildMigrations, checksumOf, type Migration, type MigrationTarget } from './migrations';
import { releases, releasedVersioned, type FrozenRelease } from './releases';
import { allViews, factTableDefs, qualified, renderViewsRebuild, type Dialect } from './schema';

/**
 * sha256 of each frozen file (line endings normalised). A frozen release never changes; a new
 * release adds its line here when tools/freezeRelease.ts writes its file.
 */
const FROZEN_FILES: Record<string, string> = {
  '0.1.0': 'f6b9ca8bed5ea7b3e8efc57b7531202cdb81bc432e6c87cee5d151c6c72c286b',
};

const RELEASES_DIR = join(__dirname, 'releases');
const dialects: readonly Dialect[] = ['postgres', 'redshift'];

function targetOf(release: FrozenRelease, dialect: Dialect): MigrationTarget {
  return dialect === 'postgres' ? { dialect } : { dialect, ...release.renderedWith.redshiftTarget };
}

function headMigrations(release: FrozenRelease, dialect: Dialect): Migration[] {
  const { seed, products, stores } = release.renderedWith.catalog;
  return buildMigrations(targetOf(release, dialect), buildCatalog(seed, { products, stores }));
}

describe('frozen releases', () => {
  test('every file under warehouse/releases is listed, loaded and pinned by hash', () => {
    const files = readdirSync(RELEASES_DIR).filter((f) => f.endsWith('.json'));
    expect(files.map((f) => f.replace(/\.json$/, ''))).toEqual(Object.keys(FROZEN_FILES));
    expect(releases.map((r) => r.version)).toEqual(Object.keys(FROZEN_FILES));
    for (const [version, sha] of Object.entries(FROZEN_FILES)) {
      const text = readFileSync(join(RELEASES_DIR, `${version}.json`), 'utf8').replace(/\r\n/g, '\n');
      expect([version, createHash('sha256').update(text).digest('hex')]).toEqual([version, sha]);
    }
  });

  test('package.json names the last release or the next one, and CHANGELOG.md has an entry for each', () => {
    const root = join(__dirname, '..');
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const numeric = (v: string) => v.split('.').map(Number);
    const newer = (a: string, b: string) => {
      const [x, y] = [numeric(a), numeric(b)];
      const i = x.findIndex((n, k) => n !== y[k]);
      return i >= 0 && x[i] > y[i];
    };
    const last = releases.at(-1)!.version;
    expect(version === last || newer(version, last)).toBe(true);
    const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
    for (const v of new Set([version, ...releases.map((r) => r.version)]))
      expect(changelog).toMatch(new RegExp(`^## ${v.replace(/\./g, '\\.')}\\b`, 'm'));
  });

  test('each frozen migration matches its own checksum', () => {
    for (const release of releases)
      for (const dialect of dialects)
        for (const m of release.dialects[dialect])
          expect([release.version, dialect, m.id, checksumOf(m.statements, m.transactional)]).toEqual([
            release.version,
            dialect,
            m.id,
            m.checksum,
          ]);
  });

  test.each(releases.flatMap((r) => dialects.map((d) => [r.version, d, r] as const)))(
    'HEAD keeps every versioned migration of %s (%s) unchanged, in order, and adds new ones after',
    (_version, dialect, release) => {
      const released = releasedVersioned(release, dialect);
      const head = headMigrations(release, dialect).filter((m) => !m.repeatable);
      expect(head.slice(0, released.length)).toEqual(released);
      for (const added of head.slice(released.length)) expect(added.id > released.at(-1)!.id).toBe(true);
    },
  );
});

describe('the live model reaches only repeatable migrations', () => {
  test('a view changed in the model changes R__views and no versioned migration', () => {
    const before = buildMigrations({ dialect: 'postgres' }, buildCatalog(1, { products: 3, stores: 2 }));
    let after: Migration[] = [];
    jest.isolateModules(() => {
      // The model as a later release might have it: one view fewer and one view's query changed.
      jest.doMock('./schema/views', () => {
        const actual = jest.requireActual('./schema/views');
        const [first, ...rest] = actual.allPlainViews;
        const changed = { ...first, query: `${first.query}\nWHERE 1 = 1` };
        return { ...actual, allViews: [...actual.allMaterializedViews, changed, ...rest.slice(1)] };
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module graph under the mock
      const fresh = require('./migrations') as typeof import('./migrations');
      after = fresh.buildMigrations({ dialect: 'postgres' }, buildCatalog(1, { products: 3, stores: 2 }));
    });
    const versioned = (list: Migration[]) => list.filter((m) => !m.repeatable);
    expect(versioned(after)).toEqual(versioned(before));
    const changed = after.filter((m) => before.find((b) => b.id === m.id)!.checksum !== m.checksum).map((m) => m.id);
    expect(changed).toEqual(['R__views']);
  });

  test.each(dialects)(
    'R__views (%s) drops views in reverse dependency order, creates them in order, never touches facts',
    (dialect) => {
      const statements = renderViewsRebuild(dialect);
      const createOf = (name: string) =>
        statements.findIndex((s) =>
          new RegExp(`^CREATE (OR REPLACE VIEW|MATERIALIZED VIEW|TABLE IF NOT EXISTS) ${qualified(name)}\\b`).test(s),
        );
      /** The statement that drops a name (Postgres drops a list at once). */
      const dropOf = (name: string) =>
        statements.findIndex((s) =>
          /^DROP (?:VIEW|MATERIALIZED VIEW|TABLE) IF EXISTS (.+)$/.exec(s)?.[1].split(', ').includes(qualified(name)),
        );
      for (const view of allViews) {
        const [drop, create] = [dropOf(view.name), createOf(view.name)];
        expect([view.name, drop >= 0, create > drop]).toEqual([view.name, true, true]);
        // Whatever reads this view is dropped before it (or with it) and created after it.
        for (const reader of allViews.filter((v) => v.kind === 'view' && v.reads.includes(view.name))) {
          expect(dropOf(reader.name)).toBeLessThanOrEqual(drop);
          expect(createOf(reader.name)).toBeGreaterThan(create);
        }
      }
      const facts = factTableDefs.map((t) => qualified(t.name)).join('|');
      const touchesFacts = new RegExp(
        `^(DELETE|TRUNCATE|UPDATE|INSERT|ALTER TABLE)\\b|^DROP (TABLE|VIEW|MATERIALIZED VIEW) IF EXISTS .*\\b(${facts})\\b(?!__)`,
      );
      expect(statements.filter((s) => touchesFacts.test(s))).toEqual([]);
    },
  );
});

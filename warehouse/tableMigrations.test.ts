// A stream added to the contracts needs no hand-written table or migration: its fact table takes
// the default layout (which reproduces the released facts' DDL byte for byte), and a table no
// written migration creates gets a versioned migration of its own, rendered from its contract.
import { factTables, inventoryUpdate, saleLine, type Contract } from '../kernel/contracts';
import { buildCatalog } from '../kernel/catalog';
import { releases, releasedVersioned } from './releases';
import { createdTables, tableMigrations, versionedMigrations, writtenVersioned, type Migration } from './migrations';
import { allTables, renderTableDdl, tables, type Dialect } from './schema';
import { defaultFactLayout } from './schema/tables';

const dialects: readonly Dialect[] = ['postgres', 'redshift'];

/** One more fact, as a later stream would add it (a name no stream of the contracts uses). */
const priceCheck: Contract = {
  table: 'price_checks',
  role: 'fact',
  key: 'check_id',
  fields: {
    check_id: { kind: 'id', maxBytes: 64, doc: 'Unique id of one price check.' },
    product_id: { kind: 'ref', ref: 'products', maxBytes: 16, doc: 'Product checked.' },
    timestamp: { kind: 'timestamp', doc: 'When a shopper scanned it, UTC.' },
    shown_price: { kind: 'money', min: 0.01, max: 100000, doc: 'Price the scanner showed, USD.' },
    store_id: { kind: 'ref', ref: 'stores', maxBytes: 16, doc: 'Store of the scanner.' },
  },
  columns: ['check_id', 'product_id', 'timestamp', 'shown_price', 'store_id'],
};

/** `0009` after `0008`: one more than the highest id of every versioned migration of both dialects. */
const idAfter = (lists: readonly (readonly Migration[])[]) =>
  String(Math.max(...lists.flat().map((m) => Number(m.id.slice(0, 4)))) + 1).padStart(4, '0');

/** The schema and migration modules loaded afresh over contracts whose factTables end with `extra`. */
function withExtraFact(extra: Contract): {
  migrations: typeof import('./migrations');
  schema: typeof import('./schema');
} {
  let loaded: ReturnType<typeof withExtraFact> | undefined;
  jest.isolateModules(() => {
    jest.doMock('../kernel/contracts', () => {
      const actual = jest.requireActual('../kernel/contracts');
      return { ...actual, factTables: [...actual.factTables, extra] };
    });
    /* eslint-disable @typescript-eslint/no-require-imports -- a fresh module graph under the mock */
    loaded = { migrations: require('./migrations'), schema: require('./schema') };
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
  return loaded!;
}

describe("a fact table's default layout", () => {
  test.each(dialects)('renders the released fact tables exactly as release 0.1.0 froze them (%s)', (dialect) => {
    const frozen = releases[0].dialects[dialect].find((m) => m.id === '0002_tables')!.statements;
    for (const fact of [saleLine, inventoryUpdate]) {
      expect([fact.table, defaultFactLayout(fact)]).toEqual([fact.table, tables[fact.table].physical]);
      expect(frozen).toContain(renderTableDdl(tables[fact.table], dialect)[0]);
    }
  });

  test('distributes by the product reference and sorts by the timestamp; EVEN without a product reference', () => {
    expect(defaultFactLayout(priceCheck)).toEqual({
      diststyle: 'KEY',
      distkey: 'product_id',
      sortkey: ['timestamp'],
    });
    const { product_id: _product, ...fields } = priceCheck.fields;
    const noProduct = { ...priceCheck, fields, columns: priceCheck.columns.filter((c) => c !== 'product_id') };
    expect(defaultFactLayout(noProduct)).toEqual({ diststyle: 'EVEN', sortkey: ['timestamp'] });
  });
});

describe('generated table migrations', () => {
  test.each(dialects)(
    'a contract fact table no migration creates gets the next versioned id, rendered from its contract (%s)',
    (dialect) => {
      const before = versionedMigrations(dialect);
      // Today's list: the released and written ones end at 0008, so the next is 0009 (one more per
      // table of a stream the contracts added since, which also gets a generated one).
      const next = idAfter([versionedMigrations('postgres'), versionedMigrations('redshift')]);
      const { migrations, schema } = withExtraFact(priceCheck);
      const after = migrations.versionedMigrations(dialect);
      // Everything before stays as it was; the new table's migration comes last.
      expect(after.slice(0, -1)).toEqual(before);
      const table = schema.tables['price_checks' as keyof typeof schema.tables];
      expect(after.at(-1)).toEqual(
        migrations.versionedMigration(`${next}_price_checks`, renderTableDdl(table, dialect)),
      );
      const [create] = after.at(-1)!.statements;
      expect(create).toMatch(/^CREATE TABLE IF NOT EXISTS retail\.price_checks \(/);
      if (dialect === 'redshift') expect(create).toContain('DISTKEY ("product_id")\nSORTKEY ("timestamp")');
      else expect(create).toContain('CONSTRAINT "price_checks_check_id_bytes"');
      // The whole list (repeatables too) is what the twin, the migrator and the freeze read.
      const all = migrations.buildMigrations(
        dialect === 'postgres'
          ? { dialect }
          : { dialect, copyRoleArn: 'arn:aws:iam::123456789012:role/r', bucket: 'bucket-name', region: 'us-east-1' },
        buildCatalog(1, { products: 3, stores: 2 }),
      );
      expect(all.map((m) => m.id)).toContain(`${next}_price_checks`);
    },
  );

  test.each(dialects)('no released table gets one: release 0.1.0 creates them in 0002_tables (%s)', (dialect) => {
    const released = new Set([...createdTables(releasedVersioned(releases[0], dialect))].filter((t) => t in tables));
    expect([...released].sort()).toEqual(['inventory_updates', 'products', 'sales_transactions', 'stores']);
    const creators = versionedMigrations(dialect)
      .filter((m) => [...createdTables([m])].some((t) => released.has(t)))
      .map((m) => m.id);
    expect(creators).toEqual(['0002_tables']);
    // What is written today (released, then UNRELEASED_VERSIONED) ends at 0008, every table created.
    const written = { postgres: writtenVersioned('postgres'), redshift: writtenVersioned('redshift') };
    expect(idAfter(Object.values(written))).toBe('0009');
    const generated = tableMigrations(allTables, written, dialect).map((m) => m.id.slice(5));
    expect(generated.filter((t) => released.has(t))).toEqual([]);
  });

  test('a table a hand-written migration creates gets none; the next id counts both dialects', () => {
    const written = (extra: Migration[]) => ({
      postgres: writtenVersioned('postgres'),
      redshift: [...writtenVersioned('redshift'), ...extra],
    });
    const handWritten: Migration = {
      id: '0012_price_checks_by_hand',
      statements: [`CREATE TABLE IF NOT EXISTS "retail"."price_checks" ("check_id" VARCHAR(64))`],
      checksum: '',
      transactional: true,
    };
    const table = withExtraFact(priceCheck).schema.factTableDefs.at(-1)!;
    // Redshift creates it by hand: Postgres alone gets a generated one, numbered after 0012.
    expect(tableMigrations([table], written([handWritten]), 'redshift')).toEqual([]);
    expect(tableMigrations([table], written([handWritten]), 'postgres').map((m) => m.id)).toEqual([
      '0013_price_checks',
    ]);
    expect(tableMigrations([table], written([]), 'redshift').map((m) => m.id)).toEqual(['0009_price_checks']);
  });
});

test('every fact table of the contracts has its table', () => {
  expect(factTables.map((c) => tables[c.table].name)).toEqual(factTables.map((c) => c.table));
});

// A stream added to the contracts needs no hand-written table or migration: its fact table takes
// the default layout (which reproduces the released facts' DDL byte for byte), and a table no
// written migration creates gets a versioned migration of its own, rendered from its contract.
import { factTables, inventoryUpdate, saleLine, type Contract } from '../kernel/contracts';
import { buildCatalog } from '../kernel/catalog';
import { releases, releasedVersioned } from './releases';
import { tableMigrations, versionedMigrations, type Migration } from './migrations';
import { allTables, renderTableDdl, tables, type Dialect, type TableDef } from './schema';
import { defaultFactLayout } from './schema/tables';

const dialects: readonly Dialect[] = ['postgres', 'redshift'];

/** A fourth fact as a later stream would add it: the returns of the issue 27 exercise. */
const productReturn: Contract = {
  table: 'product_returns',
  role: 'fact',
  key: 'return_id',
  fields: {
    return_id: { kind: 'id', maxBytes: 64, doc: 'Unique id of one returned line.' },
    product_id: { kind: 'ref', ref: 'products', maxBytes: 16, doc: 'Product returned.' },
    timestamp: { kind: 'timestamp', doc: 'When the store took the return, UTC.' },
    quantity: { kind: 'int', min: 1, max: 1000, doc: 'Units returned.' },
    store_id: { kind: 'ref', ref: 'stores', maxBytes: 16, doc: 'Store that took the return.' },
  },
  columns: ['return_id', 'product_id', 'timestamp', 'quantity', 'store_id'],
};

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
    expect(defaultFactLayout(productReturn)).toEqual({
      diststyle: 'KEY',
      distkey: 'product_id',
      sortkey: ['timestamp'],
    });
    const { product_id: _product, ...fields } = productReturn.fields;
    const noProduct = { ...productReturn, fields, columns: productReturn.columns.filter((c) => c !== 'product_id') };
    expect(defaultFactLayout(noProduct)).toEqual({ diststyle: 'EVEN', sortkey: ['timestamp'] });
  });
});

describe('generated table migrations', () => {
  test.each(dialects)(
    'a contract fact table no migration creates gets the next versioned id, rendered from its contract (%s)',
    (dialect) => {
      const before = versionedMigrations(dialect);
      const { migrations, schema } = withExtraFact(productReturn);
      const after = migrations.versionedMigrations(dialect);
      // Everything written stays as it was; the new table's migration comes last, after 0008.
      expect(after.slice(0, -1)).toEqual(before);
      const added = after.at(-1)!;
      expect(added.id).toBe('0009_product_returns');
      const table = schema.tables['product_returns' as keyof typeof schema.tables];
      expect(added).toEqual(migrations.versionedMigration('0009_product_returns', renderTableDdl(table, dialect)));
      expect(added.statements[0]).toMatch(/^CREATE TABLE IF NOT EXISTS retail\.product_returns \(/);
      if (dialect === 'redshift')
        expect(added.statements[0]).toContain('DISTKEY ("product_id")\nSORTKEY ("timestamp")');
      else expect(added.statements[0]).toContain('CONSTRAINT "product_returns_return_id_bytes"');
      // The whole list (repeatables too) is what the twin, the migrator and the freeze read.
      const all = migrations.buildMigrations(
        dialect === 'postgres'
          ? { dialect }
          : { dialect, copyRoleArn: 'arn:aws:iam::123456789012:role/r', bucket: 'bucket-name', region: 'us-east-1' },
        buildCatalog(1, { products: 3, stores: 2 }),
      );
      expect(all.map((m) => m.id)).toContain('0009_product_returns');
    },
  );

  test("the tables today's migrations create (released or written since) get none", () => {
    for (const dialect of dialects) {
      const written = { postgres: versionedMigrations('postgres'), redshift: versionedMigrations('redshift') };
      expect([dialect, tableMigrations(allTables, written, dialect)]).toEqual([dialect, []]);
      expect(versionedMigrations(dialect).map((m) => m.id)).toEqual(
        [...releasedVersioned(releases[0], dialect).map((m) => m.id)].concat(
          dialect === 'postgres'
            ? ['0006_load_log_attempts', '0007_load_error_ledger']
            : ['0007_load_error_ledger', '0008_engineer_monitor'],
        ),
      );
    }
  });

  test('a table a hand-written migration creates gets none; the next id counts both dialects', () => {
    const returnsTable = withExtraFact(productReturn).schema.factTableDefs.at(-1)!;
    const contractTables: readonly TableDef[] = [...allTables, returnsTable];
    const written = (extra: Migration[]) => ({
      postgres: versionedMigrations('postgres'),
      redshift: [...versionedMigrations('redshift'), ...extra],
    });
    const handWritten: Migration = {
      id: '0012_product_returns_by_hand',
      statements: [`CREATE TABLE IF NOT EXISTS "retail"."product_returns" ("return_id" VARCHAR(64))`],
      checksum: '',
      transactional: true,
    };
    // Redshift creates it by hand: Postgres alone gets a generated one, numbered after 0012.
    expect(tableMigrations(contractTables, written([handWritten]), 'redshift')).toEqual([]);
    expect(tableMigrations(contractTables, written([handWritten]), 'postgres').map((m) => m.id)).toEqual([
      '0013_product_returns',
    ]);
    expect(tableMigrations(contractTables, written([]), 'redshift').map((m) => m.id)).toEqual(['0009_product_returns']);
  });
});

test('every fact table of the contracts has its table', () => {
  expect(factTables.map((c) => tables[c.table].name)).toEqual(factTables.map((c) => c.table));
});

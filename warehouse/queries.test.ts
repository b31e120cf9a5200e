// The column types the QuickSight data sets declare are the warehouse's own: read back
// from the migrated views, so a view change that forgets viewColumns fails here.
import { dashboardQueries, viewColumns, type ColumnType } from './queries';
import { allPlainViews, WAREHOUSE_SCHEMA } from './schema';
import { openTestWarehouse } from '../test/support/warehouse';

/** How Postgres reports each type the views produce, as QuickSight reads it from Redshift. */
const QUICKSIGHT_TYPE: Record<string, ColumnType> = {
  'character varying': 'STRING',
  text: 'STRING',
  character: 'STRING',
  bigint: 'INTEGER',
  integer: 'INTEGER',
  smallint: 'INTEGER',
  numeric: 'DECIMAL',
  'timestamp without time zone': 'DATETIME',
};

it('viewColumns lists every column of every view, in order, with its type', async () => {
  const driver = await openTestWarehouse();
  try {
    const rows = (await driver.query(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = '${WAREHOUSE_SCHEMA}' ORDER BY table_name, ordinal_position`,
    )) as { table_name: string; column_name: string; data_type: string }[];
    const actual: Record<string, Record<string, string>> = {};
    for (const view of allPlainViews) actual[view.name] = {};
    for (const r of rows)
      if (r.table_name in actual)
        actual[r.table_name][r.column_name] = QUICKSIGHT_TYPE[r.data_type] ?? `unmapped ${r.data_type}`;
    expect(actual).toEqual(viewColumns);
    for (const view of allPlainViews)
      expect(Object.keys(actual[view.name])).toEqual(Object.keys(viewColumns[view.name as keyof typeof viewColumns]));
  } finally {
    await driver.close();
  }
}, 60_000);

it('each data set query is the dashboard query without its ORDER BY', () => {
  for (const q of Object.values(dashboardQueries)) {
    expect(q.dataSetSql).not.toMatch(/ORDER BY/);
    expect(q.sql.startsWith(q.dataSetSql)).toBe(true);
  }
});

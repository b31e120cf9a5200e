// The warehouse schema, defined once and rendered for two dialects: the tables
// (tables.ts, from the event contracts) and the views (views.ts) are dialect-free, and
// each dialect has one renderer (redshift.ts, postgres.ts). This module picks the
// renderer; the rest of the repo imports the schema from here.
import { postgresMaterializedViewDdl, postgresRefreshSql, postgresTableDdl } from './postgres';
import { redshiftMaterializedViewDdl, redshiftRefreshSql, redshiftTableDdl } from './redshift';
import type { TableDef } from './tables';
import { renderPlainViewDdl, type MaterializedViewDef, type ViewDef } from './views';

export type Dialect = 'postgres' | 'redshift';

/** CREATE TABLE statements for one table (idempotent). */
export function renderTableDdl(table: TableDef, dialect: Dialect): string[] {
  return dialect === 'redshift' ? redshiftTableDdl(table) : postgresTableDdl(table);
}

/** Statements that create a view (idempotent where the dialect allows). */
export function renderViewDdl(view: ViewDef, dialect: Dialect): string[] {
  if (view.kind === 'view') return renderPlainViewDdl(view);
  return dialect === 'redshift' ? redshiftMaterializedViewDdl(view) : postgresMaterializedViewDdl(view);
}

/**
 * Statements that bring one materialized view up to date. Redshift refreshes
 * incrementally itself; the twin merges the pending partial aggregates, which is
 * the same incremental step.
 */
export function renderRefreshSql(view: MaterializedViewDef, dialect: Dialect): string[] {
  return dialect === 'redshift' ? redshiftRefreshSql(view) : postgresRefreshSql(view);
}

export { quoteIdent } from '../sql';
export {
  WAREHOUSE_SCHEMA,
  allTables,
  dimTableDefs,
  factTableDefs,
  qualified,
  tables,
  type TableDef,
  type TableName,
} from './tables';
export {
  PERFORMANCE_BANDS,
  STOCKOUT_RISK_SHARE,
  allMaterializedViews,
  allPlainViews,
  allViews,
  materializedViews,
  plainViews,
  renderMaterializedQuery,
  type MaterializedViewDef,
  type PlainViewDef,
  type PlainViewName,
  type ViewDef,
} from './views';
export { renderRebuildSql, twinObjects } from './postgres';

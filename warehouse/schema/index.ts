// The warehouse schema, defined once and rendered for two dialects: the tables
// (tables.ts, from the event contracts) and the views (views.ts) are dialect-free, and
// each dialect has one renderer (redshift.ts, postgres.ts). This module picks the
// renderer; the rest of the repo imports the schema from here.
import {
  postgresDropMaterializedViews,
  postgresMaterializedViewDdl,
  postgresRefreshSql,
  postgresTableDdl,
} from './postgres';
import { redshiftMaterializedViewDdl, redshiftRefreshSql, redshiftTableDdl } from './redshift';
import { qualified, type TableDef } from './tables';
import { allViews, renderPlainViewDdl, retiredViews, type MaterializedViewDef, type ViewDef } from './views';

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
 * Drop every view and create it again from the live model, in dependency order: the repeatable
 * views migration. Retired views are dropped too. Plain views go first (they read the
 * materialized ones), then the materialized views; the creates run the other way round. Only
 * views and the twin's capture objects are dropped: never a fact or dim row.
 */
export function renderViewsRebuild(dialect: Dialect): string[] {
  const current = [...allViews].reverse();
  const drops = [...retiredViews.filter((v) => v.kind === 'view'), ...current.filter((v) => v.kind === 'view')];
  const materialized = [
    ...retiredViews.filter((v) => v.kind === 'materialized'),
    ...current.filter((v) => v.kind === 'materialized'),
  ].map((v) => v.name);
  // Postgres drops a list in one statement (fewer statements in the one transaction); Redshift one at a time.
  const dropViews =
    dialect === 'redshift'
      ? drops.map((v) => `DROP VIEW IF EXISTS ${qualified(v.name)}`)
      : [`DROP VIEW IF EXISTS ${drops.map((v) => qualified(v.name)).join(', ')}`];
  return [
    ...dropViews,
    ...(dialect === 'redshift'
      ? materialized.map((name) => `DROP MATERIALIZED VIEW IF EXISTS ${qualified(name)}`)
      : postgresDropMaterializedViews(materialized)),
    ...allViews.flatMap((v) => renderViewDdl(v, dialect)),
  ];
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
  inDependencyOrder,
  materializedViews,
  plainViews,
  renderMaterializedQuery,
  retiredViews,
  type MaterializedViewDef,
  type PlainViewDef,
  type PlainViewName,
  type ViewDef,
} from './views';
export { renderRebuildSql, twinObjects } from './postgres';

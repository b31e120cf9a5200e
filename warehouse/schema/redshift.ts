// The schema in Redshift's dialect: distribution and sort keys, ENCODE AUTO, and
// materialized views that Redshift refreshes incrementally itself (AUTO REFRESH YES).
import { quoteIdent } from '../sql';
import { qualified, renderCreateTable, type Physical, type TableDef } from './tables';
import { renderMaterializedQuery, type MaterializedViewDef } from './views';

function renderPhysical(p: Physical): string[] {
  const out = [`DISTSTYLE ${p.diststyle}`];
  if (p.distkey) out.push(`DISTKEY (${quoteIdent(p.distkey)})`);
  if (p.sortkey.length) out.push(`SORTKEY (${p.sortkey.map(quoteIdent).join(', ')})`);
  return out;
}

/** CREATE TABLE with the table's physical layout. */
export function redshiftTableDdl(table: TableDef): string[] {
  return [`${renderCreateTable(table)}\n${[...renderPhysical(table.physical), 'ENCODE AUTO'].join('\n')}`];
}

/**
 * Redshift has no CREATE MATERIALIZED VIEW IF NOT EXISTS: the views migration drops every view
 * first, in reverse dependency order (renderViewsRebuild), then creates them.
 * No BACKUP NO: it only leaves a view out of provisioned *cluster* snapshots (CREATE
 * MATERIALIZED VIEW docs); Redshift Serverless takes no cluster snapshots.
 */
export function redshiftMaterializedViewDdl(view: MaterializedViewDef): string[] {
  return [
    `CREATE MATERIALIZED VIEW ${qualified(view.name)}\n${renderPhysical(view.physical).join('\n')}\nAUTO REFRESH YES\nAS\n${renderMaterializedQuery(view)}`,
  ];
}

/** Redshift refreshes a materialized view incrementally itself. */
export function redshiftRefreshSql(view: MaterializedViewDef): string[] {
  return [`REFRESH MATERIALIZED VIEW ${qualified(view.name)}`];
}

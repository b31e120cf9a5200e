// The schema in the Postgres twin's dialect (PGlite or a Postgres server). Tables get
// the checks Redshift's types make and Postgres's do not. Postgres has no incremental
// materialized view, so the twin keeps each one as a table that a statement trigger
// feeds with partial aggregates of every insert, merged on refresh: the same
// incremental step Redshift takes.
import { quoteIdent } from '../sql';
import { factTableDefs, qualified, renderCreateTable, type TableDef } from './tables';
import {
  allMaterializedViews,
  materializedColumns,
  renderMaterializedQuery,
  type MaterializedViewDef,
  type Measure,
} from './views';

/**
 * CREATE TABLE with a named CHECK per column rule. The twin refuses what Redshift refuses:
 * a value over a VARCHAR's bytes fails the file's COPY in both, not in Redshift alone.
 * Named, so a load error says which rule.
 */
export function postgresTableDdl(table: TableDef): string[] {
  const checks = table.columns.flatMap((c) =>
    c.twinChecks.map(
      ({ name, check }) => `CONSTRAINT ${quoteIdent(`${table.name}_${c.name}_${name}`)} CHECK (${check})`,
    ),
  );
  return [renderCreateTable(table, checks)];
}

/** A fact table's capture trigger and its function (one per fact table, feeding every view over it). */
function captureOf(fact: string): { captureFunction: string; trigger: string } {
  return { captureFunction: qualified(`${fact}__capture`), trigger: `${fact}__capture` };
}

/** Twin-only names of a materialized view's pending partial aggregates and of its fact table's capture trigger. */
export function twinObjects(view: MaterializedViewDef): {
  pending: string;
  captureFunction: string;
  trigger: string;
  keyIndex: string;
} {
  return { pending: qualified(`${view.name}__pending`), ...captureOf(view.fact.name), keyIndex: `${view.name}__key` };
}

/**
 * Drop the twin's materialized views by name: every fact table's capture trigger and function
 * first (a trigger left over a dropped pending table would fail every load), then each view's
 * pending table and table. Fact rows are never touched.
 */
export function postgresDropMaterializedViews(names: readonly string[]): string[] {
  const captures = factTableDefs.map((fact) => ({ fact: qualified(fact.name), ...captureOf(fact.name) }));
  return [
    ...captures.map((c) => `DROP TRIGGER IF EXISTS ${c.trigger} ON ${c.fact}`),
    `DROP FUNCTION IF EXISTS ${captures.map((c) => `${c.captureFunction}()`).join(', ')}`,
    ...(names.length
      ? [`DROP TABLE IF EXISTS ${names.flatMap((n) => [qualified(`${n}__pending`), qualified(n)]).join(', ')}`]
      : []),
  ];
}

const keysOf = (view: MaterializedViewDef) => view.groupBy.map((g) => quoteIdent(g.name));

/**
 * The capture function of a view's fact table. One statement trigger per fact table feeds
 * every view over it created so far (views are created in order, each replacing the function
 * with one more capture): one pass of trigger overhead per COPY instead of one per view.
 */
function captureFunctionSql(view: MaterializedViewDef): string {
  const sameFact = allMaterializedViews.filter((v) => v.fact === view.fact);
  const captured = sameFact.slice(0, sameFact.indexOf(view) + 1);
  const inserts = captured.map(
    (v) =>
      `  INSERT INTO ${twinObjects(v).pending} (${materializedColumns(v).map(quoteIdent).join(', ')})\n${renderMaterializedQuery(v, 'new_rows')};`,
  );
  return `CREATE OR REPLACE FUNCTION ${twinObjects(view).captureFunction}() RETURNS trigger LANGUAGE plpgsql AS $capture$
BEGIN
${inserts.join('\n')}
  RETURN NULL;
END
$capture$`;
}

/** A table built WITH DATA from the view's query; later inserts reach it through the pending table. */
export function postgresMaterializedViewDdl(view: MaterializedViewDef): string[] {
  const twin = twinObjects(view);
  return [
    `CREATE TABLE IF NOT EXISTS ${qualified(view.name)} AS\n${renderMaterializedQuery(view)}\nWITH DATA`,
    `CREATE UNIQUE INDEX IF NOT EXISTS ${twin.keyIndex} ON ${qualified(view.name)} (${keysOf(view).join(', ')})`,
    `CREATE TABLE IF NOT EXISTS ${twin.pending} (LIKE ${qualified(view.name)})`,
    captureFunctionSql(view),
    `CREATE OR REPLACE TRIGGER ${twin.trigger} AFTER INSERT ON ${qualified(view.fact.name)} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${twin.captureFunction}()`,
  ];
}

/** How two partial aggregates of a measure merge: counts and sums add, minima and maxima compare. */
const MERGE = { sum: 'SUM', count: 'SUM', min: 'MIN', max: 'MAX' } as const;

function combine(m: Measure): string {
  const c = quoteIdent(m.name);
  if (m.agg === 'min') return `${c} = LEAST(t.${c}, EXCLUDED.${c})`;
  if (m.agg === 'max') return `${c} = GREATEST(t.${c}, EXCLUDED.${c})`;
  return `${c} = t.${c} + EXCLUDED.${c}`;
}

/**
 * Merge the pending partial aggregates into the view, under a lock so no insert slips
 * between merge and clear.
 */
export function postgresRefreshSql(view: MaterializedViewDef): string[] {
  const twin = twinObjects(view);
  const keys = keysOf(view);
  const columns = materializedColumns(view).map(quoteIdent);
  return [
    `LOCK TABLE ${twin.pending} IN EXCLUSIVE MODE`,
    `INSERT INTO ${qualified(view.name)} AS t (${columns.join(', ')})
SELECT ${[...keys, ...view.measures.map((m) => `${MERGE[m.agg]}(${quoteIdent(m.name)})`)].join(', ')}
FROM ${twin.pending}
GROUP BY ${keys.join(', ')}
ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${view.measures.map(combine).join(', ')}`,
    `TRUNCATE ${twin.pending}`,
  ];
}

/** Recompute a materialized view from the facts (after a delete or update of facts). */
export function renderRebuildSql(view: MaterializedViewDef): string[] {
  const twin = twinObjects(view);
  return [
    `LOCK TABLE ${twin.pending} IN EXCLUSIVE MODE`,
    `TRUNCATE ${qualified(view.name)}`,
    `INSERT INTO ${qualified(view.name)}\n${renderMaterializedQuery(view)}`,
    `TRUNCATE ${twin.pending}`,
  ];
}

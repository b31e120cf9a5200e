// The tables, derived from the event contracts: columns, order, key and type come
// from kernel/contracts.ts; this file adds only the physical layout Redshift needs (a fact's
// is derived too, unless it overrides it). Dialect-free: redshift.ts and postgres.ts render it.
import {
  dimensions,
  factTables,
  kindRules,
  product,
  store,
  type Contract,
  type FieldSpec,
  type Fields,
} from '../../kernel/contracts';
import { quoteIdent } from '../sql';

/** Every warehouse object lives in this schema. */
export const WAREHOUSE_SCHEMA = 'retail';

/** `retail.name`. */
export function qualified(name: string): string {
  return `${WAREHOUSE_SCHEMA}.${name}`;
}

export interface ColumnDef {
  readonly name: string;
  /** The same type text in both dialects. */
  readonly sqlType: string;
  readonly nullable: boolean;
  /** Twin only: what Redshift's type refuses and Postgres's does not (a VARCHAR's byte length). */
  readonly twinChecks: readonly { name: string; check: string }[];
  readonly doc: string;
}

export interface Physical {
  readonly diststyle: 'KEY' | 'ALL' | 'EVEN';
  readonly distkey?: string;
  readonly sortkey: readonly string[];
}

export interface TableDef {
  readonly name: string;
  readonly role: 'fact' | 'dim';
  readonly columns: readonly ColumnDef[];
  /** The contract's key. Declared (and enforced) for the dims only: see renderCreateTable. */
  readonly primaryKey: string;
  readonly physical: Physical;
}

function defineTable<F extends Fields>(contract: Contract<F>, physical: Physical): TableDef {
  // The type in both dialects and the twin's extra checks are the field kind's rule in the contracts.
  const columns = contract.columns.map((name) => {
    const spec: FieldSpec = contract.fields[name];
    return {
      name,
      sqlType: kindRules[spec.kind].sqlType(spec),
      nullable: spec.nullable === true,
      twinChecks: kindRules[spec.kind].twinChecks(quoteIdent(name), spec),
      doc: spec.doc,
    };
  });
  for (const key of [physical.distkey, ...physical.sortkey]) {
    if (key !== undefined && !columns.some((c) => c.name === key))
      throw new Error(`${contract.table}: physical key ${key} is not a column`);
  }
  return Object.freeze({
    name: contract.table,
    role: contract.role,
    columns,
    primaryKey: contract.key,
    physical,
  });
}

/**
 * A fact's default layout: distributed by its product reference, the widest join and group key
 * (every view joins or groups facts by product), and sorted by its first timestamp, the range
 * every window and view filters on. A fact without a product reference is spread EVEN.
 */
export function defaultFactLayout(contract: {
  readonly columns: readonly string[];
  readonly fields: Fields;
}): Physical {
  const first = (match: (spec: FieldSpec) => boolean) => contract.columns.find((name) => match(contract.fields[name]));
  const productRef = first((spec) => spec.kind === 'ref' && spec.ref === 'products');
  const timestamp = first((spec) => spec.kind === 'timestamp');
  const sortkey = timestamp === undefined ? [] : [timestamp];
  return productRef === undefined ? { diststyle: 'EVEN', sortkey } : { diststyle: 'KEY', distkey: productRef, sortkey };
}

type FactTableName = (typeof factTables)[number]['table'];

/** A fact that needs another layout than defaultFactLayout names it here (none does today). */
const factLayoutOverrides: Partial<Record<FactTableName, Physical>> = {};

const factTableByName = Object.fromEntries(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any fact contract: read by column name, whatever its record type
  factTables.map((c: Contract<any>) => [
    c.table,
    defineTable(c, factLayoutOverrides[c.table as FactTableName] ?? defaultFactLayout(c)),
  ]),
) as Record<FactTableName, TableDef>;

/** Every table: the dims, with their layout (small, so on every node), then one per fact contract. */
export const tables = {
  products: defineTable(product, { diststyle: 'ALL', sortkey: ['product_id'] }),
  stores: defineTable(store, { diststyle: 'ALL', sortkey: ['store_id'] }),
  ...factTableByName,
} as const;
export type TableName = keyof typeof tables;

/** Dims first, then facts. */
export const allTables: readonly TableDef[] = [...dimensions, ...factTables].map((c) => tables[c.table as TableName]);
export const factTableDefs: readonly TableDef[] = factTables.map((c) => tables[c.table as TableName]);
export const dimTableDefs: readonly TableDef[] = dimensions.map((c) => tables[c.table as TableName]);

/**
 * `CREATE TABLE IF NOT EXISTS` with the columns, then `constraints` (the twin's checks),
 * then the key where something enforces it. The dialect renderers add their own clauses.
 */
export function renderCreateTable(table: TableDef, constraints: readonly string[] = []): string {
  const lines = table.columns.map((c) => `  ${quoteIdent(c.name)} ${c.sqlType}${c.nullable ? '' : ' NOT NULL'}`);
  lines.push(...constraints.map((c) => `  ${c}`));
  // Keys only where something enforces them. Redshift enforces none, and its planner
  // trusts the declared ones ("Table constraints": a SELECT DISTINCT may return
  // duplicates if a primary key is not unique; "Define primary key and foreign key
  // constraints": do not define them unless the application enforces them).
  // - Dims: their ids are unique by construction (the catalog numbers them), the one
  //   migration that loads them replaces them whole, and the twin enforces the key.
  // - Facts: no key. The consumer refuses a duplicate id within a chunk only; a sender
  //   could repeat an id in another chunk, which would load twice. The books (each
  //   event exactly once, by id) catch that in the twin. Nor foreign keys: the consumer
  //   checks references against the catalog it was deployed with, and a smaller
  //   catalog later replaces the dims under facts that still name the old ids.
  if (table.role === 'dim') lines.push(`  PRIMARY KEY (${quoteIdent(table.primaryKey)})`);
  return `CREATE TABLE IF NOT EXISTS ${qualified(table.name)} (\n${lines.join(',\n')}\n)`;
}

// The one definition of every record that crosses a boundary in the pipeline.
// Each contract drives: event validation (here), CSV column order (csv.ts), the
// warehouse table DDL (warehouse/) and the generator's output type (generator.ts).

export type FieldKind = 'id' | 'ref' | 'text' | 'int' | 'money' | 'timestamp' | 'enum';

export interface FieldSpec {
  readonly kind: FieldKind;
  /** Longest accepted string (id, ref, text, enum); also the VARCHAR width in the warehouse. */
  readonly maxLength?: number;
  /** Inclusive bounds for int and money fields. */
  readonly min?: number;
  readonly max?: number;
  /** For `ref`: which dimension the id must exist in. */
  readonly ref?: 'products' | 'stores';
  /** For `enum`: the accepted values. */
  readonly values?: readonly string[];
  /** A nullable field may be absent or null; every other field is required. */
  readonly nullable?: boolean;
  /** Human description; rendered as a column comment in docs. */
  readonly doc: string;
}

export type Fields = Readonly<Record<string, FieldSpec>>;

export interface Contract<F extends Fields = Fields> {
  /** Warehouse table name. */
  readonly table: string;
  /** Facts arrive on a stream; dims are loaded once. */
  readonly role: 'fact' | 'dim';
  /** The field that identifies one record exactly once. */
  readonly key: keyof F & string;
  readonly fields: F;
  /** Column order for CSV files and table DDL: the field order of the definition. */
  readonly columns: readonly (keyof F & string)[];
}

type FieldValue<S extends FieldSpec> = S['kind'] extends 'int' | 'money'
  ? number
  : S['kind'] extends 'enum'
    ? S['values'] extends readonly (infer V)[]
      ? V
      : string
    : string;

type NullableKeys<F extends Fields> = { [K in keyof F]: F[K]['nullable'] extends true ? K : never }[keyof F];

/** The TypeScript type of one record of a contract. */
export type RecordOf<C extends { readonly fields: Fields }> = {
  -readonly [K in Exclude<keyof C['fields'], NullableKeys<C['fields']>>]: FieldValue<C['fields'][K]>;
} & {
  -readonly [K in NullableKeys<C['fields']>]?: FieldValue<C['fields'][K]> | null;
};

function defineContract<const F extends Fields>(table: string, role: 'fact' | 'dim', key: keyof F & string, fields: F): Contract<F> {
  return Object.freeze({ table, role, key, fields, columns: Object.keys(fields) as (keyof F & string)[] });
}

const ID = 64;

export const saleLine = defineContract('sales_transactions', 'fact', 'transaction_id', {
  transaction_id: { kind: 'id', maxLength: ID, doc: 'Unique id of one sale line; the exactly-once key.' },
  product_id: { kind: 'ref', ref: 'products', maxLength: 16, doc: 'Product sold.' },
  timestamp: { kind: 'timestamp', doc: 'When the basket was paid, UTC.' },
  quantity: { kind: 'int', min: 1, max: 1000, doc: 'Units sold on this line.' },
  unit_price: { kind: 'money', min: 0.01, max: 100000, doc: 'Price paid per unit after discount, USD.' },
  store_id: { kind: 'ref', ref: 'stores', maxLength: 16, doc: 'Store where the basket was paid.' },
  basket_id: { kind: 'id', maxLength: ID, doc: 'Basket (receipt) the line belongs to.' },
  discount_pct: { kind: 'int', min: 0, max: 90, doc: 'Discount applied to the list price, in percent.' },
} as const);

export const inventoryUpdate = defineContract('inventory_updates', 'fact', 'update_id', {
  update_id: { kind: 'id', maxLength: ID, doc: 'Unique id of one stock movement; the exactly-once key.' },
  product_id: { kind: 'ref', ref: 'products', maxLength: 16, doc: 'Product whose stock moved.' },
  timestamp: { kind: 'timestamp', doc: 'When the stock moved, UTC.' },
  quantity_change: { kind: 'int', min: -1000, max: 100000, doc: 'Units added (restock) or removed (sale).' },
  store_id: { kind: 'ref', ref: 'stores', maxLength: 16, doc: 'Store whose stock moved.' },
  reason: { kind: 'enum', values: ['sale', 'restock'], maxLength: 16, doc: 'Why the stock moved.' },
  transaction_id: { kind: 'id', maxLength: ID, nullable: true, doc: 'Sale line that caused a sale movement; null for restocks.' },
} as const);

export const product = defineContract('products', 'dim', 'product_id', {
  product_id: { kind: 'id', maxLength: 16, doc: 'Product id, e.g. P0001.' },
  name: { kind: 'text', maxLength: 128, doc: 'Product name.' },
  category: { kind: 'text', maxLength: 64, doc: 'Merchandise category.' },
  price: { kind: 'money', min: 0.01, max: 100000, doc: 'List price, USD.' },
  supplier_id: { kind: 'id', maxLength: 16, doc: 'Supplier id.' },
} as const);

export const store = defineContract('stores', 'dim', 'store_id', {
  store_id: { kind: 'id', maxLength: 16, doc: 'Store id, e.g. S001.' },
  city: { kind: 'text', maxLength: 64, doc: 'City of the store.' },
  state: { kind: 'text', maxLength: 64, doc: 'State of the store.' },
  region: { kind: 'text', maxLength: 32, doc: 'Sales region.' },
  size: { kind: 'enum', values: ['small', 'medium', 'large'], maxLength: 8, doc: 'Store format.' },
  manager: { kind: 'text', maxLength: 64, doc: 'Store manager.' },
} as const);

export type SaleLine = RecordOf<typeof saleLine>;
export type InventoryUpdate = RecordOf<typeof inventoryUpdate>;
export type Product = RecordOf<typeof product>;
export type Store = RecordOf<typeof store>;

/** The two event streams, each carrying one fact contract. */
export const streams = {
  sales: { contract: saleLine, prefix: 'sales/' },
  inventory: { contract: inventoryUpdate, prefix: 'inventory/' },
} as const;
export type StreamName = keyof typeof streams;
export const streamNames = Object.keys(streams) as StreamName[];

export const dimensions = [product, store] as const;
export const factTables = [saleLine, inventoryUpdate] as const;
export const rejectedPrefix = 'rejected/';

/** Known dimension ids, for reference checks. */
export interface KnownIds {
  readonly products: ReadonlySet<string>;
  readonly stores: ReadonlySet<string>;
}

/** The ids a consumer checks references against, from the dims. */
export function knownIdsOf(dims: { products: readonly Product[]; stores: readonly Store[] }): KnownIds {
  return { products: new Set(dims.products.map((p) => p.product_id)), stores: new Set(dims.stores.map((s) => s.store_id)) };
}

export interface Problem {
  readonly field: string;
  readonly message: string;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The value of `length` ASCII digits at `at`, or -1 if any is not a digit. */
function digitsAt(value: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * True for an ISO-8601 UTC timestamp ('Z' suffix) that names a real instant:
 * `YYYY-MM-DDTHH:MM:SS`, optionally `.s` to `.sss`, then `Z`. Read character by
 * character, not by a regex or Date: this runs once per event on the hot path.
 */
export function isIsoUtc(value: string): boolean {
  const n = value.length;
  if (n !== 20 && (n < 22 || n > 24)) return false;
  if (value[4] !== '-' || value[7] !== '-' || value[10] !== 'T' || value[13] !== ':' || value[16] !== ':' || value[n - 1] !== 'Z') return false;
  if (n > 20 && (value[19] !== '.' || digitsAt(value, 20, n - 21) < 0)) return false;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0;
  return day <= DAYS_IN_MONTH[month - 1] + leap;
}

/** The problem with one field's value, or undefined when it is fine. */
function fieldProblem(spec: FieldSpec, value: unknown, known: KnownIds | undefined): string | undefined {
  if (value === undefined || value === null) return spec.nullable ? undefined : 'is required';
  if (spec.kind === 'int' || spec.kind === 'money') {
    if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a number, got ${describe(value)}`;
    if (spec.kind === 'int' && !Number.isInteger(value)) return `must be a whole number, got ${value}`;
    if (spec.kind === 'money' && Math.abs(Math.round(value * 100) - value * 100) > 1e-6) return `must have at most 2 decimals, got ${value}`;
    if (spec.min !== undefined && value < spec.min) return `must be >= ${spec.min}, got ${value}`;
    if (spec.max !== undefined && value > spec.max) return `must be <= ${spec.max}, got ${value}`;
    return undefined;
  }
  if (typeof value !== 'string') return `must be a string, got ${describe(value)}`;
  if (value.length === 0) return 'must not be empty';
  if (spec.maxLength !== undefined && value.length > spec.maxLength) return `must be at most ${spec.maxLength} characters, got ${value.length}`;
  if (spec.kind === 'timestamp' && !isIsoUtc(value)) return `must be an ISO-8601 UTC timestamp like 2026-11-27T09:00:00Z, got ${JSON.stringify(value)}`;
  if (spec.kind === 'enum' && !spec.values!.includes(value)) return `must be one of ${spec.values!.join(', ')}, got ${JSON.stringify(value)}`;
  if (spec.kind === 'ref' && known && !known[spec.ref!].has(value)) return `unknown ${spec.ref!.slice(0, -1)} id ${JSON.stringify(value)}`;
  return undefined;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  return typeof value === 'string' ? `string ${JSON.stringify(value)}` : typeof value;
}

/** Cross-field rules that a single field spec cannot express. */
const recordRules: Partial<Record<string, (record: Record<string, unknown>) => Problem | undefined>> = {
  [inventoryUpdate.table]: (r) => {
    const change = r.quantity_change;
    if (typeof change !== 'number') return undefined;
    if (change === 0) return { field: 'quantity_change', message: 'must not be 0' };
    if (r.reason === 'sale' && change > 0) return { field: 'quantity_change', message: `must be negative for a sale, got ${change}` };
    if (r.reason === 'sale' && (r.transaction_id === undefined || r.transaction_id === null)) return { field: 'transaction_id', message: 'is required for a sale' };
    if (r.reason === 'restock' && change < 0) return { field: 'quantity_change', message: `must be positive for a restock, got ${change}` };
    return undefined;
  },
};

/** What a valid record gets back; shared and frozen, since nearly every record is valid. */
const NO_PROBLEMS: readonly Problem[] = Object.freeze([]);

/**
 * Every problem with a record against its contract, or [] when it is valid.
 * With `known`, product and store ids must exist in the catalog.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function validate(contract: Contract<any>, record: unknown, known?: KnownIds): readonly Problem[] {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return [{ field: '(record)', message: `must be a JSON object, got ${record === null ? 'null' : describe(record)}` }];
  }
  // Allocated on the first problem only: the valid record is the hot path.
  let problems: Problem[] | undefined;
  const fields = contract.fields as Fields;
  const values = record as Record<string, unknown>;
  for (const name of contract.columns) {
    const message = fieldProblem(fields[name], values[name], known);
    if (message !== undefined) (problems ??= []).push({ field: name, message });
  }
  for (const name in values) {
    if (!(name in fields)) (problems ??= []).push({ field: name, message: 'is not a field of ' + contract.table });
  }
  const broken = recordRules[contract.table]?.(values);
  if (broken) (problems ??= []).push(broken);
  return problems ?? NO_PROBLEMS;
}

/** Narrowing form of `validate`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function isValid<C extends Contract<any>>(contract: C, record: unknown, known?: KnownIds): record is RecordOf<C> {
  return validate(contract, record, known).length === 0;
}

/** `2026-11-27T09:00:00Z` -> `2026-11-27 09:00:00`, the form both Redshift TIMESTAMP and Postgres load. */
export function toCsvTimestamp(iso: string): string {
  return iso.slice(0, 10) + ' ' + iso.slice(11, 19);
}

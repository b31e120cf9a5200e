// The one definition of every record that crosses a boundary in the pipeline.
// Each contract drives: event validation (here), CSV column order (csv.ts), the
// warehouse table DDL (warehouse/) and the generator's output type (generator.ts).
import { Problems } from './problems';

export type FieldKind = 'id' | 'ref' | 'text' | 'int' | 'money' | 'timestamp' | 'enum';

export interface FieldSpec {
  readonly kind: FieldKind;
  /** Longest accepted string (id, ref, text, enum) in UTF-8 bytes; also the VARCHAR width, which Redshift counts in bytes. */
  readonly maxBytes?: number;
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

export interface Contract<F extends Fields = Fields, T extends string = string> {
  /** Warehouse table name (a literal type: the warehouse's table names derive from the contracts). */
  readonly table: T;
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

// ---------------------------------------------------------------------------
// Field kinds: the rule of each, written once. Validation (below), the CSV cell
// (csv.ts) and the column type with the twin's extra checks (warehouse/schema/tables.ts)
// all read it. The rules are Redshift's, the stricter of the two warehouses: what
// passes them loads in Redshift and in Postgres alike, so one bad event can never
// fail the COPY of a file, and with it every good event of that file.

/** Redshift's limits, from its Database Developer Guide, "Data types". */
const REDSHIFT_LIMITS = Object.freeze({
  // "Numeric types": INTEGER (INT4) holds -2147483648 to +2147483647.
  integerMin: -2147483648,
  integerMax: 2147483647,
  // "Numeric types": DECIMAL(precision, scale); money is DECIMAL(12,2), so 10 digits before the point.
  moneyPrecision: 12,
  moneyScale: 2,
  // "Character types": "CHAR and VARCHAR data types are defined in terms of bytes, not characters";
  // a VARCHAR holds at most 65535 bytes.
  varcharMaxBytes: 65535,
  // "Datetime types": TIMESTAMP ranges from 4713 BC to 294276 AD. The contract takes the four-digit
  // years 0001-9999, inside that range (and Postgres's: year 0 does not exist in either).
  timestampMinYear: 1,
  timestampMaxYear: 9999,
});

/** The first and last instants a contract timestamp can hold (years 0001-9999 UTC): a run's windows must lie inside. */
export const CONTRACT_TIMESTAMP_RANGE = Object.freeze({
  first: `${String(REDSHIFT_LIMITS.timestampMinYear).padStart(4, '0')}-01-01T00:00:00Z`,
  last: `${REDSHIFT_LIMITS.timestampMaxYear}-12-31T23:59:59Z`,
});

/** Largest DECIMAL(12,2) value: 9999999999.99. */
export const MONEY_MAX =
  10 ** (REDSHIFT_LIMITS.moneyPrecision - REDSHIFT_LIMITS.moneyScale) - 10 ** -REDSHIFT_LIMITS.moneyScale;

export interface KindRule {
  /** Column type, the same text in Redshift and Postgres. */
  sqlType(spec: FieldSpec): string;
  /** Twin only: CHECKs on a (quoted) column that Redshift's type implies and Postgres's does not, each with a name suffix. */
  twinChecks(column: string, spec: FieldSpec): { name: string; check: string }[];
  /** The problem with a present (non-null) value, or undefined when every warehouse loads it. */
  problem(spec: FieldSpec, value: unknown, known: KnownIds | undefined): string | undefined;
  /** A valid value as a CSV cell, in the form COPY reads; without it the value is written as is. */
  csvText?(value: never): string;
  /** What the contract accepts, and which Redshift rule it mirrors (the table in docs/WAREHOUSE.md). */
  readonly accepts: string;
  readonly mirrors: string;
}

/** The characters of ids and references: one UTF-8 byte each, none that CSV or COPY treats specially. */
const ID_CHARACTERS = 'A-Z a-z 0-9 _ . -';
const NOT_ID_CHARACTER = /[^A-Za-z0-9_.-]/;

/** `"é" (U+00E9) at 3`: the character at i, for a problem message. */
function charAt(value: string, i: number): string {
  const code = value.codePointAt(i)!;
  return `${JSON.stringify(String.fromCodePoint(code))} (U+${code.toString(16).toUpperCase().padStart(4, '0')}) at ${i}`;
}

function idProblem(value: unknown, maxBytes: number): string | undefined {
  if (typeof value !== 'string') return `must be a string, got ${describe(value)}`;
  if (value.length === 0) return 'must not be empty';
  const bad = value.search(NOT_ID_CHARACTER);
  if (bad >= 0) return `must contain only ${ID_CHARACTERS}, got ${charAt(value, bad)}`;
  // Every accepted character is one byte, so the length is the byte length.
  if (value.length > maxBytes) return `must be at most ${maxBytes} bytes, got ${value.length}`;
  return undefined;
}

/** Control characters: C0 (with NUL, tab, newline), DEL and C1. */
const isControl = (c: number) => c < 0x20 || (c >= 0x7f && c <= 0x9f);

function textProblem(value: unknown, maxBytes: number): string | undefined {
  if (typeof value !== 'string') return `must be a string, got ${describe(value)}`;
  if (value.length === 0) return 'must not be empty';
  // One pass: control characters, lone surrogates (not encodable as UTF-8) and the UTF-8 length.
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isControl(c)) return `must not contain control characters, got ${charAt(value, i)}`;
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c < 0xd800 || c > 0xdfff) bytes += 3;
    else {
      const next = value.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff))
        return `must be well-formed Unicode, got a lone surrogate ${charAt(value, i)}`;
      bytes += 4;
      i++;
    }
  }
  if (bytes > maxBytes) return `must be at most ${maxBytes} UTF-8 bytes, got ${bytes}`;
  return undefined;
}

function numberProblem(spec: FieldSpec, value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a number, got ${describe(value)}`;
  if (spec.kind === 'int' && !Number.isInteger(value)) return `must be a whole number, got ${value}`;
  // A field's own bounds, else the whole range of its SQL type.
  const min = spec.min ?? (spec.kind === 'int' ? REDSHIFT_LIMITS.integerMin : -MONEY_MAX);
  if (value < min) return `must be >= ${min}, got ${value}`;
  const max = spec.max ?? (spec.kind === 'int' ? REDSHIFT_LIMITS.integerMax : MONEY_MAX);
  if (value > max) return `must be <= ${max}, got ${value}`;
  // Exactly the doubles nearest to a two-decimal amount (0.1 + 0.2 is not one), so the CSV's
  // toFixed(2) is the value itself. Exact within DECIMAL(12,2)'s range, checked above.
  if (spec.kind === 'money' && Math.round(value * 100) / 100 !== value)
    return `must have at most 2 decimals, got ${value}`;
  return undefined;
}

const varchar = (spec: FieldSpec) => `VARCHAR(${spec.maxBytes})`;
/** Postgres's VARCHAR(n) counts characters; Redshift's counts bytes, so the twin checks bytes too. */
const byteLength = (column: string, spec: FieldSpec) => [
  { name: 'bytes', check: `octet_length(${column}) <= ${spec.maxBytes}` },
];
const VARCHAR_RULE =
  '"Character types": VARCHAR(n) holds n bytes, not characters; "Preparing your input data": a NUL fails the COPY';

export const kindRules: Readonly<Record<FieldKind, KindRule>> = {
  id: {
    sqlType: varchar,
    twinChecks: byteLength,
    problem: (spec, value) => idProblem(value, spec.maxBytes!),
    accepts: `a non-empty string of ${ID_CHARACTERS}, at most maxBytes bytes`,
    mirrors: VARCHAR_RULE,
  },
  ref: {
    sqlType: varchar,
    twinChecks: byteLength,
    problem: (spec, value, known) =>
      idProblem(value, spec.maxBytes!) ??
      (known && !known[spec.ref!].has(value as string)
        ? `unknown ${spec.ref!.slice(0, -1)} id ${JSON.stringify(value)}`
        : undefined),
    accepts: `as id, and the id exists in its dimension (the consumer's catalog)`,
    mirrors: VARCHAR_RULE,
  },
  text: {
    sqlType: varchar,
    twinChecks: byteLength,
    problem: (spec, value) => textProblem(value, spec.maxBytes!),
    accepts:
      'a non-empty, well-formed Unicode string without control characters (U+0000-U+001F, U+007F-U+009F), at most maxBytes UTF-8 bytes',
    mirrors: `${VARCHAR_RULE}; "Preparing your input data": only UTF-8 characters of up to four bytes`,
  },
  enum: {
    sqlType: varchar,
    twinChecks: byteLength,
    problem: (spec, value) =>
      typeof value !== 'string'
        ? `must be a string, got ${describe(value)}`
        : spec.values!.includes(value)
          ? undefined
          : `must be one of ${spec.values!.join(', ')}, got ${JSON.stringify(value)}`,
    accepts: `one of the listed values (each itself of ${ID_CHARACTERS}, at most maxBytes bytes)`,
    mirrors: VARCHAR_RULE,
  },
  int: {
    sqlType: () => 'INTEGER',
    twinChecks: () => [],
    problem: numberProblem,
    accepts: `a JSON number that is a whole number within [min, max], bounds inside ${REDSHIFT_LIMITS.integerMin}..${REDSHIFT_LIMITS.integerMax}`,
    mirrors:
      '"Numeric types": INTEGER holds -2147483648 to +2147483647, and no value outside it can be stored (Postgres: the same)',
  },
  money: {
    sqlType: () => `DECIMAL(${REDSHIFT_LIMITS.moneyPrecision},${REDSHIFT_LIMITS.moneyScale})`,
    twinChecks: () => [],
    problem: numberProblem,
    csvText: (value: number) => value.toFixed(REDSHIFT_LIMITS.moneyScale),
    accepts: `a JSON number with at most 2 decimals within [min, max], bounds inside -${MONEY_MAX}..${MONEY_MAX}; written with exactly 2 decimals`,
    mirrors:
      '"Numeric types": a value with more digits before the point than precision minus scale (10) cannot be copied; more decimals than the scale are rounded (Postgres: the same)',
  },
  timestamp: {
    sqlType: () => 'TIMESTAMP',
    twinChecks: () => [],
    problem: (_spec, value) =>
      typeof value !== 'string'
        ? `must be a string, got ${describe(value)}`
        : isIsoUtc(value)
          ? undefined
          : `must be an ISO-8601 UTC timestamp like 2026-11-27T09:00:00Z (years 0001-9999), got ${JSON.stringify(value)}`,
    csvText: (value: string) => toCsvTimestamp(value),
    accepts: 'a real UTC instant `YYYY-MM-DDTHH:MM:SS[.s-sss]Z`, years 0001-9999; written as `YYYY-MM-DD HH:MM:SS`',
    mirrors:
      '"Datetime types": TIMESTAMP is 4713 BC to 294276 AD; "Preparing your input data": the default timestamp format is YYYY-MM-DD hh:mm:ss',
  },
};

const STRING_KINDS: readonly FieldKind[] = ['id', 'ref', 'text', 'enum'];

/** Every problem with one field's definition: a contract must only accept what the warehouse types hold. */
export function fieldSpecProblems(name: string, spec: FieldSpec): string[] {
  const problems = new Problems();
  const say = (message: string) => problems.add(`${name}: ${message}`);
  if (!/^[a-z_][a-z0-9_]*$/.test(name) || name in Object.prototype)
    say('must be a lowercase SQL identifier that is not a property of every object');
  if (!(spec.kind in kindRules)) say(`unknown kind ${JSON.stringify(spec.kind)}`);
  if (STRING_KINDS.includes(spec.kind)) {
    if (!(Number.isInteger(spec.maxBytes) && spec.maxBytes! >= 1 && spec.maxBytes! <= REDSHIFT_LIMITS.varcharMaxBytes))
      say(`maxBytes must be a whole number 1..${REDSHIFT_LIMITS.varcharMaxBytes}, got ${spec.maxBytes}`);
  } else if (spec.maxBytes !== undefined) say(`maxBytes is for string kinds only, not ${spec.kind}`);
  if (spec.kind === 'ref' && spec.ref === undefined) say('a ref needs the dimension it refers to');
  if (spec.kind === 'enum') {
    if (!spec.values?.length) say('an enum needs values');
    for (const v of spec.values ?? []) {
      const problem = idProblem(v, spec.maxBytes ?? 0);
      if (problem) say(`enum value ${JSON.stringify(v)} ${problem}`);
    }
  }
  if (spec.kind === 'int' || spec.kind === 'money') {
    const [typeMin, typeMax] =
      spec.kind === 'int' ? [REDSHIFT_LIMITS.integerMin, REDSHIFT_LIMITS.integerMax] : [-MONEY_MAX, MONEY_MAX];
    for (const bound of [spec.min, spec.max]) {
      if (bound === undefined) continue;
      const problem = numberProblem({ kind: spec.kind, doc: '' }, bound);
      if (problem) say(`bound ${bound} ${problem} (${spec.kind} holds ${typeMin}..${typeMax})`);
    }
    if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max)
      say(`min ${spec.min} is above max ${spec.max}`);
  } else if (spec.min !== undefined || spec.max !== undefined)
    say(`min and max are for int and money only, not ${spec.kind}`);
  return [...problems.all];
}

function defineContract<const T extends string, const F extends Fields>(
  table: T,
  role: 'fact' | 'dim',
  key: keyof F & string,
  fields: F,
): Contract<F, T> {
  const problems = new Problems().add(
    ...Object.entries(fields).flatMap(([name, spec]) => fieldSpecProblems(name, spec)),
  );
  problems.check(key in fields && !fields[key].nullable, `key ${key} must be a required field`);
  if (!problems.empty) throw new Error(`contract ${table} is not loadable:\n- ${problems.all.join('\n- ')}`);
  return Object.freeze({ table, role, key, fields, columns: Object.keys(fields) as (keyof F & string)[] });
}

const ID = 64;

export const saleLine = defineContract('sales_transactions', 'fact', 'transaction_id', {
  transaction_id: { kind: 'id', maxBytes: ID, doc: 'Unique id of one sale line; the exactly-once key.' },
  product_id: { kind: 'ref', ref: 'products', maxBytes: 16, doc: 'Product sold.' },
  timestamp: { kind: 'timestamp', doc: 'When the basket was paid, UTC.' },
  quantity: { kind: 'int', min: 1, max: 1000, doc: 'Units sold on this line.' },
  unit_price: { kind: 'money', min: 0.01, max: 100000, doc: 'Price paid per unit after discount, USD.' },
  store_id: { kind: 'ref', ref: 'stores', maxBytes: 16, doc: 'Store where the basket was paid.' },
  basket_id: { kind: 'id', maxBytes: ID, doc: 'Basket (receipt) the line belongs to.' },
  discount_pct: { kind: 'int', min: 0, max: 90, doc: 'Discount applied to the list price, in percent.' },
} as const);

export const inventoryUpdate = defineContract('inventory_updates', 'fact', 'update_id', {
  update_id: { kind: 'id', maxBytes: ID, doc: 'Unique id of one stock movement; the exactly-once key.' },
  product_id: { kind: 'ref', ref: 'products', maxBytes: 16, doc: 'Product whose stock moved.' },
  timestamp: { kind: 'timestamp', doc: 'When the stock moved, UTC.' },
  quantity_change: { kind: 'int', min: -1000, max: 100000, doc: 'Units added (restock) or removed (sale).' },
  store_id: { kind: 'ref', ref: 'stores', maxBytes: 16, doc: 'Store whose stock moved.' },
  reason: { kind: 'enum', values: ['sale', 'restock'], maxBytes: 16, doc: 'Why the stock moved.' },
  transaction_id: {
    kind: 'id',
    maxBytes: ID,
    nullable: true,
    doc: 'Sale line that caused a sale movement; null for restocks.',
  },
} as const);

export const product = defineContract('products', 'dim', 'product_id', {
  product_id: { kind: 'id', maxBytes: 16, doc: 'Product id, e.g. P0001.' },
  name: { kind: 'text', maxBytes: 128, doc: 'Product name.' },
  category: { kind: 'text', maxBytes: 64, doc: 'Merchandise category.' },
  price: { kind: 'money', min: 0.01, max: 100000, doc: 'List price, USD.' },
  supplier_id: { kind: 'id', maxBytes: 16, doc: 'Supplier id.' },
} as const);

export const store = defineContract('stores', 'dim', 'store_id', {
  store_id: { kind: 'id', maxBytes: 16, doc: 'Store id, e.g. S001.' },
  city: { kind: 'text', maxBytes: 64, doc: 'City of the store.' },
  state: { kind: 'text', maxBytes: 64, doc: 'State of the store.' },
  region: { kind: 'text', maxBytes: 32, doc: 'Sales region.' },
  size: { kind: 'enum', values: ['small', 'medium', 'large'], maxBytes: 8, doc: 'Store format.' },
  manager: { kind: 'text', maxBytes: 64, doc: 'Store manager.' },
} as const);

export type SaleLine = RecordOf<typeof saleLine>;
export type InventoryUpdate = RecordOf<typeof inventoryUpdate>;
export type Product = RecordOf<typeof product>;
export type Store = RecordOf<typeof store>;

/**
 * The reserved store of verification rows (`npm run verify`; kernel/verification.ts). It is a
 * known store, so consumers accept its events, and every view leaves it out.
 */
export const VERIFICATION_STORE: Store = Object.freeze({
  store_id: 'VERIFY',
  city: 'Verification',
  state: 'none',
  region: 'verification',
  size: 'small',
  manager: 'npm run verify',
});

/**
 * The event streams, each carrying one fact contract: the one list the plumbing derives from.
 * Every per-stream name (queue, DLQ, consumer, archive, environment variable, landing prefix,
 * COPY JOB, alarm, access-matrix row: kernel/streamNaming.ts) and every "each stream" loop
 * reads it. Adding a stream: docs/ARCHITECTURE.md, "Adding a stream".
 */
export const streams = {
  sales: { contract: saleLine, prefix: 'sales/' },
  inventory: { contract: inventoryUpdate, prefix: 'inventory/' },
} as const;
export type StreamName = keyof typeof streams;
export const streamNames = Object.keys(streams) as StreamName[];

/** One value per stream, built by `make`: the one place that turns the stream list into a record. */
export function perStream<T>(make: (stream: StreamName) => T): Record<StreamName, T> {
  return Object.fromEntries(streamNames.map((stream) => [stream, make(stream)])) as Record<StreamName, T>;
}

/** A count summed over the streams. */
export function streamTotal(values: Readonly<Record<StreamName, number>>): number {
  return streamNames.reduce((sum, s) => sum + values[s], 0);
}

/** The events of each stream, each typed by its stream's contract (what a generated window holds). */
export type StreamEvents = { [S in StreamName]: RecordOf<(typeof streams)[S]['contract']>[] };

export const dimensions = [product, store] as const;
/** The fact tables, one per stream, in stream order (a test holds it to `streams`). */
export const factTables = [saleLine, inventoryUpdate] as const;
export const rejectedPrefix = 'rejected/';

/** Known dimension ids, for reference checks. */
export interface KnownIds {
  readonly products: ReadonlySet<string>;
  readonly stores: ReadonlySet<string>;
}

/** The ids a consumer checks references against, from the dims. */
export function knownIdsOf(dims: { products: readonly Product[]; stores: readonly Store[] }): KnownIds {
  return {
    products: new Set(dims.products.map((p) => p.product_id)),
    stores: new Set([...dims.stores.map((s) => s.store_id), VERIFICATION_STORE.store_id]),
  };
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
  if (
    value[4] !== '-' ||
    value[7] !== '-' ||
    value[10] !== 'T' ||
    value[13] !== ':' ||
    value[16] !== ':' ||
    value[n - 1] !== 'Z'
  )
    return false;
  if (n > 20 && (value[19] !== '.' || digitsAt(value, 20, n - 21) < 0)) return false;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  if (
    year < REDSHIFT_LIMITS.timestampMinYear ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  )
    return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0;
  return day <= DAYS_IN_MONTH[month - 1] + leap;
}

/** The problem with one field's value, or undefined when it is fine. */
function fieldProblem(spec: FieldSpec, value: unknown, known: KnownIds | undefined): string | undefined {
  if (value === undefined || value === null) return spec.nullable ? undefined : 'is required';
  return kindRules[spec.kind].problem(spec, value, known);
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
    if (r.reason === 'sale' && change > 0)
      return { field: 'quantity_change', message: `must be negative for a sale, got ${change}` };
    if (r.reason === 'sale' && (r.transaction_id === undefined || r.transaction_id === null))
      return { field: 'transaction_id', message: 'is required for a sale' };
    if (r.reason === 'restock' && change < 0)
      return { field: 'quantity_change', message: `must be positive for a restock, got ${change}` };
    return undefined;
  },
};

/** What a valid record gets back; shared and frozen, since nearly every record is valid. */
const NO_PROBLEMS: readonly Problem[] = Object.freeze([]);

/**
 * Every problem with a record against its contract, or [] when it is valid.
 * With `known`, product and store ids must exist in the catalog.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any contract: its fields are read by name, whatever its record type
export function validate(contract: Contract<any>, record: unknown, known?: KnownIds): readonly Problem[] {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return [
      { field: '(record)', message: `must be a JSON object, got ${record === null ? 'null' : describe(record)}` },
    ];
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
    // Own fields only: `constructor` or `__proto__` are "in" every object, and are no field.
    if (!Object.hasOwn(fields, name))
      (problems ??= []).push({ field: name || '(empty name)', message: 'is not a field of ' + contract.table });
  }
  const broken = recordRules[contract.table]?.(values);
  if (broken) (problems ??= []).push(broken);
  return problems ?? NO_PROBLEMS;
}

/** `2026-11-27T09:00:00Z` -> `2026-11-27 09:00:00`, the form both Redshift TIMESTAMP and Postgres load. */
export function toCsvTimestamp(iso: string): string {
  return iso.slice(0, 10) + ' ' + iso.slice(11, 19);
}

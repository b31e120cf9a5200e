// CSV rendering of contract records, in the contract's column order. The same
// bytes are loaded by Redshift auto-copy in the cloud and by the twin's loader.
import Papa from 'papaparse';
import { kindRules, type Contract, type FieldSpec } from './contracts';

type Cell = (value: unknown) => string | number;

const asIs: Cell = (value) => (value === undefined || value === null ? '' : (value as string | number));

/**
 * A converted cell, each distinct value converted once per file: a chunk's events
 * share a few thousand seconds and a few hundred prices.
 */
function memo<V>(convert: (value: V) => string): Cell {
  const done = new Map<V, string>();
  return (value) => {
    if (value === undefined || value === null) return '';
    let text = done.get(value as V);
    if (text === undefined) done.set(value as V, (text = convert(value as V)));
    return text;
  };
}

/**
 * Each kind's cell comes from its rule in the contracts (a timestamp in COPY's default
 * format, money with exactly 2 decimals). Ids, references and enums are written as
 * they are: the contracts allow them no character that CSV or COPY treats specially.
 */
function cellFor(spec: FieldSpec): Cell {
  const text = kindRules[spec.kind].csvText as ((value: unknown) => string) | undefined;
  return text ? memo(text) : asIs;
}

/** A header row and one row per record; empty cells are NULL in both warehouses. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any contract: the columns are read from its fields, whatever their record type
export function toCsv(contract: Contract<any>, records: readonly object[]): string {
  const columns = contract.columns as readonly string[];
  const cells = columns.map((c) => cellFor(contract.fields[c] as FieldSpec));
  const rows = records.map((record) => {
    const values = record as Record<string, unknown>;
    return columns.map((c, i) => cells[i](values[c]));
  });
  return Papa.unparse({ fields: [...columns], data: rows }, { newline: '\n', header: true }) + '\n';
}

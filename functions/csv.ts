// CSV rendering of contract records, in the contract's column order. The same
// bytes are loaded by Redshift auto-copy in the cloud and by the twin's loader.
import Papa from 'papaparse';
import { toCsvTimestamp, type Contract, type FieldSpec } from './contracts';

function cell(spec: FieldSpec, value: unknown): string | number {
  if (value === undefined || value === null) return '';
  if (spec.kind === 'timestamp') return toCsvTimestamp(value as string);
  // Fixed 2 decimals so a price reads the same in every tool and diff.
  if (spec.kind === 'money') return (value as number).toFixed(2);
  return value as string | number;
}

/** A header row and one row per record; empty cells are NULL in both warehouses. */
export function toCsv(contract: Contract<any>, records: readonly object[]): string {
  const columns = contract.columns as readonly string[];
  const specs = columns.map((c) => contract.fields[c] as FieldSpec);
  const rows = records.map((record) => {
    const values = record as Record<string, unknown>;
    return columns.map((c, i) => cell(specs[i], values[c]));
  });
  return Papa.unparse({ fields: [...columns], data: rows }, { newline: '\n', header: true }) + '\n';
}

/** Parse a CSV written by `toCsv` back into header and string rows (tests, tools). */
export function parseCsv(text: string): { header: string[]; rows: string[][]; errors: string[] } {
  const parsed = Papa.parse<string[]>(text, { skipEmptyLines: true });
  const [header = [], ...rows] = parsed.data;
  return { header, rows, errors: parsed.errors.map((e) => `row ${e.row}: ${e.message}`) };
}

// Reads back a CSV written by kernel/csv.ts's `toCsv` (tests only: nothing that ships parses CSV).
import Papa from 'papaparse';

/** Header and string rows, with papaparse's errors as `row N: message`. */
export function parseCsv(text: string): { header: string[]; rows: string[][]; errors: string[] } {
  const parsed = Papa.parse<string[]>(text, { skipEmptyLines: true });
  const [header = [], ...rows] = parsed.data;
  return { header, rows, errors: parsed.errors.map((e) => `row ${e.row}: ${e.message}`) };
}

// The COPY statement both twin drivers run: CSV with a header row, columns named.
import { quoteIdent } from '../sql';

export function copyCsvSql(table: string, columns: readonly string[], source: string): string {
  return `COPY ${table} (${columns.map(quoteIdent).join(', ')}) FROM ${source} WITH (FORMAT csv, HEADER true)`;
}

// SQL text that every statement builder shares. Postgres and Redshift quote alike.

/** A string literal: `it's` -> `'it''s'`. Standard-conforming strings are on in both warehouses, so a backslash is literal. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Double-quoted identifier: column names such as "timestamp" and "size" are keywords. */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a safe SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** A TIMESTAMP literal of an instant, UTC to the millisecond: `'2026-11-27 06:00:00.000'`. */
export function timestampLiteral(at: Date): string {
  return literal(at.toISOString().replace('T', ' ').slice(0, 23));
}

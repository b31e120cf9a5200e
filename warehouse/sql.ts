// SQL text that every statement builder shares. Postgres and Redshift quote alike.

/** A string literal: `it's` -> `'it''s'`. Standard-conforming strings are on in both warehouses, so a backslash is literal. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

// The database access matrix's words: who, on what, doing what, and the answer. Their own
// module, so the matrix (databaseAccess.ts) and its reader of the Redshift statements
// (renderedGrants.ts) share them without importing each other.

export type Identity = 'analyst' | 'engineer' | 'dashboard' | 'migrator';
export type Kind = 'materialized view' | 'view' | 'fact' | 'dimension' | 'bookkeeping' | 'system view' | 'schema';
export type Verb = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'DROP' | 'CREATE';

export interface DbObject {
  name: string;
  kind: Kind;
  /** Where it exists: both warehouses, the twin only, or Redshift only. */
  where: 'both' | 'twin' | 'redshift';
  /** The twin stores a materialized view as a table: it is dropped as one. */
  twinTable?: boolean;
  /** A column, for the UPDATE probe. */
  column?: string;
  note?: string;
}

export type Decision = 'allow' | 'deny';

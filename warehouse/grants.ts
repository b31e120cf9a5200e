// Database roles per persona. An IAM identity that signs in to Redshift Serverless
// (GetCredentials, the Data API) becomes a database user with no grants of its own; its
// database roles come from the principal tag RedshiftDbRoles on the IAM user, matched by
// name on sign-in (Redshift Management Guide: "Defining database roles to grant to federated
// users in Amazon Redshift Serverless", and its worked example "Accessing Amazon Redshift
// Serverless database objects with database-role permissions"). infra/access.ts tags the
// users; this migration creates the roles and their grants.
//   analyst:  USAGE on the schema and SELECT on every view, nothing else (no raw tables,
//             no bookkeeping tables, no writes).
//   engineer: the analyst's role, plus SELECT on every table of the schema (facts, dims,
//             load records) to debug loads; still no writes (the migrator owns the schema).
// The viewer has no warehouse access (no GetCredentials in IAM), so no role.
import { checksumOf, type Migration } from './migrations';
import { WAREHOUSE_SCHEMA, allViews, qualified, type Dialect } from './schema';

export const databaseRoles = { analyst: 'bfstream_analyst', engineer: 'bfstream_engineer' } as const;

/** The objects analysts read: every view (a materialized view is a table in the twin). */
export const analystObjects: readonly string[] = allViews.map((v) => qualified(v.name));

function createRole(role: string, dialect: Dialect): string {
  // Redshift: one CREATE ROLE, run once by the tracked migration. Postgres roles are
  // cluster-wide (tests create one database per test on a shared server), so create idempotently.
  if (dialect === 'redshift') return `CREATE ROLE ${role}`;
  return `DO $role$ BEGIN CREATE ROLE ${role} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $role$`;
}

/** Redshift grants to a role with `TO ROLE x`, and a role to a role with `GRANT ROLE`; Postgres names the role bare. */
const toRole = (role: string, dialect: Dialect) => (dialect === 'redshift' ? `ROLE ${role}` : role);

export function renderGrants(dialect: Dialect): string[] {
  const { analyst, engineer } = databaseRoles;
  return [
    createRole(analyst, dialect),
    createRole(engineer, dialect),
    // Nobody but the owner creates objects in public (Redshift lets PUBLIC create there by default).
    'REVOKE CREATE ON SCHEMA public FROM PUBLIC',
    `GRANT USAGE ON SCHEMA ${WAREHOUSE_SCHEMA} TO ${toRole(analyst, dialect)}`,
    `GRANT SELECT ON ${analystObjects.join(', ')} TO ${toRole(analyst, dialect)}`,
    dialect === 'redshift' ? `GRANT ROLE ${analyst} TO ROLE ${engineer}` : `GRANT ${analyst} TO ${engineer}`,
    `GRANT USAGE ON SCHEMA ${WAREHOUSE_SCHEMA} TO ${toRole(engineer, dialect)}`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA ${WAREHOUSE_SCHEMA} TO ${toRole(engineer, dialect)}`,
  ];
}

/** The grants migration; it runs right after the views (0004_views) exist. */
export function grantsMigration(dialect: Dialect): Migration {
  const statements = renderGrants(dialect);
  return { id: '0004_views_grants', statements, checksum: checksumOf(statements, true), transactional: true };
}

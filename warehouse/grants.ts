// Database roles per persona. An IAM identity that signs in to Redshift Serverless
// (GetCredentials, the Data API) becomes a database user with no grants of its own; its
// database roles come from the principal tag RedshiftDbRoles on the IAM user, matched by
// name on sign-in (Redshift Management Guide: "Defining database roles to grant to federated
// users in Amazon Redshift Serverless", and its worked example "Accessing Amazon Redshift
// Serverless database objects with database-role permissions"). infra/access.ts tags the
// users. The roles were created once, by the versioned 0004_views_grants of release 0.1.0
// (Redshift's CREATE ROLE has no IF NOT EXISTS); the grants are repeatable migrations, applied
// again whenever they change: R__grants (schema and tables) and, with the views, R__views.
//   analyst:  USAGE on the schema and SELECT on every view, nothing else (no raw tables,
//             no bookkeeping tables, no writes).
//   engineer: the analyst's role, plus SELECT on every table of the schema (facts, dims,
//             load records) to debug loads; still no writes (the migrator owns the schema).
// The viewer has no warehouse access (no GetCredentials in IAM), so no role.
//
// Grants cover tables made later: Redshift's scoped permissions hold for "all current and
// future objects" of the scope (https://docs.aws.amazon.com/redshift/latest/dg/t_scoped-permissions.html,
// syntax in https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html); Postgres has
// ALTER DEFAULT PRIVILEGES for the tables the migrating user creates later. A dropped and
// recreated view loses its grants in both, so the view grants run in R__views, after the views.
import { WAREHOUSE_SCHEMA, allViews, qualified, type Dialect } from './schema';

export const databaseRoles = { analyst: 'bfstream_analyst', engineer: 'bfstream_engineer' } as const;

/** The objects analysts read: every view (a materialized view is a table in the twin). */
export const analystObjects: readonly string[] = allViews.map((v) => qualified(v.name));

/**
 * Roles that read every view and nothing else. A role added here must exist: create it in a new
 * versioned migration (once), then add it here.
 */
export const viewReaders: readonly string[] = [databaseRoles.analyst];

/** Redshift grants to a role with `TO ROLE x`; Postgres names the role bare. */
const toRole = (role: string, dialect: Dialect) => (dialect === 'redshift' ? `ROLE ${role}` : role);

/**
 * R__grants: schema usage and the engineer's SELECT on every table of the schema, now and later.
 * Every statement is idempotent. Add a role's schema or table grants here.
 */
export function renderGrants(dialect: Dialect): string[] {
  const { analyst, engineer } = databaseRoles;
  const everyTable =
    dialect === 'redshift'
      ? // Scoped: current and future tables of the schema, whoever creates them.
        [`GRANT SELECT FOR TABLES IN SCHEMA ${WAREHOUSE_SCHEMA} TO ROLE ${engineer}`]
      : [
          `GRANT SELECT ON ALL TABLES IN SCHEMA ${WAREHOUSE_SCHEMA} TO ${engineer}`,
          // Tables and views the migrating user creates later.
          `ALTER DEFAULT PRIVILEGES IN SCHEMA ${WAREHOUSE_SCHEMA} GRANT SELECT ON TABLES TO ${engineer}`,
        ];
  return [
    // Nobody but the owner creates objects in public (Redshift lets PUBLIC create there by default).
    'REVOKE CREATE ON SCHEMA public FROM PUBLIC',
    ...[analyst, engineer].map((role) => `GRANT USAGE ON SCHEMA ${WAREHOUSE_SCHEMA} TO ${toRole(role, dialect)}`),
    ...everyTable,
  ];
}

/** The view readers' SELECT on every view: run in R__views right after the views are created again. */
export function renderViewGrants(dialect: Dialect): string[] {
  return viewReaders.map((role) => `GRANT SELECT ON ${analystObjects.join(', ')} TO ${toRole(role, dialect)}`);
}

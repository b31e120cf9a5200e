// The warehouse's readers beyond the personas' roles (grants.ts): QuickSight's own database
// user, and what engineers need to read the load records of jobs they do not own.
//
// Dashboard. QuickSight signs in to Redshift Serverless with a user name and password, read at
// view time from a Secrets Manager secret in the JSON shape {"username", "password"}
// (https://docs.aws.amazon.com/quicksight/latest/user/secrets-manager-integration-whats-in-secret.html).
// The stack creates that secret with no value (nothing in Pulumi's state); the migrator fills it
// with a password it generates and sets the user's password from it. The SQL carries the MD5 form
// 'md5' || md5(password || user), which CREATE USER and ALTER USER accept in Redshift
// (https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_USER.html) and in Postgres: the
// password itself never appears in a statement, a migration or a checksum. The user holds the
// analyst role and nothing else: every view, no table, no write.
//
// Engineers. SYS_COPY_JOB_DETAIL and SYS_LOAD_ERROR_DETAIL show a regular user only its own rows,
// and the COPY JOBs belong to the migrator's admin. A role granted the system role sys:monitor
// sees every user's rows: "To view queries owned by other users, grant the SYS:MONITOR role"
// (https://docs.aws.amazon.com/redshift/latest/mgmt/metrics-sys-view-based-queries.html, which
// shows `grant role sys:monitor to role monitor`); sys:monitor "has permission to access catalog
// or system tables" and no user table (https://docs.aws.amazon.com/redshift/latest/dg/r_roles-default.html).
// Postgres has no sys: roles: the twin skips that grant, and the database access matrix checks it
// on the rendered Redshift statements.
import { createHash, randomInt } from 'node:crypto';
import { databaseRoles } from './grants';
import type { Dialect } from './schema';
import { inTransaction, type SqlDriver } from './runner';
import { literal } from './sql';

/** QuickSight's database user. */
export const DASHBOARD_USER = 'bfstream_dashboard';

/** The secret's value, in the shape QuickSight reads. */
export interface DashboardCredentials {
  username: string;
  password: string;
}

/** Where the credentials live: Secrets Manager in the migrator, a Map in the twin and the tests. */
export interface DashboardSecret {
  /** The current value, or undefined while the secret has none. */
  read(): Promise<DashboardCredentials | undefined>;
  write(value: DashboardCredentials): Promise<void>;
}

// Redshift's rules for a plain password: 8-64 ASCII 33-126 characters, at least one upper, one
// lower and one digit, none of ' " \ / @ (r_CREATE_USER.html). Space is 32, so never drawn.
const FORBIDDEN = new Set(["'", '"', '\\', '/', '@']);
const ALPHABET = Array.from({ length: 126 - 33 + 1 }, (_, i) => String.fromCharCode(33 + i)).filter(
  (c) => !FORBIDDEN.has(c),
);
const PASSWORD_LENGTH = 40;

export function passwordProblems(password: string): string[] {
  const problems: string[] = [];
  if (password.length < 8 || password.length > 64) problems.push(`is ${password.length} characters, not 8-64`);
  if (![...password].every((c) => ALPHABET.includes(c)))
    problems.push('has a character outside ASCII 33-126 or one of \' " \\ / @');
  for (const [what, re] of [
    ['upper-case letter', /[A-Z]/],
    ['lower-case letter', /[a-z]/],
    ['digit', /\d/],
  ] as const)
    if (!re.test(password)) problems.push(`has no ${what}`);
  return problems;
}

/** A fresh password from node:crypto's CSPRNG, drawn until it meets Redshift's rules. */
export function generatePassword(draw: (max: number) => number = randomInt): string {
  for (;;) {
    const password = Array.from({ length: PASSWORD_LENGTH }, () => ALPHABET[draw(ALPHABET.length)]).join('');
    if (passwordProblems(password).length === 0) return password;
  }
}

/** The MD5 form of a password, salted with the user name as Redshift and Postgres expect. */
export function md5Password(user: string, password: string): string {
  return `md5${createHash('md5').update(`${password}${user}`).digest('hex')}`;
}

function checkCredentials(value: DashboardCredentials): void {
  if (value.username !== DASHBOARD_USER)
    throw new Error(`the dashboard secret names user ${JSON.stringify(value.username)}, expected ${DASHBOARD_USER}`);
  const problems = passwordProblems(String(value.password ?? ''));
  if (problems.length) throw new Error(`the dashboard secret's password ${problems.join(', ')}`);
}

/** The user and its one grant, the analyst role; `passwordHash` is md5Password's form. */
export function renderDashboardUser(dialect: Dialect, passwordHash: string): string[] {
  return [
    `CREATE USER ${DASHBOARD_USER} PASSWORD ${literal(passwordHash)}`,
    dialect === 'redshift'
      ? `GRANT ROLE ${databaseRoles.analyst} TO ${DASHBOARD_USER}`
      : `GRANT ${databaseRoles.analyst} TO ${DASHBOARD_USER}`,
  ];
}

export type DashboardUserOutcome = 'created' | 'password set' | 'unchanged';

async function userExists(driver: SqlDriver): Promise<boolean> {
  return (await driver.query(`SELECT usename FROM pg_user WHERE usename = ${literal(DASHBOARD_USER)}`)).length > 0;
}

async function setPassword(driver: SqlDriver, password: string): Promise<void> {
  await driver.exec(`ALTER USER ${DASHBOARD_USER} PASSWORD ${literal(md5Password(DASHBOARD_USER, password))}`, {
    name: 'dashboard_user',
  });
}

/**
 * Makes the dashboard's user exist with the secret's password, and the analyst role. Runs after
 * the migrations (the role exists then). A secret with no value gets a new password first: it is
 * stored before any user has it, so a failure in between leaves a secret the next run applies.
 */
export async function ensureDashboardUser(driver: SqlDriver, secret: DashboardSecret): Promise<DashboardUserOutcome> {
  let value = await secret.read();
  const fresh = value === undefined;
  if (value === undefined) {
    value = { username: DASHBOARD_USER, password: generatePassword() };
    await secret.write(value);
  }
  checkCredentials(value);
  if (!(await userExists(driver))) {
    await inTransaction(driver, renderDashboardUser(driver.dialect, md5Password(DASHBOARD_USER, value.password)), {
      name: 'dashboard_user',
    });
    return 'created';
  }
  if (!fresh) return 'unchanged';
  await setPassword(driver, value.password);
  return 'password set';
}

/**
 * A new password: stored in the secret, then set on the user, back to back. QuickSight reads the
 * secret per query, so it fails only for the one ALTER USER in between; if that ALTER fails, the
 * secret already holds the new password and rerunning the rotation (or setting it by hand from
 * the secret) ends the lock-out. The other order could lose the only copy of the password.
 */
export async function rotateDashboardPassword(driver: SqlDriver, secret: DashboardSecret): Promise<void> {
  if (!(await userExists(driver)))
    throw new Error(`no database user ${DASHBOARD_USER}: deploy (the migrator creates it) before rotating`);
  const value = { username: DASHBOARD_USER, password: generatePassword() };
  await secret.write(value);
  await setPassword(driver, value.password);
}

/** A secret kept in memory: the twin's and the tests' Secrets Manager. */
export function memorySecret(initial?: DashboardCredentials): DashboardSecret & { writes: number } {
  let value = initial;
  return {
    writes: 0,
    async read() {
      return value && { ...value };
    },
    async write(next) {
      this.writes++;
      value = { ...next };
    },
  };
}

// What the rendered Redshift statements grant, read in the order the migrator runs them. This
// decides what Postgres cannot: system roles (`GRANT ROLE sys:monitor`), scoped permissions
// (`GRANT ... FOR TABLES IN SCHEMA`, which cover tables made later), and the Redshift-only tables.
// A grant `ON ALL TABLES IN SCHEMA` covers only the tables that exist when it runs
// (https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html); a scoped one covers every
// table of the schema, now and later (https://docs.aws.amazon.com/redshift/latest/dg/t_scoped-permissions.html).
// A statement this reader does not know stops it: a new kind of grant must be modelled here.
import type { Decision, DbObject, Identity, Verb } from './databaseAccessTypes';
import { databaseRoles } from './grants';
import { DASHBOARD_USER } from './readers';

/** System roles that see every user's rows in the SYS views (r_roles-default.html: "access catalog or system tables"). */
const SEES_ALL_ROWS = new Set(['role:sys:monitor', 'role:sys:operator', 'role:sys:dba', 'role:sys:superuser']);

const granteeOf: Record<Exclude<Identity, 'migrator'>, string> = {
  analyst: `role:${databaseRoles.analyst}`,
  engineer: `role:${databaseRoles.engineer}`,
  dashboard: `user:${DASHBOARD_USER}`,
};

interface State {
  exists: Set<string>;
  /** grantee -> object (or `schema:<name>`) -> privileges. */
  privileges: Map<string, Map<string, Set<string>>>;
  scoped: { grantee: string; schema: string; privileges: string[] }[];
  /** grantee -> roles granted to it. */
  members: Map<string, Set<string>>;
}

const list = (text: string) => text.split(',').map((s) => s.trim());
const grantee = (text: string) =>
  text.trim() === 'PUBLIC'
    ? 'public'
    : text.trim().startsWith('ROLE ')
      ? `role:${text.trim().slice(5)}`
      : `user:${text.trim()}`;

function add(state: State, who: string, on: string, privileges: readonly string[]): void {
  const byObject = state.privileges.get(who) ?? new Map<string, Set<string>>();
  state.privileges.set(who, byObject);
  const set = byObject.get(on) ?? new Set<string>();
  byObject.set(on, set);
  for (const p of privileges) set.add(p === 'ALL' || p === 'ALL PRIVILEGES' ? 'ALL' : p);
}

const schemaOf = (object: string) => object.split('.')[0];

/** One statement's effect on objects and grants (other statements change neither). */
function read(state: State, sql: string): void {
  let m: RegExpExecArray | null;
  if ((m = /^CREATE (?:TABLE|MATERIALIZED VIEW|(?:OR REPLACE )?VIEW)(?: IF NOT EXISTS)? ([\w.]+)/.exec(sql))) {
    state.exists.add(m[1]);
  } else if ((m = /^DROP (?:TABLE|VIEW|MATERIALIZED VIEW)(?: IF EXISTS)? ([\w.]+)/.exec(sql))) {
    // Dropping an object drops its grants; CREATE OR REPLACE VIEW keeps them.
    state.exists.delete(m[1]);
    for (const byObject of state.privileges.values()) byObject.delete(m[1]);
  } else if ((m = /^GRANT ROLE ([\w:]+) TO (.+)$/.exec(sql))) {
    const who = grantee(m[2]);
    state.members.set(who, new Set([...(state.members.get(who) ?? []), `role:${m[1]}`]));
  } else if ((m = /^GRANT ([A-Z, ]+) ON SCHEMA (\w+) TO (.+)$/.exec(sql))) {
    add(state, grantee(m[3]), `schema:${m[2]}`, list(m[1]));
  } else if ((m = /^GRANT ([A-Z, ]+) ON ALL TABLES IN SCHEMA (\w+) TO (.+)$/.exec(sql))) {
    for (const o of state.exists) if (schemaOf(o) === m[2]) add(state, grantee(m[3]), o, list(m[1]));
  } else if ((m = /^GRANT ([A-Z, ]+) FOR TABLES IN SCHEMA (\w+) TO (.+)$/.exec(sql))) {
    state.scoped.push({ grantee: grantee(m[3]), schema: m[2], privileges: list(m[1]) });
  } else if ((m = /^GRANT ([A-Z, ]+) ON (?:TABLE )?([\w., ]+) TO (.+)$/.exec(sql))) {
    for (const o of list(m[2])) {
      if (!state.exists.has(o)) throw new Error(`rendered grant on ${o}, which does not exist yet: ${sql}`);
      add(state, grantee(m[3]), o, list(m[1]));
    }
  } else if ((m = /^REVOKE ([A-Z, ]+) ON SCHEMA (\w+) FROM (.+)$/.exec(sql))) {
    for (const p of list(m[1])) state.privileges.get(grantee(m[3]))?.get(`schema:${m[2]}`)?.delete(p);
  } else if (/^(GRANT|REVOKE|ALTER DEFAULT PRIVILEGES)\b/.test(sql)) {
    throw new Error(`the rendered-grant reader does not know this statement; model it: ${sql.slice(0, 200)}`);
  }
}

interface RenderedGrants {
  decide(identity: Identity, object: DbObject, verb: Verb): Decision;
}

/** Reads the statements in order; decides each cell of the matrix from what they grant. */
export function renderedGrants(statements: readonly string[]): RenderedGrants {
  const state: State = { exists: new Set(), privileges: new Map(), scoped: [], members: new Map() };
  // Redshift's default: PUBLIC may use and create in schema public (r_GRANT.html).
  add(state, 'public', 'schema:public', ['USAGE', 'CREATE']);
  for (const sql of statements) read(state, sql.trim());
  const closure = (start: string): Set<string> => {
    const seen = new Set([start, 'public']);
    const queue = [start];
    while (queue.length)
      for (const r of state.members.get(queue.pop()!) ?? [])
        if (!seen.has(r)) {
          seen.add(r);
          queue.push(r);
        }
    return seen;
  };
  const holds = (who: Set<string>, on: string, privilege: string) =>
    [...who].some((g) => {
      const set = state.privileges.get(g)?.get(on);
      return set?.has(privilege) || set?.has('ALL');
    });
  return {
    decide(identity, object, verb) {
      if (identity === 'migrator') return 'allow';
      const who = closure(granteeOf[identity]);
      if (object.kind === 'system view') return [...who].some((g) => SEES_ALL_ROWS.has(g)) ? 'allow' : 'deny';
      if (object.kind === 'schema') return holds(who, `schema:${object.name}`, verb) ? 'allow' : 'deny';
      if (!state.exists.has(object.name)) throw new Error(`no rendered statement creates ${object.name}`);
      const schema = schemaOf(object.name);
      const scoped = state.scoped.some(
        (s) =>
          who.has(s.grantee) && s.schema === schema && (s.privileges.includes(verb) || s.privileges.includes('ALL')),
      );
      return holds(who, `schema:${schema}`, 'USAGE') && (holds(who, object.name, verb) || scoped) ? 'allow' : 'deny';
    },
  };
}

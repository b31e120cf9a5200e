// Access matrices: what AWS decides, not what the policy JSON says. The policies come from
// the program's resource graph under mocks (identity policies of users, groups and roles;
// resource policies of the bucket, queues, KMS key, namespace and topic), and each request
// is evaluated by @cloud-copilot/iam-simulate with the real request context (principal ARN
// with its path, aws:username, aws:userid, aws:MultiFactorAuthPresent, aws:SecureTransport).
// The tables themselves live in tools/accessTables.ts; tests and docs/INFRA.md both use them.
import { getDenialReasons, getGrantReasons, runSimulation, type RequestAnalysis } from '@cloud-copilot/iam-simulate';
import { streamNames } from '../kernel/contracts';
import { streamNamings } from '../kernel/streamNaming';
import { QUICKSIGHT_SECRETS_ROLE } from '../infra/dashboardSecret';
import { MOCK_ACCOUNT, ofType, type MockedResource, type MockRun } from './mockGraph';

export interface PolicyDoc {
  Version?: string;
  Statement: Record<string, unknown>[];
}

export interface Principal {
  /** Key of its table (engineer, producer, ...). */
  key: string;
  arn: string;
  /** IAM users only: aws:username. */
  username?: string;
  /** aws:userid; AWS services (principals of resource policies only) have none. */
  userId?: string;
  identityPolicies: { name: string; policy: PolicyDoc }[];
}

/** How a request is made: with or without MFA (people only), over TLS or plain HTTP. */
export interface RequestContext {
  mfa?: boolean;
  tls?: boolean;
  /** Extra condition keys of the request (e.g. s3:prefix). */
  context?: Record<string, string>;
}

export interface Row extends RequestContext {
  expect: 'allow' | 'deny';
  action: string;
  /** ARN template: {name} is replaced by a resource of the stack (see targetsOf). */
  on: string;
}

export interface Decision {
  result: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
  /** The statements that decided, e.g. `identity:QueryWarehouse`, `resource:DenyInsecureTransport`. */
  decidedBy: string[];
  /** The ARN evaluated (the row's template filled in). */
  resource: string;
}

const parse = (text: unknown): PolicyDoc => (typeof text === 'string' ? JSON.parse(text) : (text as PolicyDoc));
const byName = (run: MockRun, type: string, name: string): MockedResource | undefined =>
  run.resources.find((r) => r.type === type && r.name === name);

/** Roles of the program by table key; a missing role is an error in the caller's table. */
const ROLE_RESOURCES: Record<string, string> = {
  producer: 'functions-producer-role',
  ...Object.fromEntries(
    streamNames.map((s) => [streamNamings[s].consumerRole, `${streamNamings[s].resources.consumer('functions')}-role`]),
  ),
  scheduler: 'schedule-role',
  copy: 'warehouse-copy-role',
  migrator: 'warehouse-migrator-role',
};

/** Every principal of a run: the persona users (with their groups' and own policies) and the service roles. */
export function principalsOf(run: MockRun): Record<string, Principal> {
  const principals: Record<string, Principal> = {};
  for (const user of ofType(run, 'aws:iam/user:User')) {
    const persona = user.name.replace(/^access-/, '');
    const groups = ofType(run, 'aws:iam/userGroupMembership:UserGroupMembership')
      .filter((m) => m.inputs.user === user.inputs.name)
      .flatMap((m) => m.inputs.groups as string[]);
    const policies = [
      ...ofType(run, 'aws:iam/groupPolicy:GroupPolicy').filter((p) => groups.includes(p.inputs.group)),
      ...ofType(run, 'aws:iam/userPolicy:UserPolicy').filter((p) => p.inputs.user === user.inputs.name),
    ];
    principals[persona] = {
      key: persona,
      arn: user.state.arn,
      username: user.inputs.name,
      userId: user.state.uniqueId,
      identityPolicies: policies.map((p) => ({ name: p.name, policy: parse(p.inputs.policy) })),
    };
  }
  for (const role of ofType(run, 'aws:iam/role:Role')) {
    const key =
      Object.keys(ROLE_RESOURCES).find((k) => ROLE_RESOURCES[k] === role.name) ?? role.name.replace(/-role$/, '');
    // A role acts through a session: the principal is the assumed-role ARN.
    principals[key] = {
      key,
      arn: `arn:aws:sts::${MOCK_ACCOUNT}:assumed-role/${role.id}/${key}-session`,
      userId: `${role.state.uniqueId}:${key}-session`,
      identityPolicies: ofType(run, 'aws:iam/rolePolicy:RolePolicy')
        .filter((p) => p.inputs.role === role.id)
        .map((p) => ({ name: p.name, policy: parse(p.inputs.policy) })),
    };
  }
  const quicksight = quicksightSecretsPrincipal(run);
  if (quicksight) principals[quicksight.key] = quicksight;
  // AWS services that resource policies let in (CloudWatch publishing alarms, Redshift's S3
  // event integration): their access is decided by those policies alone.
  for (const { policy } of resourcePoliciesOf(run)) {
    for (const st of policy.Statement) {
      const services = (st.Principal as { Service?: string | string[] } | undefined)?.Service;
      for (const service of services === undefined ? [] : Array.isArray(services) ? services : [services]) {
        const key = `${service.split('.')[0]}-service`;
        principals[key] ??= { key, arn: service, identityPolicies: [] };
      }
    }
  }
  return principals;
}

/**
 * QuickSight's own role for the secrets an admin grants it (turn-on step 4 in docs/INFRA.md): AWS
 * creates it, not the stack, so it is modelled from AWS's page, with the identity policy the
 * console gives it for the one secret granted.
 * https://docs.aws.amazon.com/quicksight/latest/user/secrets-manager-integration.html
 */
function quicksightSecretsPrincipal(run: MockRun): Principal | undefined {
  const secret = byName(run, 'aws:secretsmanager/secret:Secret', 'warehouse-dashboard-secret');
  if (!secret) return undefined;
  const key = 'quicksight-secrets';
  return {
    key,
    arn: `arn:aws:sts::${MOCK_ACCOUNT}:assumed-role/${QUICKSIGHT_SECRETS_ROLE}/quicksight`,
    userId: `AROAQUICKSIGHTSECRETS:quicksight`,
    identityPolicies: [
      {
        name: 'granted-in-the-quicksight-console',
        policy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [secret.state.arn] }],
        },
      },
    ],
  };
}

/** Resource policies by the ARN prefix they govern (bucket and its objects, queue, key, topic, namespace). */
function resourcePoliciesOf(run: MockRun): { arn: string; name: string; policy: PolicyDoc }[] {
  const out: { arn: string; name: string; policy: PolicyDoc }[] = [];
  for (const p of ofType(run, 'aws:s3/bucketPolicy:BucketPolicy')) {
    const bucket = ofType(run, 'aws:s3/bucket:Bucket').find((b) => b.id === p.inputs.bucket);
    if (bucket) out.push({ arn: bucket.state.arn, name: p.name, policy: parse(p.inputs.policy) });
  }
  for (const p of ofType(run, 'aws:sqs/queuePolicy:QueuePolicy')) {
    const queue = ofType(run, 'aws:sqs/queue:Queue').find((q) => q.state.url === p.inputs.queueUrl);
    if (queue) out.push({ arn: queue.state.arn, name: p.name, policy: parse(p.inputs.policy) });
  }
  for (const key of ofType(run, 'aws:kms/key:Key'))
    if (key.inputs.policy) out.push({ arn: key.state.arn, name: key.name, policy: parse(key.inputs.policy) });
  for (const p of ofType(run, 'aws:sns/topicPolicy:TopicPolicy'))
    out.push({ arn: p.inputs.arn, name: p.name, policy: parse(p.inputs.policy) });
  for (const p of ofType(run, 'aws:redshift/resourcePolicy:ResourcePolicy'))
    out.push({ arn: p.inputs.resourceArn, name: p.name, policy: parse(p.inputs.policy) });
  return out;
}

function resourcePolicyFor(run: MockRun, arn: string): PolicyDoc | undefined {
  // The bucket's policy governs the bucket and every object in it.
  return resourcePoliciesOf(run).find((p) => arn === p.arn || arn.startsWith(`${p.arn}/`))?.policy;
}

const Q = 'aws:sqs/queue:Queue';
const FN = 'aws:lambda/function:Function';
const LOGS = 'aws:cloudwatch/logGroup:LogGroup';

/** Each stream's queue, DLQ, consumer and its log group, by placeholder ({salesQueue}, {salesDlq}, ...). */
function streamTargets(arn: (type: string, name: string) => string): Record<string, string> {
  return Object.fromEntries(
    streamNames.flatMap((s) => {
      const { placeholders, resources } = streamNamings[s];
      const consumer = resources.consumer('functions');
      return [
        [placeholders.queue, arn(Q, resources.queue('streams'))],
        [placeholders.deadLetterQueue, arn(Q, resources.deadLetterQueue('streams'))],
        [placeholders.consumer, arn(FN, consumer)],
        [placeholders.consumerLogs, arn(LOGS, `${consumer}-logs`)],
      ];
    }),
  );
}

/** The stack's resources that rows name, by placeholder ({bucket}, {salesQueue}, ...). */
export function targetsOf(run: MockRun, principal: Principal): Record<string, string> {
  const arn = (type: string, name: string) => {
    const r = byName(run, type, name);
    if (!r) throw new Error(`access matrix: the stack has no ${type} named ${name}`);
    return r.state.arn as string;
  };
  const namespace = byName(run, 'aws:redshiftserverless/namespace:Namespace', 'warehouse-namespace')!;
  const otherUser = ofType(run, 'aws:iam/user:User').find((u) => u.state.arn !== principal.arn)!;
  return {
    account: MOCK_ACCOUNT,
    self: principal.username ?? 'none',
    userId: principal.userId ?? 'none',
    selfUser: principal.arn,
    otherUser: otherUser.state.arn,
    otherUserName: otherUser.inputs.name,
    bucket: arn('aws:s3/bucket:Bucket', 'landing-bucket'),
    ...streamTargets(arn),
    scheduleDlq: arn(Q, 'schedule-dlq'),
    producerFailures: arn(Q, 'functions-producer-failures'),
    loadCheckFailures: arn(Q, 'warehouse-load-check-failures'),
    producer: arn(FN, 'functions-producer'),
    migrator: arn(FN, 'warehouse-migrator'),
    producerLogs: arn(LOGS, 'functions-producer-logs'),
    migratorLogs: arn(LOGS, 'warehouse-migrator-logs'),
    workgroup: arn('aws:redshiftserverless/workgroup:Workgroup', 'warehouse-workgroup'),
    namespace: namespace.state.arn,
    adminSecret: namespace.state.adminPasswordSecretArn,
    dashboard: byName(run, 'aws:cloudwatch/dashboard:Dashboard', 'ops-dashboard')!.state.dashboardArn,
    alarmTopic: arn('aws:sns/topic:Topic', 'ops-alarms'),
    alarmsKey: arn('aws:kms/key:Key', 'ops-alarms-key'),
    copyRole: arn('aws:iam/role:Role', 'warehouse-copy-role'),
    // With dashboardEnabled only: the dashboard's database secret and its key.
    dashboardSecret: byName(run, 'aws:secretsmanager/secret:Secret', 'warehouse-dashboard-secret')?.state.arn ?? 'none',
    dashboardSecretKey: byName(run, 'aws:kms/key:Key', 'warehouse-dashboard-secret-key')?.state.arn ?? 'none',
    region: 'us-east-1',
  };
}

export function fill(template: string, targets: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in targets)) throw new Error(`access matrix: unknown placeholder {${name}} in ${template}`);
    return targets[name];
  });
}

/** aws:PrincipalArn as AWS sets it: a role session's is its role's ARN (IAM user guide, global condition keys). */
const principalArnOf = (arn: string) =>
  arn.replace(/^arn:([^:]+):sts::(\d+):assumed-role\/([^/]+)\/.*$/, 'arn:$1:iam::$2:role/$3');

const label = (g: { policyType: string; statementId?: string; statementIndex?: number }) =>
  `${g.policyType}:${g.statementId ?? `#${g.statementIndex}`}`;

/** One request, evaluated as AWS would: identity policies, the resource's policy, the request context. */
export async function evaluate(run: MockRun, principal: Principal, row: Row): Promise<Decision> {
  const targets = targetsOf(run, principal);
  const resource = fill(row.on, targets);
  const contextVariables: Record<string, string> = {
    'aws:SecureTransport': String(row.tls ?? true),
    ...(principal.userId
      ? {
          'aws:userid': principal.userId,
          'aws:PrincipalAccount': MOCK_ACCOUNT,
          'aws:PrincipalArn': principalArnOf(principal.arn),
        }
      : {}),
    ...(principal.username
      ? { 'aws:username': principal.username, 'aws:MultiFactorAuthPresent': String(row.mfa ?? true) }
      : {}),
    ...Object.fromEntries(Object.entries(row.context ?? {}).map(([k, v]) => [k, fill(v, targets)])),
  };
  const result = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action: row.action,
        resource: { resource, accountId: MOCK_ACCOUNT },
        contextVariables,
      },
      identityPolicies: principal.identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicyFor(run, resource),
    },
    {},
  );
  if (result.resultType === 'error')
    throw new Error(
      `cannot evaluate ${row.action} on ${resource}: ${result.errors.message} ${JSON.stringify(result.errors)}`,
    );
  const analyses: RequestAnalysis[] =
    result.resultType === 'single' ? [result.result.analysis] : result.results.map((r) => r.analysis);
  const decidedBy = new Set<string>();
  for (const analysis of analyses) {
    if (result.overallResult === 'Allowed') for (const g of getGrantReasons(analysis)) decidedBy.add(label(g));
    else for (const d of getDenialReasons(analysis)) if (d.denialType === 'Explicit') decidedBy.add(label(d));
  }
  return { result: result.overallResult, decidedBy: [...decidedBy].sort(), resource };
}

export interface MatrixResult {
  principal: string;
  row: Row;
  decision: Decision;
  ok: boolean;
}

/** Every row of every table; a row whose decision differs from its expectation has ok=false. */
export async function evaluateMatrices(run: MockRun, tables: Record<string, Row[]>): Promise<MatrixResult[]> {
  const principals = principalsOf(run);
  const results: MatrixResult[] = [];
  for (const [key, rows] of Object.entries(tables)) {
    const principal = principals[key];
    if (!principal)
      throw new Error(`access matrix: the stack has no principal ${key}; have ${Object.keys(principals).join(', ')}`);
    for (const row of rows) {
      const decision = await evaluate(run, principal, row);
      results.push({ principal: key, row, decision, ok: (decision.result === 'Allowed') === (row.expect === 'allow') });
    }
  }
  return results;
}

const requestLabel = (r: Row) =>
  `${r.action} on ${r.on}${r.mfa === false ? ' without MFA' : ''}${r.tls === false ? ' over plain HTTP' : ''}${
    r.context
      ? ` (${Object.entries(r.context)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')})`
      : ''
  }`;
const decidedLabel = (d: Decision) =>
  d.decidedBy.length ? d.decidedBy.join(', ') : 'no statement allows (implicit deny)';

/** A failing row, naming the statement that decided it. */
export function describeFailure(r: MatrixResult): string {
  return `${r.principal}: ${requestLabel(r.row)} [${r.decision.resource}]: expected ${r.row.expect}, AWS decides ${r.decision.result} by ${decidedLabel(r.decision)}`;
}

/** The matrices as markdown: one table per principal, rows in table order. */
export function renderMatrices(results: MatrixResult[], titles: Record<string, string>): string {
  const out: string[] = [];
  for (const key of Object.keys(titles)) {
    const rows = results.filter((r) => r.principal === key);
    out.push(
      `#### ${titles[key]}`,
      '',
      '| Request | On | Context | Decision | Decided by |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const r of rows) {
      const context = [
        r.row.mfa === false ? 'no MFA' : undefined,
        r.row.tls === false ? 'plain HTTP' : undefined,
        ...Object.entries(r.row.context ?? {}).map(([k, v]) => `${k}=${v}`),
      ]
        .filter(Boolean)
        .join(', ');
      const decision =
        r.decision.result === 'Allowed'
          ? 'allow'
          : r.decision.result === 'ExplicitlyDenied'
            ? '**deny** (explicit)'
            : '**deny**';
      out.push(
        `| \`${r.row.action}\` | \`${r.row.on}\` | ${context} | ${decision} | ${r.decision.decidedBy.map((s) => `\`${s}\``).join(', ') || 'no statement allows'} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

/** The generated blocks: the stack's matrices, and those of a stack with the dashboard on. */
export type MatrixBlock = 'access-matrix' | 'dashboard-access-matrix';
const markers = (block: MatrixBlock) => ({
  begin: `<!-- ${block}:begin (generated from tools/accessTables.ts by \`npm run docs:access\`; do not edit) -->`,
  end: `<!-- ${block}:end -->`,
});

/** The generated block of a document, or undefined when its markers are missing. */
export function matrixSection(doc: string, block: MatrixBlock = 'access-matrix'): string | undefined {
  const { begin: b, end: e } = markers(block);
  const begin = doc.indexOf(b);
  const end = doc.indexOf(e);
  return begin < 0 || end < begin ? undefined : doc.slice(begin + b.length, end).trim();
}

/** The document with its generated block replaced by `rendered`. */
export function withMatrixSection(doc: string, rendered: string, block: MatrixBlock = 'access-matrix'): string {
  const { begin: b, end: e } = markers(block);
  const begin = doc.indexOf(b);
  const end = doc.indexOf(e);
  if (begin < 0 || end < begin) throw new Error(`the document has no ${b} ... ${e} block`);
  return `${doc.slice(0, begin + b.length)}\n\n${rendered.trim()}\n\n${doc.slice(end)}`;
}

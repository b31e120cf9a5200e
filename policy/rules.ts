// The project's policy rules. policy/index.ts serves them as a Pulumi policy pack
// (`pulumi preview --policy-pack policy`); policy/runLocal.ts runs the same rules over
// the mocked resource graph in tests and in `npm run plan`.
//
// During a real preview many values are unknown (ARNs of resources not yet created,
// policies built from them). Rules skip what they cannot read rather than guess, and
// relate resources through propertyDependencies, which the engine always knows.
import { LAMBDA_NODE_RUNTIMES } from '../kernel/awsLimits';
import { stackLifePolicies, stackLifeTypes } from './stackLife';
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from '@pulumi/policy';

export type ProjectPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** Pulumi type tokens of the resources the rules inspect. */
export const resourceTypes = {
  bucket: 'aws:s3/bucket:Bucket',
  bucketV2: 'aws:s3/bucketV2:BucketV2',
  bucketAcl: 'aws:s3/bucketAcl:BucketAcl',
  bucketAclV2: 'aws:s3/bucketAclV2:BucketAclV2',
  publicAccessBlock: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  encryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  notification: 'aws:s3/bucketNotification:BucketNotification',
  queue: 'aws:sqs/queue:Queue',
  topic: 'aws:sns/topic:Topic',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  lambda: 'aws:lambda/function:Function',
  mapping: 'aws:lambda/eventSourceMapping:EventSourceMapping',
  schedule: 'aws:scheduler/schedule:Schedule',
  namespace: 'aws:redshiftserverless/namespace:Namespace',
  workgroup: 'aws:redshiftserverless/workgroup:Workgroup',
  integration: 'aws:redshift/integration:Integration',
  redshiftPolicy: 'aws:redshift/resourcePolicy:ResourcePolicy',
  role: 'aws:iam/role:Role',
  kmsKey: 'aws:kms/key:Key',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  groupPolicy: 'aws:iam/groupPolicy:GroupPolicy',
  userPolicy: 'aws:iam/userPolicy:UserPolicy',
  managedPolicy: 'aws:iam/policy:Policy',
  accessKey: 'aws:iam/accessKey:AccessKey',
  loginProfile: 'aws:iam/userLoginProfile:UserLoginProfile',
  serviceCredential: 'aws:iam/serviceSpecificCredential:ServiceSpecificCredential',
} as const;
const T = resourceTypes;

const ATTACHMENT_TYPES = [
  'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
  'aws:iam/groupPolicyAttachment:GroupPolicyAttachment',
  'aws:iam/userPolicyAttachment:UserPolicyAttachment',
  'aws:iam/policyAttachment:PolicyAttachment',
  'aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive',
];

/**
 * Actions IAM cannot scope to a resource, so `Resource: "*"` is the only form AWS
 * accepts. Anything else with "*" is a least-privilege violation.
 */
const RESOURCELESS_ACTIONS = new Set([
  'cloudwatch:GetMetricData',
  'cloudwatch:ListDashboards',
  'logs:DescribeLogGroups',
  'iam:ListVirtualMFADevices',
  'redshift-data:DescribeStatement',
  'redshift-data:GetStatementResult',
  'redshift-data:ListStatements',
  'redshift-data:CancelStatement',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
]);

interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The statements of a policy document, or undefined when it is unknown (preview) or not JSON. */
export function statementsOf(policy: unknown): Statement[] | undefined {
  let doc: unknown = policy;
  if (typeof policy === 'string') {
    try {
      doc = JSON.parse(policy);
    } catch {
      return undefined;
    }
  }
  if (!doc || typeof doc !== 'object') return undefined;
  return list((doc as { Statement?: Statement | Statement[] }).Statement);
}

function iamPolicyProblems(policy: unknown): string[] {
  const statements = statementsOf(policy);
  if (!statements) return [];
  const problems: string[] = [];
  for (const [i, st] of statements.entries()) {
    if (st.Effect !== 'Allow') continue;
    const label = st.Sid ?? `#${i}`;
    if (st.NotAction) problems.push(`statement ${label} allows NotAction (everything except a list)`);
    if (st.NotResource) problems.push(`statement ${label} allows NotResource`);
    const actions = list(st.Action);
    for (const action of actions)
      if (action.includes('*')) problems.push(`statement ${label} allows wildcard action ${action}`);
    const resources = list(st.Resource);
    if (resources.includes('*')) {
      const scopable = actions.filter((a) => !RESOURCELESS_ACTIONS.has(a));
      if (scopable.length > 0)
        problems.push(`statement ${label} allows ${scopable.join(', ')} on Resource "*"; name the exact ARNs`);
    }
  }
  return problems;
}

const resourcePolicy = (
  name: string,
  description: string,
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidationPolicy => ({
  name,
  description,
  enforcementLevel: 'mandatory',
  validateResource,
});

const stackPolicy = (
  name: string,
  description: string,
  validateStack: (args: StackValidationArgs, report: ReportViolation) => void,
): StackValidationPolicy => ({
  name,
  description,
  enforcementLevel: 'mandatory',
  validateStack,
});

/**
 * Whether AWS's trust policy example for a service carries aws:SourceAccount. Where it does, our
 * role's trust must too (confused-deputy guard); where it does not, the service assumes the role
 * directly and sends no source: such a condition would refuse it.
 */
export const SERVICE_TRUST_SOURCE: Record<string, { sendsSource: boolean; source: string }> = {
  'scheduler.amazonaws.com': {
    sendsSource: true,
    source: 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role',
  },
  'lambda.amazonaws.com': {
    sendsSource: false,
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html',
  },
  'redshift.amazonaws.com': {
    sendsSource: false,
    source: 'https://docs.aws.amazon.com/redshift/latest/mgmt/authorizing-redshift-service-database-users.html',
  },
  'redshift-serverless.amazonaws.com': {
    sendsSource: false,
    source: 'https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-iam.html',
  },
  'quicksight.amazonaws.com': {
    sendsSource: false,
    source: 'https://docs.aws.amazon.com/quicksight/latest/user/security-create-iam-role.html',
  },
};

/** The problems of one role's trust policy against SERVICE_TRUST_SOURCE. */
function trustProblems(policy: unknown): string[] {
  const problems: string[] = [];
  for (const st of statementsOf(policy) ?? []) {
    const services = list((st.Principal as { Service?: string | string[] } | undefined)?.Service);
    const conditioned = JSON.stringify(st.Condition ?? {}).includes('"aws:SourceAccount"');
    for (const service of services) {
      const known = SERVICE_TRUST_SOURCE[service];
      if (!known)
        problems.push(`trusts ${service}: say in SERVICE_TRUST_SOURCE whether AWS's trust example carries a source`);
      else if (known.sendsSource && !conditioned)
        problems.push(`trusts ${service} without aws:SourceAccount, which AWS's example carries (${known.source})`);
      else if (!known.sendsSource && conditioned)
        problems.push(`trusts ${service} with aws:SourceAccount, which it does not send (${known.source})`);
    }
  }
  return problems;
}

const dependsOn = (r: PolicyResource, prop: string, target: PolicyResource) =>
  (r.propertyDependencies[prop] ?? []).some((d) => d.urn === target.urn);
const isKnown = (v: unknown) => v !== undefined && v !== null;

export const policies: ProjectPolicy[] = [
  resourcePolicy(
    'iam-no-managed-policies',
    'Roles, groups and users get inline least-privilege policies only; no AWS managed policy (least of all *FullAccess) is attached.',
    (args, report) => {
      if (ATTACHMENT_TYPES.includes(args.type)) {
        const arns = [args.props.policyArn, ...list(args.props.policyArns)].filter(
          (a): a is string => typeof a === 'string',
        );
        for (const arn of arns)
          if (/:iam::aws:policy\//.test(arn))
            report(
              `attaches the AWS managed policy ${arn}${/FullAccess|AdministratorAccess|PowerUser/.test(arn) ? ' (full access)' : ''}`,
            );
      }
      if (args.type === T.role) {
        for (const arn of list<string>(args.props.managedPolicyArns))
          if (typeof arn === 'string' && /:iam::aws:policy\//.test(arn))
            report(`role lists the AWS managed policy ${arn}`);
      }
    },
  ),
  resourcePolicy(
    'iam-least-privilege',
    'Allow statements name exact actions (no wildcards, no NotAction) on exact resources; "*" only for actions IAM cannot scope.',
    (args, report) => {
      if (![T.rolePolicy, T.groupPolicy, T.userPolicy, T.managedPolicy].includes(args.type as never)) return;
      for (const problem of iamPolicyProblems(args.props.policy)) report(problem);
    },
  ),
  resourcePolicy(
    'iam-no-long-lived-credentials',
    'The program creates no access keys, console passwords or service credentials.',
    (args, report) => {
      if ([T.accessKey, T.loginProfile, T.serviceCredential].includes(args.type as never))
        report(`${args.type} creates a long-lived credential; people sign in with MFA, services with roles`);
    },
  ),
  resourcePolicy('sqs-encrypted', 'Every queue is encrypted at rest (SQS-managed SSE or KMS).', (args, report) => {
    if (args.type !== T.queue) return;
    if (args.props.sqsManagedSseEnabled !== true && !isKnown(args.props.kmsMasterKeyId))
      report('queue has neither sqsManagedSseEnabled nor kmsMasterKeyId');
  }),
  resourcePolicy('sns-encrypted', 'Every topic is encrypted with a KMS key.', (args, report) => {
    if (args.type === T.topic && !isKnown(args.props.kmsMasterKeyId)) report('topic has no kmsMasterKeyId');
  }),
  resourcePolicy('log-retention', 'Every log group has a retention period.', (args, report) => {
    if (args.type === T.logGroup && !(Number(args.props.retentionInDays) > 0))
      report('log group keeps logs forever: set retentionInDays');
  }),
  resourcePolicy(
    'lambda-supported-runtime',
    `Functions run a supported Node.js runtime (${LAMBDA_NODE_RUNTIMES.join(', ')}), which provides @aws-sdk v3.`,
    (args, report) => {
      const runtimes: readonly string[] = LAMBDA_NODE_RUNTIMES;
      if (args.type === T.lambda && isKnown(args.props.runtime) && !runtimes.includes(String(args.props.runtime)))
        report(`runtime ${args.props.runtime} is not one of ${LAMBDA_NODE_RUNTIMES.join(', ')}`);
    },
  ),
  resourcePolicy(
    'sqs-partial-batch-responses',
    'SQS event source mappings report batch item failures and cap their concurrency.',
    (args, report) => {
      if (args.type !== T.mapping) return;
      if (!list(args.props.functionResponseTypes).includes('ReportBatchItemFailures'))
        report(
          'mapping does not set functionResponseTypes: [ReportBatchItemFailures]; one bad message would retry the whole batch',
        );
      if (!(Number(args.props.scalingConfig?.maximumConcurrency) >= 2))
        report('mapping has no scalingConfig.maximumConcurrency');
    },
  ),
  resourcePolicy(
    's3-current-resources',
    'Buckets use aws.s3.Bucket with separate configuration resources: no deprecated BucketV2, no public ACLs.',
    (args, report) => {
      if (args.type === T.bucketV2) report('aws.s3.BucketV2 is deprecated in @pulumi/aws 7: use aws.s3.Bucket');
      if (
        (args.type === T.bucket || args.type === T.bucketAcl || args.type === T.bucketAclV2) &&
        /public/.test(String(args.props.acl ?? ''))
      )
        report(`bucket ACL ${args.props.acl} is public`);
    },
  ),
  resourcePolicy(
    'redshift-private',
    'The Redshift Serverless workgroup is not publicly accessible and routes COPY traffic through the VPC.',
    (args, report) => {
      if (args.type !== T.workgroup) return;
      if (args.props.publiclyAccessible !== false) report('workgroup must set publiclyAccessible: false');
      if (args.props.enhancedVpcRouting !== true) report('workgroup must set enhancedVpcRouting: true');
    },
  ),
  resourcePolicy(
    'redshift-managed-password',
    'The namespace admin password is managed by Secrets Manager, never set in config or state.',
    (args, report) => {
      if (args.type !== T.namespace) return;
      if (args.props.manageAdminPassword !== true) report('namespace must set manageAdminPassword: true');
      if (isKnown(args.props.adminUserPassword))
        report('namespace sets adminUserPassword: the password would live in config and state');
    },
  ),
  resourcePolicy(
    'scheduler-retries-and-dlq',
    'Schedules retry failed deliveries and dead-letter what still fails.',
    (args, report) => {
      if (args.type !== T.schedule) return;
      if (!args.props.target?.retryPolicy) report('schedule target has no retryPolicy');
      if (!args.props.target?.deadLetterConfig?.arn) report('schedule target has no deadLetterConfig');
    },
  ),
  stackPolicy(
    's3-private-encrypted-tls-only',
    'Every bucket blocks all public access, has default encryption and a policy that denies non-TLS requests.',
    (args, report) => {
      const of = (type: string) => args.resources.filter((r) => r.type === type);
      for (const bucket of of(T.bucket)) {
        const pab = of(T.publicAccessBlock).find((r) => dependsOn(r, 'bucket', bucket));
        if (!pab) report('bucket has no BucketPublicAccessBlock', bucket.urn);
        else
          for (const key of ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'])
            if (pab.props[key] !== true) report(`public access block does not set ${key}`, pab.urn);
        if (!of(T.encryption).some((r) => dependsOn(r, 'bucket', bucket)))
          report('bucket has no default encryption configuration', bucket.urn);
        const policy = of(T.bucketPolicy).find((r) => dependsOn(r, 'bucket', bucket));
        const statements = policy ? statementsOf(policy.props.policy) : [];
        if (!policy) report('bucket has no bucket policy denying non-TLS requests', bucket.urn);
        else if (
          statements &&
          !statements.some(
            (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition ?? {}).includes('"aws:SecureTransport":"false"'),
          )
        )
          report('bucket policy does not deny aws:SecureTransport=false', policy.urn);
      }
    },
  ),
  stackPolicy(
    'sqs-dead-letter-queues',
    "Every queue either has a redrive policy to a DLQ or is itself a DLQ (of a queue, a schedule, or a function's async on-failure destination).",
    (args, report) => {
      const queues = args.resources.filter((r) => r.type === T.queue);
      const isDlq = (q: PolicyResource) =>
        args.resources.some(
          (r) =>
            (r.type === T.queue && dependsOn(r, 'redrivePolicy', q)) ||
            (r.type === T.schedule && dependsOn(r, 'target', q)) ||
            (r.type === stackLifeTypes.eventInvokeConfig && dependsOn(r, 'destinationConfig', q)),
        );
      for (const q of queues)
        if (!isKnown(q.props.redrivePolicy) && !isDlq(q))
          report('queue has no DLQ (redrivePolicy) and is no DLQ itself', q.urn);
    },
  ),
  stackPolicy(
    'sqs-visibility-covers-function',
    'An SQS-triggered function: queue visibility timeout >= 6 x function timeout + batching window (AWS guidance).',
    (args, report) => {
      for (const m of args.resources.filter((r) => r.type === T.mapping)) {
        const queue = (m.propertyDependencies.eventSourceArn ?? []).find((r) => r.type === T.queue);
        const fn = (m.propertyDependencies.functionName ?? []).find((r) => r.type === T.lambda);
        if (!queue || !fn) continue;
        const timeout = Number(fn.props.timeout ?? 3);
        const window = Number(m.props.maximumBatchingWindowInSeconds ?? 0);
        const visibility = Number(queue.props.visibilityTimeoutSeconds ?? 30);
        const needed = 6 * timeout + window;
        if (visibility < needed)
          report(`queue visibility timeout ${visibility}s < 6 x ${timeout}s + ${window}s = ${needed}s`, m.urn);
      }
    },
  ),
  stackPolicy(
    'lambda-own-log-group',
    'Every function logs to a log group the program declares (so its retention is set).',
    (args, report) => {
      for (const fn of args.resources.filter((r) => r.type === T.lambda)) {
        if (!(fn.propertyDependencies.loggingConfig ?? []).some((r) => r.type === T.logGroup))
          report('function does not log to a declared log group (loggingConfig.logGroup)', fn.urn);
      }
    },
  ),
  stackPolicy(
    'redshift-auto-copy-integration',
    'The S3 event integration has its namespace resource policy and its bucket policy, and no BucketNotification competes for the bucket.',
    (args, report) => {
      for (const integration of args.resources.filter((r) => r.type === T.integration)) {
        const sources = (integration.propertyDependencies.sourceArn ?? []).filter((r) => r.type === T.bucket);
        const targets = (integration.propertyDependencies.targetArn ?? []).filter((r) => r.type === T.namespace);
        for (const ns of targets) {
          const rp = args.resources.find((r) => r.type === T.redshiftPolicy && dependsOn(r, 'resourceArn', ns));
          if (!rp) report('the integration target namespace has no redshift ResourcePolicy', integration.urn);
          else if (sources.length && !sources.every((b) => dependsOn(rp, 'policy', b)))
            report('the namespace resource policy does not name the source bucket', rp.urn);
        }
        for (const bucket of sources) {
          const bp = args.resources.find((r) => r.type === T.bucketPolicy && dependsOn(r, 'bucket', bucket));
          const statements = bp ? statementsOf(bp.props.policy) : undefined;
          if (!bp)
            report('the integration source bucket has no bucket policy for redshift.amazonaws.com', integration.urn);
          else if (
            statements &&
            !statements.some(
              (s) =>
                s.Effect === 'Allow' &&
                JSON.stringify(s.Principal ?? '').includes('redshift.amazonaws.com') &&
                list(s.Action).includes('s3:PutBucketNotification'),
            )
          ) {
            report('the source bucket policy does not let redshift.amazonaws.com manage its notifications', bp.urn);
          }
          for (const n of args.resources.filter((r) => r.type === T.notification && dependsOn(r, 'bucket', bucket)))
            report('BucketNotification on a bucket whose notifications the S3 event integration owns', n.urn);
        }
      }
    },
  ),
  resourcePolicy(
    'iam-service-trust-source',
    "A role a service assumes carries aws:SourceAccount exactly where AWS's trust example for that service does (SERVICE_TRUST_SOURCE).",
    (args, report) => {
      if (args.type === T.role) for (const problem of trustProblems(args.props.assumeRolePolicy)) report(problem);
    },
  ),
  stackPolicy(
    'sns-key-lets-cloudwatch-publish',
    "An encrypted topic's key grants cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*, as AWS's example does (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).",
    (args, report) => {
      for (const topic of args.resources.filter((r) => r.type === T.topic))
        for (const key of (topic.propertyDependencies.kmsMasterKeyId ?? []).filter((r) => r.type === T.kmsKey)) {
          const statements = statementsOf(key.props.policy);
          if (
            statements &&
            !statements.some(
              (s) =>
                s.Effect === 'Allow' &&
                JSON.stringify(s.Principal ?? '').includes('cloudwatch.amazonaws.com') &&
                ['kms:Decrypt', 'kms:GenerateDataKey*'].every((a) => list(s.Action).includes(a)),
            )
          )
            report(
              "the topic's key does not grant cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*",
              key.urn,
            );
        }
    },
  ),
  stackPolicy(
    'redshift-audit-logs-expire',
    'Every log a namespace exports goes to a declared log group /aws/redshift/<namespace>/<log type> (so it has a retention); otherwise Redshift Serverless creates one that never expires (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-audit-logging.html).',
    (args, report) => {
      const names = args.resources.filter((r) => r.type === T.logGroup).map((g) => g.props.name);
      for (const ns of args.resources.filter((r) => r.type === T.namespace)) {
        if (!isKnown(ns.props.namespaceName)) continue;
        for (const logType of list<string>(ns.props.logExports)) {
          const name = `/aws/redshift/${ns.props.namespaceName}/${logType}`;
          if (!names.includes(name)) report(`exports ${logType} but declares no log group ${name}`, ns.urn);
        }
      }
    },
  ),
  ...stackLifePolicies,
];

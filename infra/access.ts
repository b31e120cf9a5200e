// People: one IAM group per persona, with inline least-privilege policies, and the
// stack's three users. Every group requires MFA for everything except managing one's
// own MFA device and password. The program creates no access keys and no passwords.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Persona } from './config';
import { personas } from './config';
import { databaseRoles } from '../warehouse/grants';
import { arnIn, type AwsContext } from './awsContext';
import { policyDocument, type PolicyStatement } from './iam';

export interface AccessArgs {
  /** The stack's people, one per persona (the config schema enforces it). */
  users: { name: string; persona: Persona }[];
  /** The stack's account, Region and partition: the ARNs of MFA devices, users, alarms and QuickSight dashboards. */
  aws: AwsContext;
  /** The stream queues the engineer inspects and sends test messages to. */
  queueArns: pulumi.Input<string>[];
  /** Every DLQ and failure queue the engineer redrives or reads. */
  deadLetterQueueArns: pulumi.Input<string>[];
  /** The producer and the consumers, which the engineer runs and inspects. */
  functionArns: pulumi.Input<string>[];
  /** The migrator, which the engineer reruns. */
  migratorArn: pulumi.Input<string>;
  /** Every function's log group, which the engineer reads. */
  logGroupArns: pulumi.Input<string>[];
  /** The Redshift workgroup analysts and engineers query. */
  workgroupArn: pulumi.Input<string>;
  /** The pipeline's CloudWatch dashboard, which everyone views. */
  dashboardArn: pulumi.Input<string>;
}

// IAM policy variables: literal text, resolved by IAM per request.
const SELF_USER = '${aws:username}';

/** Path of the stack's users and groups. A user's ARN includes it (user/bfstream/alice), so self-service statements must too. */
const PEOPLE_PATH = '/bfstream/';

/**
 * Deny everything without MFA except the calls needed to enrol an MFA device, after AWS's
 * "IAM: Allows IAM users to self-manage an MFA device" example (IAM User Guide,
 * reference_policies_examples_iam_mfa-selfmanage): CreateVirtualMFADevice on mfa/* because a
 * user names the device, and DeleteVirtualMFADevice so a half-created device can be retried.
 */
function mfaStatements(context: AwsContext): PolicyStatement[] {
  return [
    // Listing virtual MFA devices takes no resource in IAM.
    { Sid: 'ListMfaDevices', Effect: 'Allow', Action: ['iam:ListVirtualMFADevices'], Resource: ['*'] },
    {
      Sid: 'CreateMfaDevice',
      Effect: 'Allow',
      Action: ['iam:CreateVirtualMFADevice'],
      Resource: [arnIn(context, 'iam', 'mfa/*', false)],
    },
    // Only a device named after the user: a failed enrolment is retried under that name.
    {
      Sid: 'DeleteOwnMfaDevice',
      Effect: 'Allow',
      Action: ['iam:DeleteVirtualMFADevice'],
      Resource: [arnIn(context, 'iam', `mfa/${SELF_USER}`, false)],
    },
    {
      Sid: 'ManageOwnMfaAndPassword',
      Effect: 'Allow',
      Action: ['iam:EnableMFADevice', 'iam:ResyncMFADevice', 'iam:ListMFADevices', 'iam:GetUser', 'iam:ChangePassword'],
      Resource: [arnIn(context, 'iam', `user${PEOPLE_PATH}${SELF_USER}`, false)],
    },
    {
      Sid: 'DenyAllWithoutMfa',
      Effect: 'Deny',
      NotAction: [
        'iam:CreateVirtualMFADevice',
        'iam:DeleteVirtualMFADevice',
        'iam:EnableMFADevice',
        'iam:GetUser',
        'iam:ListMFADevices',
        'iam:ListVirtualMFADevices',
        'iam:ResyncMFADevice',
        'iam:ChangePassword',
        'sts:GetSessionToken',
      ],
      Resource: ['*'],
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  ];
}

/** Everyone: the pipeline's dashboards, metrics and alarms. */
function viewDashboardStatements(a: AccessArgs): PolicyStatement[] {
  return [
    { Sid: 'ViewPipelineDashboard', Effect: 'Allow', Action: ['cloudwatch:GetDashboard'], Resource: [a.dashboardArn] },
    // ListDashboards takes no resource in IAM; GetMetricData's only one (a CloudWatch dataset) is
    // optional and a metric query names none (policy/catalogue.ts STAR_EXCEPTIONS).
    {
      Sid: 'ReadMetrics',
      Effect: 'Allow',
      Action: ['cloudwatch:GetMetricData', 'cloudwatch:ListDashboards'],
      Resource: ['*'],
    },
    {
      Sid: 'ReadAlarms',
      Effect: 'Allow',
      Action: ['cloudwatch:DescribeAlarms'],
      Resource: [arnIn(a.aws, 'cloudwatch', 'alarm:*')],
    },
    {
      Sid: 'ViewQuickSightDashboards',
      Effect: 'Allow',
      Action: ['quicksight:DescribeDashboard', 'quicksight:ListDashboards'],
      Resource: [arnIn(a.aws, 'quicksight', 'dashboard/*')],
    },
  ];
}

/** Analysts and engineers: SQL on the workgroup, and their own statements' results. */
function queryWarehouseStatements(a: AccessArgs): PolicyStatement[] {
  return [
    {
      Sid: 'QueryWarehouse',
      Effect: 'Allow',
      Action: ['redshift-serverless:GetCredentials', 'redshift-data:ExecuteStatement'],
      Resource: [a.workgroupArn],
    },
    {
      // These Data API actions take no resource in IAM; the condition limits them to the caller's own statements.
      Sid: 'ReadOwnQueryResults',
      Effect: 'Allow',
      Action: [
        'redshift-data:DescribeStatement',
        'redshift-data:GetStatementResult',
        'redshift-data:ListStatements',
        'redshift-data:CancelStatement',
      ],
      Resource: ['*'],
      Condition: { StringEquals: { 'redshift-data:statement-owner-iam-userid': '${aws:userid}' } },
    },
  ];
}

/** Engineers: redrive the DLQs, inspect the queues, run the functions, read their logs. */
function operatePipelineStatements(a: AccessArgs): PolicyStatement[] {
  return [
    {
      // A DLQ redrive reads and deletes from the DLQ and sends to its source queue.
      Sid: 'RedriveDeadLetterQueues',
      Effect: 'Allow',
      Action: [
        'sqs:StartMessageMoveTask',
        'sqs:ListMessageMoveTasks',
        'sqs:CancelMessageMoveTask',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ],
      Resource: a.deadLetterQueueArns,
    },
    {
      Sid: 'InspectStreamQueues',
      Effect: 'Allow',
      Action: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
      Resource: a.queueArns,
    },
    {
      Sid: 'RunPipelineFunctions',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction', 'lambda:GetFunction'],
      Resource: [...a.functionArns, a.migratorArn],
    },
    {
      // Logs Insights: a query is started and its results read on the log groups it names.
      Sid: 'ReadPipelineLogs',
      Effect: 'Allow',
      Action: [
        'logs:FilterLogEvents',
        'logs:GetLogEvents',
        'logs:StartQuery',
        'logs:GetQueryResults',
        'logs:DescribeLogStreams',
      ],
      Resource: a.logGroupArns.map((arn) => pulumi.interpolate`${arn}:*`),
    },
    // Listing log groups takes no resource in IAM (the console's log group picker needs it).
    { Sid: 'ListLogGroups', Effect: 'Allow', Action: ['logs:DescribeLogGroups'], Resource: ['*'] },
  ];
}

/** A persona's statements (without the MFA guard): each persona has the one below it, and more. */
function personaStatements(persona: Persona, a: AccessArgs): PolicyStatement[] {
  switch (persona) {
    case 'viewer':
      return viewDashboardStatements(a);
    case 'analyst':
      return [...viewDashboardStatements(a), ...queryWarehouseStatements(a)];
    case 'engineer':
      return [...viewDashboardStatements(a), ...queryWarehouseStatements(a), ...operatePipelineStatements(a)];
  }
}

export class Access extends pulumi.ComponentResource {
  readonly groups: Record<Persona, aws.iam.Group>;
  readonly users: aws.iam.User[];

  constructor(name: string, args: AccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bfstream:infra:Access', name, {}, opts);

    const groups = {} as Record<Persona, aws.iam.Group>;
    for (const persona of personas) {
      const group = new aws.iam.Group(`${name}-${persona}s`, { path: PEOPLE_PATH }, { parent: this });
      new aws.iam.GroupPolicy(
        `${name}-${persona}s-policy`,
        {
          group: group.name,
          policy: policyDocument([...mfaStatements(args.aws), ...personaStatements(persona, args)]),
        },
        { parent: this },
      );
      groups[persona] = group;
    }
    this.groups = groups;
    this.users = args.users.map((u) => {
      // No access keys and no login profile: an administrator invites each person out of band.
      // RedshiftDbRoles: Redshift Serverless maps this principal tag to the database role of the
      // same name on sign-in (warehouse/grants.ts creates the roles); the viewer has none.
      const dbRole = u.persona === 'viewer' ? undefined : databaseRoles[u.persona];
      const user = new aws.iam.User(
        `${name}-${u.persona}`,
        {
          name: u.name,
          path: PEOPLE_PATH,
          forceDestroy: true,
          ...(dbRole ? { tags: { RedshiftDbRoles: dbRole } } : {}),
        },
        { parent: this },
      );
      new aws.iam.UserGroupMembership(
        `${name}-${u.persona}-membership`,
        { user: user.name, groups: [groups[u.persona].name] },
        { parent: this },
      );
      return user;
    });
    this.registerOutputs({
      groups: Object.fromEntries(personas.map((p) => [p, groups[p].name])),
      users: this.users.map((u) => u.name),
    });
  }
}

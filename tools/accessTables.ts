// The access matrix of every principal: the requests each must be allowed and the ones it
// must be denied. Asserted for both stacks by test/program/access.*.test.ts (through an IAM
// evaluator, see tools/accessMatrix.ts) and rendered into docs/INFRA.md by
// `npm run docs:access`. {name} placeholders are resources of the stack (targetsOf).
import { rejectedPrefix, streamNames, streams, type StreamName } from '../kernel/contracts';
import { streamNamings } from '../kernel/streamNaming';
import type { Row } from './accessMatrix';

const allow = (action: string, on: string, more: Omit<Row, 'expect' | 'action' | 'on'> = {}): Row => ({
  expect: 'allow',
  action,
  on,
  ...more,
});
const deny = (action: string, on: string, more: Omit<Row, 'expect' | 'action' | 'on'> = {}): Row => ({
  expect: 'deny',
  action,
  on,
  ...more,
});
const noMfa = { mfa: false };
const plainHttp = { tls: false };
const ownStatement = { context: { 'redshift-data:statement-owner-iam-userid': '{userId}' } };
const othersStatement = { context: { 'redshift-data:statement-owner-iam-userid': 'AIDAOTHERPERSON00000' } };

/** A landing file of a stream, and a file of its rejected events. */
const streamFile = (s: StreamName) => `{bucket}/${streams[s].prefix}dt=2026-11-27/hour=10/chunk.csv`;
const rejectedFile = (s: StreamName) => `{bucket}/${rejectedPrefix}${s}/dt=2026-11-27/hour=10/chunk.jsonl`;
/** `{salesQueue}`, `{salesConsumerLogs}`, ...: a stream's resources in the rows. */
const placeholder = (s: StreamName, of: keyof (typeof streamNamings)[StreamName]['placeholders']) =>
  `{${streamNamings[s].placeholders[of]}}`;
// The people's and the other services' rows show one stream's files as the example.
const SALES_FILE = streamFile('sales');
const REJECTED_SALES = rejectedFile('sales');
const OWN_MFA = 'arn:aws:iam::{account}:mfa/{self}';
const INTEGRATION = {
  'aws:SourceArn': 'arn:aws:redshift:{region}:{account}:integration:0000-landing',
  'aws:SourceAccount': '{account}',
};

/** Without MFA a person can enrol a device and change the password, and nothing else. */
const enrolWithoutMfa: Row[] = [
  allow('iam:CreateVirtualMFADevice', OWN_MFA, noMfa),
  // The user names the device: any name under mfa/ (AWS's self-manage example).
  allow('iam:CreateVirtualMFADevice', 'arn:aws:iam::{account}:mfa/{self}-phone', noMfa),
  allow('iam:EnableMFADevice', '{selfUser}', noMfa),
  allow('iam:ListMFADevices', '{selfUser}', noMfa),
  allow('iam:ResyncMFADevice', '{selfUser}', noMfa),
  allow('iam:DeleteVirtualMFADevice', OWN_MFA, noMfa),
  allow('iam:ListVirtualMFADevices', '*', noMfa),
  allow('iam:GetUser', '{selfUser}', noMfa),
  allow('iam:ChangePassword', '{selfUser}', noMfa),
  deny('iam:EnableMFADevice', '{otherUser}', noMfa),
  deny('iam:ChangePassword', '{otherUser}', noMfa),
  deny('iam:DeleteVirtualMFADevice', 'arn:aws:iam::{account}:mfa/{otherUserName}', noMfa),
  deny('cloudwatch:GetDashboard', '{dashboard}', noMfa),
];

/** A stream's consumer: its own queue and prefixes, nothing of another stream's. */
function consumerRows(s: StreamName): Row[] {
  const queue = placeholder(s, 'queue');
  const others = streamNames.filter((o) => o !== s);
  return [
    allow('sqs:ReceiveMessage', queue),
    allow('sqs:DeleteMessage', queue),
    allow('sqs:GetQueueAttributes', queue),
    ...others.flatMap((o) => [
      deny('sqs:ReceiveMessage', placeholder(o, 'queue')),
      deny('sqs:DeleteMessage', placeholder(o, 'queue')),
    ]),
    deny('sqs:SendMessage', queue),
    allow('s3:PutObject', streamFile(s)),
    allow('s3:PutObject', rejectedFile(s)),
    ...others.flatMap((o) => [deny('s3:PutObject', streamFile(o)), deny('s3:PutObject', rejectedFile(o))]),
    deny('s3:PutObject', '{bucket}/chunk.csv'),
    deny('s3:GetObject', streamFile(s)),
    deny('s3:PutObject', streamFile(s), plainHttp),
    allow('logs:PutLogEvents', `${placeholder(s, 'consumerLogs')}:log-stream:2026/11/27/[$LATEST]abc`),
    deny('logs:PutLogEvents', '{producerLogs}:log-stream:2026/11/27/[$LATEST]abc'),
  ];
}

export const accessTables: Record<string, Row[]> = {
  engineer: [
    ...enrolWithoutMfa,
    deny('redshift-data:ExecuteStatement', '{workgroup}', noMfa),
    deny('sqs:StartMessageMoveTask', '{salesDlq}', noMfa),
    deny('lambda:InvokeFunction', '{migrator}', noMfa),
    deny('logs:StartQuery', '{producerLogs}:*', noMfa),
    // With MFA: operate the pipeline.
    allow('cloudwatch:GetDashboard', '{dashboard}'),
    allow('redshift-serverless:GetCredentials', '{workgroup}'),
    allow('redshift-data:ExecuteStatement', '{workgroup}'),
    allow('redshift-data:GetStatementResult', '*', ownStatement),
    deny('redshift-data:GetStatementResult', '*', othersStatement),
    allow('sqs:StartMessageMoveTask', '{salesDlq}'),
    allow('sqs:ReceiveMessage', '{inventoryDlq}'),
    allow('sqs:DeleteMessage', '{scheduleDlq}'),
    allow('sqs:SendMessage', '{salesQueue}'),
    allow('sqs:GetQueueAttributes', '{inventoryQueue}'),
    deny('sqs:ReceiveMessage', '{salesQueue}'),
    deny('sqs:DeleteMessage', '{inventoryQueue}'),
    allow('lambda:InvokeFunction', '{producer}'),
    allow('lambda:InvokeFunction', '{migrator}'),
    allow('logs:StartQuery', '{producerLogs}:*'),
    allow('logs:GetQueryResults', '{migratorLogs}:*'),
    allow('logs:DescribeLogGroups', '*'),
    allow('logs:DescribeLogStreams', '{salesConsumerLogs}:*'),
    allow('logs:FilterLogEvents', '{salesConsumerLogs}:*'),
    deny('secretsmanager:GetSecretValue', '{adminSecret}'),
    deny('s3:GetObject', SALES_FILE),
    deny('s3:PutObject', SALES_FILE),
    deny('sns:Publish', '{alarmTopic}'),
    deny('kms:Decrypt', '{alarmsKey}'),
    deny('iam:CreateAccessKey', '{selfUser}'),
  ],
  analyst: [
    ...enrolWithoutMfa,
    deny('redshift-data:ExecuteStatement', '{workgroup}', noMfa),
    // With MFA: query the warehouse through the Data API, read dashboards; no raw data, no secrets.
    allow('redshift-serverless:GetCredentials', '{workgroup}'),
    allow('redshift-data:ExecuteStatement', '{workgroup}'),
    allow('redshift-data:DescribeStatement', '*', ownStatement),
    allow('redshift-data:GetStatementResult', '*', ownStatement),
    deny('redshift-data:GetStatementResult', '*', othersStatement),
    allow('cloudwatch:GetDashboard', '{dashboard}'),
    deny('s3:GetObject', SALES_FILE),
    deny('s3:GetObject', REJECTED_SALES),
    deny('s3:ListBucket', '{bucket}'),
    deny('secretsmanager:GetSecretValue', '{adminSecret}'),
    deny('sqs:ReceiveMessage', '{salesDlq}'),
    deny('lambda:InvokeFunction', '{migrator}'),
    deny('logs:StartQuery', '{producerLogs}:*'),
  ],
  viewer: [
    ...enrolWithoutMfa,
    // With MFA: dashboards, metrics and alarms only.
    allow('cloudwatch:GetDashboard', '{dashboard}'),
    allow('cloudwatch:ListDashboards', '*'),
    allow('cloudwatch:GetMetricData', '*'),
    allow('cloudwatch:DescribeAlarms', 'arn:aws:cloudwatch:{region}:{account}:alarm:bfstream-sales-dlq'),
    allow('quicksight:DescribeDashboard', 'arn:aws:quicksight:{region}:{account}:dashboard/bfstream-sales'),
    deny('cloudwatch:PutDashboard', '{dashboard}'),
    deny('redshift-serverless:GetCredentials', '{workgroup}'),
    deny('redshift-data:ExecuteStatement', '{workgroup}'),
    deny('s3:GetObject', SALES_FILE),
    deny('sqs:ReceiveMessage', '{salesDlq}'),
    deny('logs:FilterLogEvents', '{producerLogs}:*'),
  ],
  ...Object.fromEntries(streamNames.map((s) => [streamNamings[s].consumerRole, consumerRows(s)])),
  producer: [
    ...streamNames.map((s) => allow('sqs:SendMessage', placeholder(s, 'queue'))),
    deny('sqs:SendMessage', '{salesDlq}'),
    deny('sqs:SendMessage', '{scheduleDlq}'),
    deny('sqs:ReceiveMessage', '{salesQueue}'),
    deny('s3:PutObject', SALES_FILE),
    allow('logs:PutLogEvents', '{producerLogs}:log-stream:2026/11/27/[$LATEST]abc'),
    // Lambda sends a failed window's record to the on-failure queue with this role.
    allow('sqs:SendMessage', '{producerFailures}'),
    deny('sqs:SendMessage', '{loadCheckFailures}'),
  ],
  scheduler: [
    allow('lambda:InvokeFunction', '{producer}'),
    deny('lambda:InvokeFunction', '{salesConsumer}'),
    deny('lambda:InvokeFunction', '{migrator}'),
    allow('sqs:SendMessage', '{scheduleDlq}'),
    deny('sqs:SendMessage', '{salesQueue}'),
    deny('sqs:SendMessage', '{salesDlq}'),
  ],
  copy: [
    ...streamNames.map((s) => allow('s3:GetObject', streamFile(s))),
    allow('s3:ListBucket', '{bucket}', { context: { 's3:prefix': 'sales/dt=2026-11-27/' } }),
    deny('s3:ListBucket', '{bucket}', { context: { 's3:prefix': 'rejected/' } }),
    deny('s3:GetObject', REJECTED_SALES),
    deny('s3:GetObject', '{bucket}/chunk.csv'),
    deny('s3:PutObject', SALES_FILE),
    deny('s3:GetObject', SALES_FILE, plainHttp),
  ],
  migrator: [
    allow('redshift-data:ExecuteStatement', '{workgroup}'),
    allow('redshift-data:BatchExecuteStatement', '{workgroup}'),
    deny(
      'redshift-data:ExecuteStatement',
      'arn:aws:redshift-serverless:{region}:{account}:workgroup/00000000-0000-4000-8000-000000000000',
    ),
    allow('redshift-data:DescribeStatement', '*', ownStatement),
    deny('redshift-data:DescribeStatement', '*', othersStatement),
    allow('secretsmanager:GetSecretValue', '{adminSecret}'),
    deny('secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:{region}:{account}:secret:another-secret-AbCdEf'),
    deny('s3:GetObject', SALES_FILE),
    // A migrator about to time out cancels its own statement, never another's.
    allow('redshift-data:CancelStatement', '*', ownStatement),
    deny('redshift-data:CancelStatement', '*', othersStatement),
    allow('redshift-data:ListStatements', '*'),
    // Files that predate a COPY JOB: listed, then loaded once; each new job's smoke-test canary.
    allow('s3:ListBucket', '{bucket}', { context: { 's3:prefix': 'sales/' } }),
    allow('s3:PutObject', '{bucket}/sales/_smoke/sales_transactions_autocopy-0123456789ab.csv'),
    deny('s3:PutObject', SALES_FILE),
    allow('sqs:SendMessage', '{loadCheckFailures}'),
  ],
  'warehouse-load-check': [
    allow('lambda:InvokeFunction', '{migrator}'),
    deny('lambda:InvokeFunction', '{producer}'),
    allow('sqs:SendMessage', '{loadCheckFailures}'),
    deny('sqs:SendMessage', '{salesQueue}'),
  ],
  // AWS services, let in by resource policies only, for this account's resources.
  'cloudwatch-service': [
    allow('sns:Publish', '{alarmTopic}', { context: { 'aws:SourceAccount': '{account}' } }),
    deny('sns:Publish', '{alarmTopic}', { context: { 'aws:SourceAccount': '999999999999' } }),
    allow('kms:GenerateDataKey', '{alarmsKey}', { context: { 'aws:SourceAccount': '{account}' } }),
    deny('kms:Decrypt', '{alarmsKey}', { context: { 'aws:SourceAccount': '999999999999' } }),
    deny('s3:GetObject', SALES_FILE, { context: { 'aws:SourceAccount': '{account}' } }),
  ],
  'redshift-service': [
    allow('s3:PutBucketNotification', '{bucket}', { context: INTEGRATION }),
    allow('s3:GetBucketLocation', '{bucket}', { context: INTEGRATION }),
    deny('s3:PutBucketNotification', '{bucket}', {
      context: {
        'aws:SourceArn': 'arn:aws:redshift:{region}:999999999999:integration:abc',
        'aws:SourceAccount': '999999999999',
      },
    }),
    deny('s3:PutBucketNotification', '{bucket}', { context: INTEGRATION, tls: false }),
    deny('s3:GetObject', SALES_FILE, { context: INTEGRATION }),
    // The namespace resource policy (redshift:AuthorizeInboundIntegration) cannot be evaluated:
    // the catalogue, and so the simulator, knows no Redshift Serverless namespace ARN for it.
  ],
};

/** Headings of the tables in docs/INFRA.md, in order. */
export const accessTitles: Record<string, string> = {
  engineer: 'engineer (IAM user in the engineers group)',
  analyst: 'analyst (IAM user in the analysts group)',
  viewer: 'viewer (IAM user in the viewers group)',
  ...Object.fromEntries(streamNames.map((s) => [streamNamings[s].consumerRole, `${s} consumer role`])),
  producer: 'producer role',
  scheduler: 'scheduler role',
  copy: 'COPY role (Redshift auto-copy)',
  migrator: 'migrator role',
  'warehouse-load-check': 'load-check scheduler role',
  'cloudwatch-service': 'CloudWatch (service principal; alarm topic and key policies)',
  'redshift-service': 'Redshift (service principal; bucket policy)',
};

const VIA_SECRETS_MANAGER = 'secretsmanager.{region}.amazonaws.com';
const OTHER_SECRET = 'arn:aws:secretsmanager:{region}:{account}:secret:another-secret-AbCdEf';
/** A request Secrets Manager makes to KMS on the caller's behalf. */
const viaSecretsManager = { context: { 'kms:ViaService': VIA_SECRETS_MANAGER, 'kms:CallerAccount': '{account}' } };
/** The same key, called directly (no Secrets Manager in between). */
const direct = { context: { 'kms:CallerAccount': '{account}' } };

/**
 * With dashboardEnabled (and the QuickSight grant): who may touch the dashboard's database secret.
 * Asserted by test/program/dashboardSuite.ts, rendered into docs/INFRA.md's second generated block.
 */
export const dashboardAccessTables: Record<string, Row[]> = {
  migrator: [
    // It creates bfstream_dashboard and writes its credentials: read, write, describe; nothing else.
    allow('secretsmanager:GetSecretValue', '{dashboardSecret}'),
    allow('secretsmanager:PutSecretValue', '{dashboardSecret}'),
    allow('secretsmanager:DescribeSecret', '{dashboardSecret}'),
    deny('secretsmanager:DeleteSecret', '{dashboardSecret}'),
    deny('secretsmanager:PutResourcePolicy', '{dashboardSecret}'),
    deny('secretsmanager:UpdateSecret', '{dashboardSecret}'),
    deny('secretsmanager:PutSecretValue', '{adminSecret}'),
    deny('secretsmanager:PutSecretValue', OTHER_SECRET),
    allow('kms:GenerateDataKey', '{dashboardSecretKey}', viaSecretsManager),
    allow('kms:Decrypt', '{dashboardSecretKey}', viaSecretsManager),
    deny('kms:Decrypt', '{dashboardSecretKey}', direct),
    deny('kms:Decrypt', '{alarmsKey}', viaSecretsManager),
  ],
  // QuickSight's role for granted secrets (AWS creates it in the console grant): this secret, read only.
  'quicksight-secrets': [
    allow('secretsmanager:GetSecretValue', '{dashboardSecret}'),
    allow('kms:Decrypt', '{dashboardSecretKey}', viaSecretsManager),
    deny('kms:Decrypt', '{dashboardSecretKey}', direct),
    deny('secretsmanager:GetSecretValue', OTHER_SECRET),
    deny('kms:GenerateDataKey', '{dashboardSecretKey}', viaSecretsManager),
    deny('secretsmanager:GetSecretValue', '{adminSecret}'),
    deny('secretsmanager:PutSecretValue', '{dashboardSecret}'),
    deny('kms:Decrypt', '{alarmsKey}', viaSecretsManager),
  ],
  // The VPC connection's role manages network interfaces; it never reads the secret.
  'dashboard-vpc': [
    deny('secretsmanager:GetSecretValue', '{dashboardSecret}'),
    deny('kms:Decrypt', '{dashboardSecretKey}', viaSecretsManager),
  ],
};

export const dashboardAccessTitles: Record<string, string> = {
  migrator: 'migrator role: the dashboard secret',
  'quicksight-secrets':
    "QuickSight's Secrets Manager role (aws-quicksight-secretsmanager-role-v0, after the console grant)",
  'dashboard-vpc': 'QuickSight VPC connection role',
};

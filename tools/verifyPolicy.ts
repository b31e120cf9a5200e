// The least-privilege IAM policy of the identity that runs `npm run verify`, made from the
// deployed stack's outputs: every statement names the stack's own resources, and only the
// actions whose IAM entry has no resource type (ListUsageLimits, DescribeSubnets, the Data
// API's statement reads) use `*`, the statement reads tied to the caller's own statements.
// The database side: the identity signs in through the Data API with GetCredentials and its
// principal tag RedshiftDbRoles=bfstream_engineer gives it the engineer's reads (docs/INFRA.md).
import { perStream } from '../kernel/contracts';
import type { PolicyDoc } from './accessMatrix';
import type { DeployedStack } from './verifyOutputs';

/** `arn:partition:service:region:account` of the stack, read from the workgroup's ARN. */
function arnHead(stack: DeployedStack, service: string): string {
  const [, partition, , region, account] = stack.workgroupArn.split(':');
  return `arn:${partition}:${service}:${region}:${account}`;
}

/** An SQS queue's ARN from its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
function queueArn(stack: DeployedStack, url: string): string {
  return `${arnHead(stack, 'sqs')}:${url.split('/').pop()}`;
}

export function verifyPolicy(stack: DeployedStack): PolicyDoc {
  const fn = (name: string) => `${arnHead(stack, 'lambda')}:function:${name}`;
  const queues = [...Object.values(stack.queueUrls), ...Object.values(stack.deadLetterQueueUrls)];
  const qs = stack.quicksight;
  const quicksight = (type: string, id: string) => `${arnHead(stack, 'quicksight')}:${type}/${id}`;
  const statements: Record<string, unknown>[] = [
    {
      Sid: 'RunOneWindowAndTheChecks',
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: [fn(stack.producerFunctionName), fn(stack.migratorFunctionName)],
    },
    {
      Sid: 'WatchTheQueues',
      Effect: 'Allow',
      Action: 'sqs:GetQueueAttributes',
      Resource: queues.map((u) => queueArn(stack, u)),
    },
    {
      Sid: 'ListTheLandingKeys',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: `arn:${stack.workgroupArn.split(':')[1]}:s3:::${stack.landingBucket}`,
    },
    {
      Sid: 'QueryTheWarehouse',
      Effect: 'Allow',
      Action: [
        'redshift-serverless:GetCredentials',
        'redshift-data:ExecuteStatement',
        'redshift-serverless:GetWorkgroup',
      ],
      Resource: stack.workgroupArn,
    },
    {
      // No resource type in IAM: tied to the caller's own statements.
      Sid: 'ReadOwnStatements',
      Effect: 'Allow',
      Action: ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult'],
      Resource: '*',
      Condition: { StringEquals: { 'redshift-data:statement-owner-iam-userid': '${aws:userid}' } },
    },
    {
      // No resource type in IAM: read-only lists of the usage limits and the subnets' zones.
      Sid: 'ReadLimitsAndZones',
      Effect: 'Allow',
      Action: ['redshift-serverless:ListUsageLimits', 'ec2:DescribeSubnets'],
      Resource: '*',
    },
    {
      Sid: 'ReadTheAlarms',
      Effect: 'Allow',
      Action: 'cloudwatch:DescribeAlarms',
      Resource: stack.alarmNames.map((n) => `${arnHead(stack, 'cloudwatch')}:alarm:${n}`),
    },
  ];
  if (qs)
    statements.push({
      Sid: 'ReadTheDashboard',
      Effect: 'Allow',
      Action: ['quicksight:DescribeDashboard', 'quicksight:DescribeDataSet', 'quicksight:DescribeDataSource'],
      Resource: [
        quicksight('dashboard', qs.dashboardId),
        quicksight('datasource', qs.dataSourceId),
        ...qs.dataSetIds.map((id) => quicksight('dataset', id)),
      ],
    });
  return { Version: '2012-10-17', Statement: statements };
}

/** A stack of placeholders (`<account>`, `<producer function>`, ...): the policy as docs/INFRA.md shows it. */
export const PLACEHOLDER_STACK: DeployedStack = {
  region: '<region>',
  queueUrls: perStream((s) => `https://sqs.<region>.amazonaws.com/<account>/<${s} queue>`),
  deadLetterQueueUrls: perStream((s) => `https://sqs.<region>.amazonaws.com/<account>/<${s} dead-letter queue>`),
  landingBucket: '<landing bucket>',
  workgroupName: '<workgroup name>',
  workgroupArn: 'arn:aws:redshift-serverless:<region>:<account>:workgroup/<workgroup id>',
  database: '<database>',
  producerFunctionName: '<producer function>',
  migratorFunctionName: '<migrator function>',
  windowMinutes: 1,
  alarmNames: ['<each alarm name>'],
  quicksight: {
    accountId: '<account>',
    dashboardId: '<dashboard id>',
    dataSourceId: '<data source id>',
    dataSetIds: ['<each data set id>'],
  },
};

const START = '<!-- verify-policy:start (npm run docs:verify-policy) -->';
const END = '<!-- verify-policy:end -->';

/** The docs' block: the policy for the placeholder stack, as JSON. */
export function renderPolicyBlock(): string {
  return `${START}\n\n\`\`\`json\n${JSON.stringify(verifyPolicy(PLACEHOLDER_STACK), null, 2)}\n\`\`\`\n\n${END}`;
}

/** The block as it stands in a document, or undefined. */
export function policyBlockOf(doc: string): string | undefined {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  return start >= 0 && end > start ? doc.slice(start, end + END.length) : undefined;
}

// The verify identity's policy, evaluated by the IAM evaluator against the program's graph:
// it allows exactly what `npm run verify` calls on this stack's resources, and nothing that
// writes data, reads a message or an object, or reaches another stack's resources.
import { MOCK_ACCOUNT, runUnderMocks, stackConfigUnderTest, type MockRun } from './mockGraph';
import { evaluate, targetsOf, type Principal, type Row } from './accessMatrix';
import { readFileSync } from 'node:fs';
import { policyBlockOf, renderPolicyBlock, verifyPolicy } from './verifyPolicy';
import { parseStackOutputs, type DeployedStack } from './verifyOutputs';

const QS = `arn:aws:quicksight:us-east-1:${MOCK_ACCOUNT}:group/default/analysts`;

let run: MockRun;
let stack: DeployedStack;
let verifier: Principal;

beforeAll(async () => {
  const config = {
    ...stackConfigUnderTest('dev'),
    'bfstream:dashboardEnabled': 'true',
    'bfstream:quicksightPrincipalArn': QS,
    // The data source is declared once QuickSight may read its secret (docs/INFRA.md, turn-on steps).
    'bfstream:quicksightSecretGranted': 'true',
  };
  run = await runUnderMocks({ stack: 'dev', config });
  const parsed = parseStackOutputs(run.outputs);
  if ('problems' in parsed) throw new Error(parsed.problems.join('; '));
  stack = parsed.stack;
  verifier = {
    key: 'verify',
    arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/bfstream-verify`,
    userId: 'AROAVERIFY:verify',
    identityPolicies: [{ name: 'verify', policy: verifyPolicy(stack) }],
  };
}, 120_000);

const qsArn = (type: string, id: string) => `arn:aws:quicksight:us-east-1:${MOCK_ACCOUNT}:${type}/${id}`;

const rows = (): Row[] => [
  { expect: 'allow', action: 'lambda:InvokeFunction', on: '{producer}' },
  { expect: 'allow', action: 'lambda:InvokeFunction', on: '{migrator}' },
  { expect: 'deny', action: 'lambda:InvokeFunction', on: '{salesConsumer}' },
  { expect: 'deny', action: 'lambda:UpdateFunctionCode', on: '{producer}' },
  { expect: 'allow', action: 'sqs:GetQueueAttributes', on: '{salesQueue}' },
  { expect: 'allow', action: 'sqs:GetQueueAttributes', on: '{inventoryDlq}' },
  { expect: 'deny', action: 'sqs:ReceiveMessage', on: '{salesQueue}' },
  { expect: 'deny', action: 'sqs:SendMessage', on: '{salesQueue}' },
  { expect: 'deny', action: 'sqs:PurgeQueue', on: '{salesDlq}' },
  { expect: 'allow', action: 's3:ListBucket', on: '{bucket}' },
  { expect: 'deny', action: 's3:GetObject', on: '{bucket}/sales/x.csv' },
  { expect: 'deny', action: 's3:PutObject', on: '{bucket}/sales/x.csv' },
  { expect: 'allow', action: 'redshift-serverless:GetCredentials', on: '{workgroup}' },
  { expect: 'allow', action: 'redshift-data:ExecuteStatement', on: '{workgroup}' },
  { expect: 'allow', action: 'redshift-serverless:GetWorkgroup', on: '{workgroup}' },
  { expect: 'deny', action: 'redshift-serverless:UpdateWorkgroup', on: '{workgroup}' },
  {
    expect: 'deny',
    action: 'redshift-data:ExecuteStatement',
    on: 'arn:aws:redshift-serverless:us-east-1:{account}:workgroup/another',
  },
  {
    expect: 'allow',
    action: 'redshift-data:GetStatementResult',
    on: '*',
    context: { 'redshift-data:statement-owner-iam-userid': '{userId}' },
  },
  {
    expect: 'deny',
    action: 'redshift-data:GetStatementResult',
    on: '*',
    context: { 'redshift-data:statement-owner-iam-userid': 'AROAOTHER:someone' },
  },
  { expect: 'allow', action: 'redshift-serverless:ListUsageLimits', on: '*' },
  { expect: 'deny', action: 'redshift-serverless:UpdateUsageLimit', on: '*' },
  { expect: 'allow', action: 'ec2:DescribeSubnets', on: '*' },
  { expect: 'deny', action: 'secretsmanager:GetSecretValue', on: '{adminSecret}' },
];

test('the verify identity may call what the command calls on this stack, and nothing that reads or writes data', async () => {
  const targets = targetsOf(run, verifier);
  const table = [
    ...rows(),
    ...stack.alarmNames.map((n): Row => ({
      expect: 'allow',
      action: 'cloudwatch:DescribeAlarms',
      on: `arn:aws:cloudwatch:us-east-1:{account}:alarm:${n}`,
    })),
    {
      expect: 'deny',
      action: 'cloudwatch:SetAlarmState',
      on: `arn:aws:cloudwatch:us-east-1:{account}:alarm:${stack.alarmNames[0]}`,
    },
    {
      expect: 'allow',
      action: 'quicksight:DescribeDataSource',
      on: qsArn('datasource', stack.quicksight!.dataSourceId),
    },
    { expect: 'allow', action: 'quicksight:DescribeDashboard', on: qsArn('dashboard', stack.quicksight!.dashboardId) },
    ...stack.quicksight!.dataSetIds.map((id): Row => ({
      expect: 'allow',
      action: 'quicksight:DescribeDataSet',
      on: qsArn('dataset', id),
    })),
    { expect: 'deny', action: 'quicksight:UpdateDataSource', on: qsArn('datasource', stack.quicksight!.dataSourceId) },
  ] satisfies Row[];
  expect(targets.account).toBe(MOCK_ACCOUNT);
  const wrong: string[] = [];
  for (const row of table) {
    const decision = await evaluate(run, verifier, row);
    if ((decision.result === 'Allowed') !== (row.expect === 'allow'))
      wrong.push(`${row.action} on ${decision.resource}: expected ${row.expect}, AWS decides ${decision.result}`);
  }
  expect(wrong).toEqual([]);
  expect(table.length).toBeGreaterThan(35);
}, 120_000);

test("every statement names the stack's resources; `*` only where IAM has no resource type", () => {
  const policy = verifyPolicy(stack);
  const star = policy.Statement.filter((s) => s.Resource === '*').map((s) => s.Sid);
  expect(star).toEqual(['ReadOwnStatements', 'ReadLimitsAndZones']);
  expect(JSON.stringify(policy)).not.toMatch(/"Action":"[a-z-]+:\*"|"\w+:\*"/);
});

test('docs/INFRA.md shows the policy the code makes (npm run docs:verify-policy rewrites it)', () => {
  expect(policyBlockOf(readFileSync('docs/INFRA.md', 'utf8'))).toBe(renderPolicyBlock());
});

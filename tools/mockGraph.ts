// Runs the Pulumi program under pulumi.runtime.setMocks and records the resource
// graph: what `pulumi preview` would send to AWS, without the CLI or credentials.
// Used by the infra tests, the policy tests and `npm run plan`. Public API only (setMocks,
// disconnect), but for the URN, parent and dependencies of each registration: registrationEdges.ts.
import { createHash } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import { stackYamlConfig } from './config';
import { tapRegistrationEdges, type RegistrationEdges } from './registrationEdges';

export const MOCK_ACCOUNT = '123456789012';

export interface MockedResource {
  urn: string;
  type: string;
  name: string;
  parentUrn?: string;
  custom: boolean;
  /** What the program passed (Outputs resolved). */
  inputs: Record<string, any>;
  /** Inputs plus the outputs the mock returned (arn, id, url, ...). */
  state: Record<string, any>;
  id?: string;
  /** URNs each input property was computed from (what the engine gives policy packs). */
  propertyDependencies: Record<string, string[]>;
  dependencies: string[];
}

export interface MockRun {
  resources: MockedResource[];
  outputs: Record<string, unknown>;
  /** Resource registration errors (the program threw inside an apply, a closure failed to serialize, ...). */
  errors: string[];
}

export interface MockRunOptions {
  project?: string;
  stack: string;
  /** Full keys: `bfstream:batchSize`, `aws:region`; values as Pulumi passes them (strings). */
  config: Record<string, string>;
  /** Declares the resources and returns the stack outputs (for example `() => require('../index')`). */
  program: () => Record<string, unknown> | void;
}

/**
 * Hex digits for a resource's mocked ids, derived from its type and name (not from the
 * order of registration), so two versions of the program that both declare a resource
 * give it the same ids, and `npm run plan -- --against` diffs only what really changed.
 */
function hexFor(type: string, name: string): (n: number) => string {
  let draw = 0;
  return (n) => createHash('sha256').update(`${type}::${name}::${draw++}`).digest('hex').slice(0, n);
}

/** Realistic outputs per resource type: ARNs in the right shape, ids, urls, endpoints. */
export function mockState(
  type: string,
  name: string,
  inputs: Record<string, any>,
  region: string,
): { id: string; state: Record<string, any> } {
  const acct = MOCK_ACCOUNT;
  const hex = hexFor(type, name);
  const physical = `${name}-${hex(7)}`;
  const [pkg, mod] = type.split(':');
  const service = (mod ?? '').split('/')[0];
  const base = { ...inputs };
  switch (type) {
    case 'aws:sqs/queue:Queue': {
      const queueName = inputs.name ?? physical;
      return {
        id: `https://sqs.${region}.amazonaws.com/${acct}/${queueName}`,
        state: {
          ...base,
          name: queueName,
          arn: `arn:aws:sqs:${region}:${acct}:${queueName}`,
          url: `https://sqs.${region}.amazonaws.com/${acct}/${queueName}`,
        },
      };
    }
    case 'aws:s3/bucket:Bucket': {
      const bucket = inputs.bucket ?? physical.toLowerCase();
      return {
        id: bucket,
        state: {
          ...base,
          bucket,
          arn: `arn:aws:s3:::${bucket}`,
          region,
          bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
        },
      };
    }
    case 'aws:iam/role:Role':
      return {
        id: inputs.name ?? physical,
        state: {
          ...base,
          name: inputs.name ?? physical,
          arn: `arn:aws:iam::${acct}:role/${inputs.name ?? physical}`,
          uniqueId: `AROA${hex(16)}`,
        },
      };
    case 'aws:iam/user:User':
      return {
        id: inputs.name,
        state: {
          ...base,
          arn: `arn:aws:iam::${acct}:user${inputs.path ?? '/'}${inputs.name}`,
          uniqueId: `AIDA${hex(16)}`,
        },
      };
    case 'aws:iam/group:Group':
      return {
        id: inputs.name ?? physical,
        state: {
          ...base,
          name: inputs.name ?? physical,
          arn: `arn:aws:iam::${acct}:group${inputs.path ?? '/'}${inputs.name ?? physical}`,
        },
      };
    case 'aws:lambda/function:Function': {
      const functionName = inputs.name ?? physical;
      const arn = `arn:aws:lambda:${region}:${acct}:function:${functionName}`;
      return {
        id: functionName,
        state: {
          ...base,
          name: functionName,
          arn,
          invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
          qualifiedArn: `${arn}:$LATEST`,
        },
      };
    }
    case 'aws:cloudwatch/logGroup:LogGroup': {
      const groupName = inputs.name ?? `/aws/lambda/${physical}`;
      return {
        id: groupName,
        state: { ...base, name: groupName, arn: `arn:aws:logs:${region}:${acct}:log-group:${groupName}` },
      };
    }
    case 'aws:redshiftserverless/namespace:Namespace': {
      const uuid = `${hex(8)}-0000-4000-8000-${hex(12)}`;
      return {
        id: inputs.namespaceName,
        state: {
          ...base,
          namespaceId: uuid,
          arn: `arn:aws:redshift-serverless:${region}:${acct}:namespace/${uuid}`,
          adminPasswordSecretArn: `arn:aws:secretsmanager:${region}:${acct}:secret:redshift!${inputs.namespaceName}-admin-${hex(6)}`,
        },
      };
    }
    case 'aws:redshiftserverless/workgroup:Workgroup': {
      const uuid = `${hex(8)}-0000-4000-8000-${hex(12)}`;
      return {
        id: inputs.workgroupName,
        state: {
          ...base,
          workgroupId: uuid,
          arn: `arn:aws:redshift-serverless:${region}:${acct}:workgroup/${uuid}`,
          endpoints: [
            {
              address: `${inputs.workgroupName}.${acct}.${region}.redshift-serverless.amazonaws.com`,
              port: 5439,
              vpcEndpoints: [],
            },
          ],
        },
      };
    }
    case 'aws:redshift/integration:Integration':
      return {
        id: physical,
        state: { ...base, arn: `arn:aws:redshift:${region}:${acct}:integration:${hex(8)}-0000-4000-8000-${hex(12)}` },
      };
    case 'aws:cloudwatch/dashboard:Dashboard':
      return {
        id: inputs.dashboardName,
        state: { ...base, dashboardArn: `arn:aws:cloudwatch::${acct}:dashboard/${inputs.dashboardName}` },
      };
    case 'aws:scheduler/schedule:Schedule':
      return {
        id: `default/${inputs.name ?? physical}`,
        state: {
          ...base,
          name: inputs.name ?? physical,
          arn: `arn:aws:scheduler:${region}:${acct}:schedule/default/${inputs.name ?? physical}`,
        },
      };
    case 'aws:ec2/securityGroup:SecurityGroup':
      return {
        id: `sg-${hex(17)}`,
        state: { ...base, arn: `arn:aws:ec2:${region}:${acct}:security-group/sg-${hex(17)}` },
      };
    case 'awsx:ec2:Vpc': {
      // A remote component: under mocks it is one resource, with only the outputs given here.
      const azs = inputs.numberOfAvailabilityZones ?? 3;
      const subnets = (kind: string) =>
        (inputs.subnetSpecs ?? []).some((s: { type: string }) => s.type === kind)
          ? Array.from({ length: azs }, () => `subnet-${hex(17)}`)
          : [];
      return {
        id: `vpc-${hex(17)}`,
        state: {
          ...base,
          vpcId: `vpc-${hex(17)}`,
          isolatedSubnetIds: subnets('Isolated'),
          privateSubnetIds: subnets('Private'),
          publicSubnetIds: subnets('Public'),
          natGateways: [],
          eips: [],
        },
      };
    }
    case 'aws:kms/key:Key':
      return {
        id: `${hex(8)}-0000-4000-8000-${hex(12)}`,
        state: { ...base, arn: `arn:aws:kms:${region}:${acct}:key/${hex(8)}-0000-4000-8000-${hex(12)}` },
      };
    case 'aws:sns/topic:Topic':
      return {
        id: `arn:aws:sns:${region}:${acct}:${physical}`,
        state: { ...base, name: physical, arn: `arn:aws:sns:${region}:${acct}:${physical}` },
      };
    case 'aws:quicksight/dataSource:DataSource':
      return {
        id: `${acct},${inputs.dataSourceId}`,
        state: { ...base, arn: `arn:aws:quicksight:${region}:${acct}:datasource/${inputs.dataSourceId}` },
      };
    case 'aws:quicksight/dataSet:DataSet':
      return {
        id: `${acct},${inputs.dataSetId}`,
        state: { ...base, arn: `arn:aws:quicksight:${region}:${acct}:dataset/${inputs.dataSetId}` },
      };
    case 'aws-native:quicksight:Dashboard':
      return {
        id: `${acct}|${inputs.dashboardId}`,
        state: { ...base, arn: `arn:aws:quicksight:${region}:${acct}:dashboard/${inputs.dashboardId}` },
      };
    case 'aws-native:quicksight:Analysis':
      return {
        id: `${acct}|${inputs.analysisId}`,
        state: { ...base, arn: `arn:aws:quicksight:${region}:${acct}:analysis/${inputs.analysisId}` },
      };
    case 'aws:quicksight/vpcConnection:VpcConnection':
      return {
        id: `${acct},${inputs.vpcConnectionId}`,
        state: { ...base, arn: `arn:aws:quicksight:${region}:${acct}:vpcConnection/${inputs.vpcConnectionId}` },
      };
    default:
      if (pkg !== 'aws') return { id: physical, state: base };
      return {
        id: physical,
        state: { ...base, name: inputs.name ?? physical, arn: `arn:aws:${service}:${region}:${acct}:${physical}` },
      };
  }
}

function mockCall(token: string, inputs: Record<string, any>, region: string): Record<string, any> {
  switch (token) {
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return {
        accountId: MOCK_ACCOUNT,
        arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/deployer`,
        userId: 'AIDAMOCKDEPLOYER',
        id: MOCK_ACCOUNT,
      };
    case 'aws:index/getPartition:getPartition':
      return { partition: 'aws', dnsSuffix: 'amazonaws.com', reverseDnsPrefix: 'com.amazonaws', id: 'aws' };
    case 'aws:index/getRegion:getRegion':
      return { name: region, region, id: region, description: region, endpoint: `ec2.${region}.amazonaws.com` };
    case 'aws:ec2/getManagedPrefixList:getManagedPrefixList':
      return {
        id: 'pl-63a5400a',
        name: inputs.name,
        arn: `arn:aws:ec2:${region}:aws:prefix-list/pl-63a5400a`,
        entries: [],
        maxEntries: 0,
      };
    default:
      throw new Error(`mock: no result for call ${token}`);
  }
}

// Secret values arrive wrapped ({<sig>: <secret sig>, value}); tests and policies read the plain value.
function unwrapSecrets(value: any): any {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (!value || typeof value !== 'object' || value.constructor !== Object) return value;
  if (value[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return unwrapSecrets(value.value);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
}

function resolveOutputs(value: unknown): Promise<unknown> {
  return new Promise((resolve) =>
    (pulumi.output(value as pulumi.Input<Record<string, unknown>>) as pulumi.Output<unknown>).apply((v) => resolve(v)),
  );
}

/** One program run per call; Pulumi's runtime state is per process (per jest test file). */
export async function runUnderMocks(options: MockRunOptions): Promise<MockRun> {
  const project = options.project ?? 'bfstream';
  const region = options.config['aws:region'] ?? 'us-east-1';
  const registered: {
    resource: Omit<MockedResource, 'urn' | 'parentUrn' | 'propertyDependencies' | 'dependencies'>;
    edges: RegistrationEdges;
  }[] = [];
  const errors: string[] = [];
  pulumi.runtime.setAllConfig(options.config);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const edges = edgesOfCurrent();
        try {
          const { id, state } = mockState(args.type, args.name, args.inputs, region);
          const mocked = { id: args.custom ? id : undefined, state };
          registered.push({
            resource: {
              type: args.type,
              name: args.name,
              custom: Boolean(args.custom),
              inputs: unwrapSecrets(args.inputs),
              state: unwrapSecrets(state),
              id: mocked.id,
            },
            edges,
          });
          return mocked;
        } catch (err) {
          errors.push(`${args.type} ${args.name}: ${(err as Error).message ?? err}`);
          throw err;
        }
      },
      call: (args) => mockCall(args.token, args.inputs, region),
    },
    project,
    options.stack,
    false,
  );
  // What the public mock arguments do not carry (URN, parent, dependencies): one adapter.
  const edgesOfCurrent = tapRegistrationEdges();

  const onRejection = (reason: unknown) => errors.push(String((reason as Error)?.stack ?? reason));
  process.on('unhandledRejection', onRejection);
  try {
    const exported = options.program() ?? {};
    const outputs = (await resolveOutputs(exported)) as Record<string, unknown>;
    // Public: waits for every outstanding registration (including those made inside applies), then
    // drops the mock monitor; the next run's setMocks installs a new one.
    await pulumi.runtime.disconnect();
    const resources = registered.flatMap(({ resource, edges }): MockedResource[] =>
      edges.urn
        ? [
            {
              ...resource,
              urn: edges.urn,
              parentUrn: edges.parentUrn,
              propertyDependencies: edges.propertyDependencies,
              dependencies: edges.dependencies,
            },
          ]
        : [],
    );
    return { resources, outputs, errors };
  } finally {
    process.off('unhandledRejection', onRejection);
  }
}

/** Convenience lookups over a run. */
export function ofType(run: MockRun, type: string): MockedResource[] {
  return run.resources.filter((r) => r.type === type);
}

export function named(run: MockRun, type: string, name: string): MockedResource {
  const found = run.resources.find((r) => r.type === type && r.name === name);
  if (!found)
    throw new Error(
      `no ${type} named ${name}; have: ${
        ofType(run, type)
          .map((r) => r.name)
          .join(', ') || 'none'
      }`,
    );
  return found;
}

export { stackYamlConfig } from './config';

/**
 * A stack's config as the tests run it: its YAML file, plus the required values that the
 * file leaves to the operator (Pulumi.prod.yaml names no alarm address, and has no placeholder).
 */
export function stackConfigUnderTest(stack: string, projectDir = process.cwd()): Record<string, string> {
  const config = stackYamlConfig(stack, projectDir);
  return 'bfstream:alarmEmail' in config
    ? config
    : { ...config, 'bfstream:alarmEmail': `oncall@${stack}.bfstream.test` };
}

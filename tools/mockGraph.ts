// Runs the Pulumi program under pulumi.runtime.setMocks and records the resource
// graph: what `pulumi preview` would send to AWS, without the CLI or credentials.
// Used by the program suites (test/program/), the archive builder, the bench and `npm run plan`.
// Public API only (setMocks, disconnect), but for the URN, parent and dependencies of each
// registration: registrationEdges.ts, the one adapter over a Pulumi internal.
import { createHash } from 'node:crypto';
import { runInThisContext } from 'node:vm';
import * as pulumi from '@pulumi/pulumi';
import { stackYamlConfig } from '../infra/config';
import type { RecordedResource } from '../policy/runLocal';
import { tapRegistrationEdges, type RegistrationEdges } from './registrationEdges';

export const MOCK_ACCOUNT = '123456789012';

/** One recorded resource: what the policy pack reads (policy/runLocal.ts), plus the id the mock gave it. */
export interface MockedResource extends RecordedResource {
  id?: string;
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
  /** Declares the resources and returns the stack outputs; this checkout's index.ts unless given. */
  program?: () => Record<string, unknown> | void;
  /**
   * Outputs laid over the mocks' own, by resource type: a test gives a resource a distinctive
   * value to prove the program reads it (rather than restating what the mock would invent).
   */
  outputsByType?: Record<string, Record<string, unknown>>;
  /** The account's zone IDs of the Region, in zone-name order (a, b, c, ...); default az4, az6, az1, ... */
  zoneIds?: string[];
  /** The deploy's clock for this run (BFSTREAM_DEPLOY_TIME): the calendar's periods depend on it. */
  deployTime?: string;
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

/** What a mock hands back for one resource: its physical id and its state (inputs plus outputs). */
interface Mocked {
  id: string;
  state: Record<string, any>;
}

/** One registration, as a mock builder sees it. */
interface Registration {
  inputs: Record<string, any>;
  region: string;
  acct: string;
  /** The name a provider would give it when the program names none: `<name>-<7 hex>`. */
  physical: string;
  hex: (n: number) => string;
}

type MockBuilder = (r: Registration) => Mocked;

const uuidOf = (hex: Registration['hex']) => `${hex(8)}-0000-4000-8000-${hex(12)}`;

const storageMocks: Record<string, MockBuilder> = {
  'aws:sqs/queue:Queue': ({ inputs, region, acct, physical }) => {
    const queueName = inputs.name ?? physical;
    const url = `https://sqs.${region}.amazonaws.com/${acct}/${queueName}`;
    return { id: url, state: { ...inputs, name: queueName, arn: `arn:aws:sqs:${region}:${acct}:${queueName}`, url } };
  },
  'aws:s3/bucket:Bucket': ({ inputs, region, physical }) => {
    const bucket = inputs.bucket ?? physical.toLowerCase();
    return {
      id: bucket,
      state: {
        ...inputs,
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        region,
        bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
      },
    };
  },
  'aws:sns/topic:Topic': ({ inputs, region, acct, physical }) => ({
    id: `arn:aws:sns:${region}:${acct}:${physical}`,
    state: { ...inputs, name: physical, arn: `arn:aws:sns:${region}:${acct}:${physical}` },
  }),
  'aws:kms/key:Key': ({ inputs, region, acct, hex }) => ({
    id: uuidOf(hex),
    state: { ...inputs, arn: `arn:aws:kms:${region}:${acct}:key/${uuidOf(hex)}` },
  }),
  // Secrets Manager appends a hyphen and six random characters to the name in the ARN.
  'aws:secretsmanager/secret:Secret': ({ inputs, region, acct, physical, hex }) => {
    const secretName = inputs.name ?? (inputs.namePrefix ? `${inputs.namePrefix}${hex(26)}` : physical);
    const arn = `arn:aws:secretsmanager:${region}:${acct}:secret:${secretName}-${hex(6)}`;
    return { id: arn, state: { ...inputs, name: secretName, arn } };
  },
};

const iamMocks: Record<string, MockBuilder> = {
  'aws:iam/role:Role': ({ inputs, acct, physical, hex }) => {
    const name = inputs.name ?? physical;
    return {
      id: name,
      state: { ...inputs, name, arn: `arn:aws:iam::${acct}:role/${name}`, uniqueId: `AROA${hex(16)}` },
    };
  },
  'aws:iam/user:User': ({ inputs, acct, hex }) => ({
    id: inputs.name,
    state: {
      ...inputs,
      arn: `arn:aws:iam::${acct}:user${inputs.path ?? '/'}${inputs.name}`,
      uniqueId: `AIDA${hex(16)}`,
    },
  }),
  'aws:iam/group:Group': ({ inputs, acct, physical }) => {
    const name = inputs.name ?? physical;
    return { id: name, state: { ...inputs, name, arn: `arn:aws:iam::${acct}:group${inputs.path ?? '/'}${name}` } };
  },
};

const computeMocks: Record<string, MockBuilder> = {
  'aws:lambda/function:Function': ({ inputs, region, acct, physical }) => {
    const functionName = inputs.name ?? physical;
    const arn = `arn:aws:lambda:${region}:${acct}:function:${functionName}`;
    return {
      id: functionName,
      state: {
        ...inputs,
        name: functionName,
        arn,
        invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
        qualifiedArn: `${arn}:$LATEST`,
      },
    };
  },
  'aws:cloudwatch/logGroup:LogGroup': ({ inputs, region, acct, physical }) => {
    const groupName = inputs.name ?? `/aws/lambda/${physical}`;
    return {
      id: groupName,
      state: { ...inputs, name: groupName, arn: `arn:aws:logs:${region}:${acct}:log-group:${groupName}` },
    };
  },
  'aws:cloudwatch/dashboard:Dashboard': ({ inputs, acct }) => ({
    id: inputs.dashboardName,
    state: { ...inputs, dashboardArn: `arn:aws:cloudwatch::${acct}:dashboard/${inputs.dashboardName}` },
  }),
  'aws:scheduler/schedule:Schedule': ({ inputs, region, acct, physical }) => {
    const name = inputs.name ?? physical;
    return {
      id: `default/${name}`,
      state: { ...inputs, name, arn: `arn:aws:scheduler:${region}:${acct}:schedule/default/${name}` },
    };
  },
};

const warehouseMocks: Record<string, MockBuilder> = {
  'aws:redshiftserverless/namespace:Namespace': ({ inputs, region, acct, hex }) => {
    const uuid = uuidOf(hex);
    return {
      id: inputs.namespaceName,
      state: {
        ...inputs,
        namespaceId: uuid,
        arn: `arn:aws:redshift-serverless:${region}:${acct}:namespace/${uuid}`,
        adminPasswordSecretArn: `arn:aws:secretsmanager:${region}:${acct}:secret:redshift!${inputs.namespaceName}-admin-${hex(6)}`,
      },
    };
  },
  'aws:redshiftserverless/workgroup:Workgroup': ({ inputs, region, acct, hex }) => {
    const uuid = uuidOf(hex);
    // Redshift Serverless listens on the workgroup's `port`, 5439 unless set.
    const address = `${inputs.workgroupName}.${acct}.${region}.redshift-serverless.amazonaws.com`;
    return {
      id: inputs.workgroupName,
      state: {
        ...inputs,
        workgroupId: uuid,
        arn: `arn:aws:redshift-serverless:${region}:${acct}:workgroup/${uuid}`,
        endpoints: [{ address, port: inputs.port ?? 5439, vpcEndpoints: [] }],
      },
    };
  },
  'aws:redshift/integration:Integration': ({ inputs, region, acct, physical, hex }) => ({
    id: physical,
    state: { ...inputs, arn: `arn:aws:redshift:${region}:${acct}:integration:${uuidOf(hex)}` },
  }),
};

const networkMocks: Record<string, MockBuilder> = {
  'aws:ec2/securityGroup:SecurityGroup': ({ inputs, region, acct, hex }) => ({
    id: `sg-${hex(17)}`,
    state: { ...inputs, arn: `arn:aws:ec2:${region}:${acct}:security-group/sg-${hex(17)}` },
  }),
  'awsx:ec2:Vpc': ({ inputs, hex }) => {
    // A remote component: under mocks it is one resource, with only the outputs given here.
    const azs = inputs.numberOfAvailabilityZones ?? 3;
    const subnets = (kind: string) =>
      (inputs.subnetSpecs ?? []).some((s: { type: string }) => s.type === kind)
        ? Array.from({ length: azs }, () => `subnet-${hex(17)}`)
        : [];
    return {
      id: `vpc-${hex(17)}`,
      state: {
        ...inputs,
        vpcId: `vpc-${hex(17)}`,
        isolatedSubnetIds: subnets('Isolated'),
        privateSubnetIds: subnets('Private'),
        publicSubnetIds: subnets('Public'),
        natGateways: [],
        eips: [],
      },
    };
  },
};

/** QuickSight ids are `<account><sep><resource id>`; ARNs name the resource id under a kind. */
const quicksight =
  (idKey: string, kind: string, separator: string): MockBuilder =>
  ({ inputs, region, acct }) => ({
    id: `${acct}${separator}${inputs[idKey]}`,
    state: { ...inputs, arn: `arn:aws:quicksight:${region}:${acct}:${kind}/${inputs[idKey]}` },
  });

const quicksightMocks: Record<string, MockBuilder> = {
  'aws:quicksight/dataSource:DataSource': quicksight('dataSourceId', 'datasource', ','),
  'aws:quicksight/dataSet:DataSet': quicksight('dataSetId', 'dataset', ','),
  'aws:quicksight/vpcConnection:VpcConnection': quicksight('vpcConnectionId', 'vpcConnection', ','),
  'aws-native:quicksight:Dashboard': quicksight('dashboardId', 'dashboard', '|'),
  'aws-native:quicksight:Analysis': quicksight('analysisId', 'analysis', '|'),
};

const mocksByType: Record<string, MockBuilder> = {
  ...storageMocks,
  ...iamMocks,
  ...computeMocks,
  ...warehouseMocks,
  ...networkMocks,
  ...quicksightMocks,
};

/** Any other resource: an AWS one gets a name and an ARN of its service; others echo their inputs. */
function genericState(type: string, { inputs, region, acct, physical }: Registration): Mocked {
  const [pkg, mod] = type.split(':');
  if (pkg !== 'aws') return { id: physical, state: { ...inputs } };
  const service = (mod ?? '').split('/')[0];
  return {
    id: physical,
    state: { ...inputs, name: inputs.name ?? physical, arn: `arn:aws:${service}:${region}:${acct}:${physical}` },
  };
}

/** Realistic outputs per resource type: ARNs in the right shape, ids, urls, endpoints. */
export function mockState(type: string, name: string, inputs: Record<string, any>, region: string): Mocked {
  const hex = hexFor(type, name);
  const registration: Registration = { inputs, region, acct: MOCK_ACCOUNT, physical: `${name}-${hex(7)}`, hex };
  const build = mocksByType[type];
  return build ? build(registration) : genericState(type, registration);
}

function mockCall(token: string, inputs: Record<string, any>, region: string, zoneIds?: string[]): Record<string, any> {
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
    case 'aws:index/getAvailabilityZones:getAvailabilityZones':
      return availabilityZones(region, inputs, zoneIds);
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

/**
 * The Region's zones as an account sees them: names map to zone IDs per account (us-east-1a is
 * not use1-az1 everywhere). The mock account maps a, b, c, d, e, f to az4, az6, az1, az2, az3, az5
 * unless the run gives its own mapping (MockRunOptions.zoneIds).
 */
function availabilityZones(region: string, inputs: Record<string, any>, given?: string[]): Record<string, any> {
  const short = region.replace(
    /^([a-z]{2})-([a-z])[a-z]*-(\d)$/,
    (_, a: string, b: string, n: string) => `${a}${b}${n}`,
  );
  const zoneIds = given ?? [4, 6, 1, 2, 3, 5].map((n) => `${short}-az${n}`);
  const names = zoneIds.map((_, i) => `${region}${'abcdef'[i]}`);
  return { id: region, state: inputs.state, names, zoneIds, groupNames: names.map(() => region) };
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

/** This checkout's program (index.ts). Loaded lazily: it declares its resources as it loads, so after setMocks. */
function thisProgram(): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program must load after setMocks, not when this module does
  return require('../index');
}

/**
 * Pulumi stamps every promise it makes with `new Error().stack`, read only by the leak report it
 * prints when a program exits with promises pending. Under jest each stack goes through jest's
 * source-map formatter, which cost more than the rest of a mocked run: during a run those stamps
 * get the error's name alone, and every other error its full stack. Returns the undo.
 */
function plainPromiseStamps(): () => void {
  const own = Error.prepareStackTrace;
  // Jest installs its formatter in Node's main realm, which Node falls back to when this realm has none.
  const format = own ?? (runInThisContext('Error') as ErrorConstructor).prepareStackTrace;
  if (!format) return () => {};
  Error.prepareStackTrace = (error, sites) =>
    sites[0]?.getFunctionName() === 'debuggablePromise' ? String(error) : format(error, sites);
  return () => {
    Error.prepareStackTrace = own;
  };
}

/** One program run per call; Pulumi's runtime state is per process (per jest test file). */
export async function runUnderMocks(options: MockRunOptions): Promise<MockRun> {
  const restoreStamps = plainPromiseStamps();
  try {
    return await runProgram(options);
  } finally {
    restoreStamps();
  }
}

async function runProgram(options: MockRunOptions): Promise<MockRun> {
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
          const { id, state: own } = mockState(args.type, args.name, args.inputs, region);
          const state = { ...own, ...options.outputsByType?.[args.type] };
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
      call: (args) => mockCall(args.token, args.inputs, region, options.zoneIds),
    },
    project,
    options.stack,
    false,
  );
  // What the public mock arguments do not carry (URN, parent, dependencies): one adapter.
  const edgesOfCurrent = tapRegistrationEdges();

  const onRejection = (reason: unknown) => errors.push(String((reason as Error)?.stack ?? reason));
  process.on('unhandledRejection', onRejection);
  const clockBefore = process.env.BFSTREAM_DEPLOY_TIME;
  if (options.deployTime !== undefined) process.env.BFSTREAM_DEPLOY_TIME = options.deployTime;
  try {
    const exported = (options.program ?? thisProgram)() ?? {};
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
    if (clockBefore === undefined) delete process.env.BFSTREAM_DEPLOY_TIME;
    else process.env.BFSTREAM_DEPLOY_TIME = clockBefore;
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

export { stackYamlConfig } from '../infra/config';

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

/** The QuickSight groups a dashboard-on stack under test names (mock account). */
export const QUICKSIGHT_GROUPS_UNDER_TEST = {
  analysts: `arn:aws:quicksight:us-east-1:${MOCK_ACCOUNT}:group/default/analysts`,
  engineers: `arn:aws:quicksight:us-east-1:${MOCK_ACCOUNT}:group/default/engineers`,
  viewers: `arn:aws:quicksight:us-east-1:${MOCK_ACCOUNT}:group/default/viewers`,
} as const;

/** A stack file's config with the dashboard on, all the way to QuickSight (both stacks ship with it off). */
export function dashboardConfigUnderTest(stack: string, projectDir = process.cwd()): Record<string, string> {
  return {
    ...stackConfigUnderTest(stack, projectDir),
    'bfstream:dashboardEnabled': 'true',
    'bfstream:quicksightSecretGranted': 'true',
    'bfstream:quicksightPrincipalArn': QUICKSIGHT_GROUPS_UNDER_TEST.analysts,
    'bfstream:quicksightEngineerArn': QUICKSIGHT_GROUPS_UNDER_TEST.engineers,
    'bfstream:quicksightViewerArn': QUICKSIGHT_GROUPS_UNDER_TEST.viewers,
  };
}

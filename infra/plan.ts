// `npm run plan -- --stack dev|prod`: the offline counterpart of `pulumi preview`.
// Runs the program under Pulumi mocks with the stack's YAML config, prints the
// resource tree with the settings that matter, then the policy pack's results.
// Exits non-zero on a config error, a registration error or a policy violation.
import { statSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError, parseStackConfig, stackYamlConfig } from './config';
import type { MockedResource, MockRun } from './mockGraph';

export interface PlanResult {
  stack: string;
  ms: number;
  resources: MockedResource[];
  outputs: Record<string, unknown>;
  errors: string[];
  violations: { policy: string; urn: string; message: string }[];
  /** Per function: files in its archive and their uncompressed bytes. */
  archives: Record<string, { files: number; bytes: number }>;
}

/** One stack's plan; the process can plan one stack only (Pulumi's runtime state is global). */
export async function runPlan(stack: string, projectDir = process.cwd()): Promise<PlanResult> {
  const started = performance.now();
  // Lazy imports: a config error is reported without loading Pulumi at all.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const config = stackYamlConfig(stack, projectDir);
  parseStackConfig(config);
  const { runUnderMocks } = require('./mockGraph') as typeof import('./mockGraph');
  const { runPolicies } = require('../policy/runLocal') as typeof import('../policy/runLocal');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const run: MockRun = await runUnderMocks({
    stack,
    config,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    program: () => require('../index'),
  });
  const violations = runPolicies(run.resources);
  const archives: PlanResult['archives'] = {};
  for (const fn of run.resources.filter((r) => r.type === 'aws:lambda/function:Function')) {
    const assets: Record<string, { path?: Promise<string> | string; text?: Promise<string> | string }> = (await fn.inputs.code?.assets) ?? {};
    let bytes = 0;
    for (const asset of Object.values(assets)) {
      const path = await asset.path;
      bytes += path ? statSync(path).size : Buffer.byteLength((await asset.text) ?? '');
    }
    archives[fn.name] = { files: Object.keys(assets).length, bytes };
  }
  return { stack, ms: performance.now() - started, resources: run.resources, outputs: run.outputs, errors: run.errors, violations, archives };
}

const arr = (v: unknown) => (Array.isArray(v) ? v : []);

/** The settings worth reading per resource type (a preview's "key settings" column). */
export function keySettings(r: MockedResource, archives: PlanResult['archives'] = {}): string {
  const i = r.inputs;
  switch (r.type) {
    case 'aws:sqs/queue:Queue':
      return `maxMessageSize=${i.maxMessageSize ?? 262144} visibility=${i.visibilityTimeoutSeconds ?? 30}s retention=${i.messageRetentionSeconds}s sse=${i.sqsManagedSseEnabled === true}${i.redrivePolicy ? ` maxReceiveCount=${JSON.parse(i.redrivePolicy).maxReceiveCount}` : ''}`;
    case 'aws:lambda/function:Function':
      return `runtime=${i.runtime} memory=${i.memorySize}MB timeout=${i.timeout}s archive=${archives[r.name] ? `${archives[r.name].files} files/${Math.round(archives[r.name].bytes / 1024)} KB unzipped` : '?'} env=${Object.keys(i.environment?.variables ?? {}).join(',')}`;
    case 'aws:lambda/eventSourceMapping:EventSourceMapping':
      return `batch=${i.batchSize} window=${i.maximumBatchingWindowInSeconds}s maxConcurrency=${i.scalingConfig?.maximumConcurrency} responses=${arr(i.functionResponseTypes).join(',')}`;
    case 'aws:cloudwatch/logGroup:LogGroup':
      return `retention=${i.retentionInDays}d`;
    case 'aws:s3/bucket:Bucket':
      return `forceDestroy=${i.forceDestroy}`;
    case 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration':
      return arr(i.rules).map((x: any) => `${x.filter?.prefix || '*'}:${x.expiration ? `${x.expiration.days}d` : 'abort-mpu'}`).join(' ');
    case 'aws:scheduler/schedule:Schedule':
      return `${i.scheduleExpression} ${i.state} input=${i.target?.input} retries=${i.target?.retryPolicy?.maximumRetryAttempts}`;
    case 'aws:redshiftserverless/namespace:Namespace':
      return `${i.namespaceName} db=${i.dbName} manageAdminPassword=${i.manageAdminPassword}`;
    case 'aws:redshiftserverless/workgroup:Workgroup':
      return `${i.workgroupName} baseRPU=${i.baseCapacity}${i.maxCapacity ? ` maxRPU=${i.maxCapacity}` : ''} public=${i.publiclyAccessible} enhancedVpcRouting=${i.enhancedVpcRouting}`;
    case 'awsx:ec2:Vpc':
      return `${i.cidrBlock} azs=${i.numberOfAvailabilityZones} nat=${i.natGateways?.strategy} subnets=${arr(i.subnetSpecs).map((s: any) => s.type).join(',')} endpoints=${arr(i.vpcEndpointSpecs).map((e: any) => `${e.serviceName}(${e.vpcEndpointType})`).join(',')}`;
    case 'aws:iam/rolePolicy:RolePolicy':
    case 'aws:iam/groupPolicy:GroupPolicy': {
      const statements = JSON.parse(i.policy).Statement as { Sid: string; Action?: string[] }[];
      return statements.map((s) => `${s.Sid}[${arr(s.Action).length}]`).join(' ');
    }
    case 'aws:cloudwatch/metricAlarm:MetricAlarm':
      return `${i.namespace} ${i.metricName} > ${i.threshold}`;
    case 'aws:lambda/invocation:Invocation':
      return `on migrationsHash=${String(i.triggers?.migrationsHash).slice(0, 12)}…`;
    case 'aws:iam/user:User':
      return `${i.name}`;
    default:
      return '';
  }
}

/** The resource tree, components first, children indented under their parent. */
export function renderTree(resources: MockedResource[], archives: PlanResult['archives'] = {}): string {
  const children = new Map<string | undefined, MockedResource[]>();
  for (const r of resources) {
    const key = r.parentUrn && resources.some((p) => p.urn === r.parentUrn) ? r.parentUrn : undefined;
    children.set(key, [...(children.get(key) ?? []), r]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const r of (children.get(parent) ?? []).sort((a, b) => Number(a.custom) - Number(b.custom) || a.type.localeCompare(b.type) || a.name.localeCompare(b.name))) {
      const settings = keySettings(r, archives);
      lines.push(`${'  '.repeat(depth)}+ ${r.type}  ${r.name}${settings ? `  (${settings})` : ''}`);
      walk(r.urn, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('plan')
    .description('Offline `pulumi preview`: the program under mocks with a stack config, plus the policy pack')
    .requiredOption('--stack <name>', 'stack whose Pulumi.<stack>.yaml to use (dev or prod)')
    .option('--quiet', 'print only the summary')
    .parse(argv);
  const { stack, quiet } = program.opts<{ stack: string; quiet?: boolean }>();
  let result: PlanResult;
  try {
    result = await runPlan(stack);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Pulumi.${stack}.yaml: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (!quiet) {
    console.log(`Plan for stack ${stack} (offline, under mocks):\n`);
    console.log(renderTree(result.resources, result.archives));
    console.log('\nOutputs:');
    console.log(JSON.stringify(result.outputs, null, 2));
  }
  const custom = result.resources.filter((r) => r.custom).length;
  console.log(`\n${custom} resources in ${result.resources.length - custom} components; ${result.errors.length} registration errors; ${result.violations.length} policy violations; ${Math.round(result.ms)} ms`);
  for (const e of result.errors) console.error(`error: ${e}`);
  for (const v of result.violations) console.error(`violation [${v.policy}] ${v.urn}: ${v.message}`);
  if (result.errors.length === 0 && result.violations.length === 0) console.log('Policy pack bfstream-policies: all rules passed.');
  return result.errors.length > 0 || result.violations.length > 0 ? 1 : 0;
}

if (require.main === module) {
  // Pulumi records a stack trace per promise; with tsx's source maps each costs a
  // source-map lookup. Plain positions are enough for a plan (~0.4 s faster).
  process.setSourceMapsEnabled(false);
  main(process.argv).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.stack ?? err.message : err);
      process.exit(1);
    },
  );
}

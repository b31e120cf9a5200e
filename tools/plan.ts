// `npm run plan -- --stack dev|prod`: the offline counterpart of `pulumi preview`.
// Runs the program under Pulumi mocks with the stack's YAML config, prints the
// stack's inputs and the resource tree with the settings that matter, then the policy
// pack's results. `--json <file>` writes the plan; `--against <git-ref>` plans the
// program at that ref the same way (in a child process: Pulumi's runtime state is
// per process) and prints what would be created, changed or deleted.
// Exits non-zero on a config error, a registration error or a policy violation.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import {
  ConfigError,
  configFields,
  parseStackConfig,
  StackFileError,
  stackYamlConfig,
  type StackConfig,
} from '../infra/config';
import type { MockedResource, MockRun } from './mockGraph';
import { refusedReplacements, statefulReplacements } from './replacements';
import type { InputChange, PlanDiff, PlannedResource } from './planDiff';

export type { InputChange, PlanDiff, PlannedResource } from './planDiff';

/** This project's root: the program the plan runs unless told another checkout. */
const PROJECT_DIR = resolve(__dirname, '..');

export interface PlanResult {
  stack: string;
  ms: number;
  /** The config the program ran with: the stack file, then any --config values. */
  config: Record<string, string>;
  /** The validated config with defaults filled in (absent when planning another checkout). */
  settings?: StackConfig;
  resources: MockedResource[];
  outputs: Record<string, unknown>;
  errors: string[];
  violations: { policy: string; urn: string; message: string }[];
  /** Per function: files in its archive, their uncompressed bytes and a hash of their contents. */
  archives: Record<string, { files: number; bytes: number; sha256: string }>;
}

export interface PlanOptions {
  /** The checkout whose program and stack file to plan; default this project. */
  projectDir?: string;
  /** `key=value` config that overrides the stack file (like `pulumi preview --config`). */
  overrides?: Record<string, string>;
}

/** One stack's plan; the process can plan one stack only (Pulumi's runtime state is global). */
export async function runPlan(stack: string, options: PlanOptions | string = {}): Promise<PlanResult> {
  const { projectDir = process.cwd(), overrides = {} } =
    typeof options === 'string' ? { projectDir: options } : options;
  const started = performance.now();
  const config = { ...stackYamlConfig(stack, projectDir), ...overrides };
  // Lazy imports: a config error is reported without loading Pulumi at all. Another
  // checkout's config is validated by that checkout's own program, under its own rules.
  const own = resolve(projectDir) === PROJECT_DIR || !existsSync(join(projectDir, 'index.ts'));
  const settings = own ? parseStackConfig(config, { forDeploy: true }) : undefined;
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only once the config is valid (see above) */
  const { runUnderMocks } = require('./mockGraph') as typeof import('./mockGraph');
  const { runPolicies } = require('../policy/runLocal') as typeof import('../policy/runLocal');
  const run: MockRun = await runUnderMocks({
    stack,
    config,
    // Another checkout's program (--against) is loaded from its own directory, after setMocks.
    program: own ? undefined : () => require(join(resolve(projectDir), 'index')),
  });
  /* eslint-enable @typescript-eslint/no-require-imports */
  const violations = runPolicies(run.resources);
  const archives: PlanResult['archives'] = {};
  for (const fn of run.resources.filter((r) => r.type === 'aws:lambda/function:Function')) {
    const assets: Record<string, { path?: Promise<string> | string; text?: Promise<string> | string }> =
      (await fn.inputs.code?.assets) ?? {};
    let bytes = 0;
    const hash = createHash('sha256');
    for (const name of Object.keys(assets).sort()) {
      const path = await assets[name].path;
      const content = path ? readFileSync(path) : Buffer.from((await assets[name].text) ?? '');
      bytes += path ? statSync(path).size : content.length;
      hash.update(`${name}\0${content.length}\0`).update(content);
    }
    archives[fn.name] = { files: Object.keys(assets).length, bytes, sha256: hash.digest('hex') };
  }
  return {
    stack,
    ms: performance.now() - started,
    config,
    settings,
    resources: run.resources,
    outputs: run.outputs,
    errors: run.errors,
    violations,
    archives,
  };
}

/** The plan as `--json` writes it; `--against` diffs two of these. */
export interface PlanFile {
  stack: string;
  config: Record<string, string>;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  errors: string[];
  violations: PlanResult['violations'];
}

/** JSON-clean inputs: a function's code becomes its archive's summary and hash (asset paths are temp files). */
function planFile(result: PlanResult): PlanFile {
  const clean = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null));
  return {
    stack: result.stack,
    config: result.config,
    resources: result.resources.map((r) => {
      const inputs = { ...r.inputs };
      if (r.type === 'aws:lambda/function:Function' && 'code' in inputs) inputs.code = result.archives[r.name] ?? '?';
      return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        ...(r.parentUrn ? { parent: r.parentUrn } : {}),
        custom: r.custom,
        inputs: clean(inputs) as Record<string, unknown>,
      };
    }),
    outputs: clean(result.outputs) as Record<string, unknown>,
    errors: result.errors,
    violations: result.violations,
  };
}

// A string holding a JSON object (an IAM policy, a dashboard body) is compared by its
// fields, so a review reads `policy.Statement.0.Action.2` instead of two long strings.
function expand(value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

function leafChanges(before: unknown, after: unknown, path: string, out: InputChange[]): void {
  const a = expand(before);
  const b = expand(after);
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort((x, y) =>
      Array.isArray(a) ? Number(x) - Number(y) : x.localeCompare(y),
    );
    for (const k of keys)
      leafChanges((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b))
    out.push({ path, ...(a === undefined ? {} : { before: a }), ...(b === undefined ? {} : { after: b }) });
}

/** What applying `after` to a stack deployed from `before` would create, change and delete, by URN. */
export function diffPlans(before: PlanFile, after: PlanFile): PlanDiff {
  const old = new Map(before.resources.map((r) => [r.urn, r]));
  const now = new Map(after.resources.map((r) => [r.urn, r]));
  const diff: PlanDiff = { config: [], create: [], change: [], delete: [], unchanged: 0 };
  for (const key of [...new Set([...Object.keys(before.config), ...Object.keys(after.config)])].sort()) {
    if (before.config[key] !== after.config[key])
      diff.config.push({
        path: key,
        ...(key in before.config ? { before: before.config[key] } : {}),
        ...(key in after.config ? { after: after.config[key] } : {}),
      });
  }
  for (const r of after.resources) {
    const was = old.get(r.urn);
    if (!was) {
      diff.create.push(r);
      continue;
    }
    const changes: InputChange[] = [];
    leafChanges(was.inputs, r.inputs, '', changes);
    if (was.parent !== r.parent) changes.push({ path: '(parent)', before: was.parent, after: r.parent });
    if (changes.length) diff.change.push({ resource: r, changes });
    else diff.unchanged++;
  }
  for (const r of before.resources) if (!now.has(r.urn)) diff.delete.push(r);
  return diff;
}

const short = (value: unknown, width = 100): string => {
  const text = value === undefined ? '(none)' : JSON.stringify(value);
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
};

/** The diff as a reviewer reads it: one line per resource, one indented line per changed input. */
export function renderDiff(diff: PlanDiff, label: string, limit = 12): string {
  const lines = [`Plan diff, ${label}:`, ''];
  if (diff.config.length) {
    lines.push('Stack config:');
    for (const c of diff.config) lines.push(`    ${c.path}: ${short(c.before)} -> ${short(c.after)}`);
    lines.push('');
  }
  for (const r of diff.create) lines.push(`+ ${r.type}  ${r.name}`);
  for (const { resource, changes } of diff.change) {
    lines.push(`~ ${resource.type}  ${resource.name}`);
    for (const c of changes.slice(0, limit)) lines.push(`    ${c.path}: ${short(c.before)} -> ${short(c.after)}`);
    if (changes.length > limit) lines.push(`    … and ${changes.length - limit} more`);
  }
  for (const r of diff.delete) lines.push(`- ${r.type}  ${r.name}`);
  if (diff.create.length + diff.change.length + diff.delete.length === 0) lines.push('(no changes)');
  lines.push(
    '',
    `${diff.create.length} to create, ${diff.change.length} to change, ${diff.delete.length} to delete, ${diff.unchanged} unchanged`,
  );
  return lines.join('\n');
}

/** The stack's inputs as a reviewer wants them: what the stack file and flags set, then how many keys keep their defaults. */
function renderInputs(result: PlanResult): string {
  const set = Object.entries(result.config).sort(([a], [b]) => a.localeCompare(b));
  const ownKeys = Object.keys(configFields).filter((k) => !(`bfstream:${k}` in result.config));
  const lines = set.map(([k, v]) => `  ${k} = ${v}`);
  if (result.settings)
    lines.push(
      `  (${ownKeys.length} other bfstream keys at their defaults: ${ownKeys.map((k) => `${k}=${JSON.stringify((result.settings as Record<string, unknown>)[k])}`).join(' ')})`,
    );
  return lines.join('\n');
}

const arr = (v: unknown) => (Array.isArray(v) ? v : []);

/** The settings worth reading per resource type (a preview's "key settings" column). */
export function keySettings(r: MockedResource, archives: PlanResult['archives'] = {}): string {
  const i = r.inputs;
  switch (r.type) {
    case 'aws:sqs/queue:Queue':
      return `maxMessageSize=${i.maxMessageSize ?? 262144} visibility=${i.visibilityTimeoutSeconds ?? 30}s retention=${i.messageRetentionSeconds}s sse=${i.sqsManagedSseEnabled === true}${i.redrivePolicy ? ` maxReceiveCount=${JSON.parse(i.redrivePolicy).maxReceiveCount}` : ''}`;
    case 'aws:lambda/function:Function':
      return `runtime=${i.runtime} memory=${i.memorySize}MB timeout=${i.timeout}s archive=${archives[r.name] ? `${archives[r.name].files} files/${Math.round(archives[r.name].bytes / 1024)} KB unzipped` : '?'} env={${Object.entries(
        i.environment?.variables ?? {},
      )
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}}`;
    case 'aws:lambda/eventSourceMapping:EventSourceMapping':
      return `batch=${i.batchSize} window=${i.maximumBatchingWindowInSeconds}s maxConcurrency=${i.scalingConfig?.maximumConcurrency} responses=${arr(i.functionResponseTypes).join(',')}`;
    case 'aws:cloudwatch/logGroup:LogGroup':
      return `retention=${i.retentionInDays}d`;
    case 'aws:s3/bucket:Bucket':
      return `forceDestroy=${i.forceDestroy}`;
    case 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration':
      return arr(i.rules)
        .map((x: any) => `${x.filter?.prefix || '*'}:${x.expiration ? `${x.expiration.days}d` : 'abort-mpu'}`)
        .join(' ');
    case 'aws:scheduler/schedule:Schedule':
      return `${i.scheduleExpression} ${i.startDate ?? 'from deploy'} .. ${i.endDate ?? 'NO END'} ${i.state ?? 'ENABLED'} input=${i.target?.input} retries=${i.target?.retryPolicy?.maximumRetryAttempts}`;
    case 'aws:redshiftserverless/usageLimit:UsageLimit':
      return `${i.usageType} ${i.amount} RPU-hours ${i.period} breach=${i.breachAction}`;
    case 'aws:redshiftserverless/namespace:Namespace':
      return `${i.namespaceName} db=${i.dbName} manageAdminPassword=${i.manageAdminPassword}`;
    case 'aws:redshiftserverless/workgroup:Workgroup':
      return `${i.workgroupName} baseRPU=${i.baseCapacity} maxRPU=${i.maxCapacity ?? 'NONE'} public=${i.publiclyAccessible} enhancedVpcRouting=${i.enhancedVpcRouting}`;
    case 'awsx:ec2:Vpc':
      return `${i.cidrBlock} azs=${i.numberOfAvailabilityZones} nat=${i.natGateways?.strategy} subnets=${arr(
        i.subnetSpecs,
      )
        .map((s: any) => s.type)
        .join(',')} endpoints=${arr(i.vpcEndpointSpecs)
        .map((e: any) => `${e.serviceName}(${e.vpcEndpointType})`)
        .join(',')}`;
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
    case 'aws:sns/topicSubscription:TopicSubscription':
      return `${i.protocol}:${i.endpoint}`;
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
    for (const r of (children.get(parent) ?? []).sort(
      (a, b) => Number(a.custom) - Number(b.custom) || a.type.localeCompare(b.type) || a.name.localeCompare(b.name),
    )) {
      const settings = keySettings(r, archives);
      lines.push(`${'  '.repeat(depth)}+ ${r.type}  ${r.name}${settings ? `  (${settings})` : ''}`);
      walk(r.urn, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}

/** `--config key=value`, repeatable: the value overrides the stack file's. */
function collectConfig(pair: string, previous: Record<string, string>): Record<string, string> {
  const at = pair.indexOf('=');
  if (at < 1)
    throw new InvalidArgumentError(
      `--config takes key=value (like bfstream:alarmEmail=you@example.com), got ${JSON.stringify(pair)}`,
    );
  return { ...previous, [pair.slice(0, at)]: pair.slice(at + 1) };
}

function git(args: string[], cwd: string): string {
  const out = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (out.error) throw out.error;
  if (out.status !== 0) throw new PlanUsageError(`git ${args.join(' ')}: ${out.stderr.trim().split('\n')[0]}`);
  return out.stdout.trim();
}

class PlanUsageError extends Error {}

/** The files of a commit (git archive) in `dir`, sharing `projectDir`'s node_modules by a symlink. */
export function exportCommit(commit: string, dir: string, projectDir = PROJECT_DIR): void {
  const archive = spawnSync('git', ['archive', '--format=tar', commit], { cwd: projectDir, maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new PlanUsageError(`git archive ${commit}: ${archive.stderr.toString().trim()}`);
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  if (untar.status !== 0) throw new PlanUsageError(`tar: ${untar.stderr.toString().trim()}`);
  symlinkSync(join(projectDir, 'node_modules'), join(dir, 'node_modules'), 'dir');
}

/** The commit a ref names, or a PlanUsageError saying that it names none (`rev-parse --quiet` gives no reason of its own). */
export function commitOf(ref: string, projectDir = PROJECT_DIR): string {
  try {
    return git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], projectDir);
  } catch (error) {
    if (!(error instanceof PlanUsageError)) throw error;
    throw new PlanUsageError(`${JSON.stringify(ref)} names no commit in ${projectDir} (a branch, tag or commit id)`);
  }
}

/**
 * The plan of the program at a git ref: its files are exported (git archive) into a
 * temporary directory that shares this checkout's node_modules, and this plan runs there
 * in a child process with the same mocks, policies and --config values.
 */
export function planAtRef(
  ref: string,
  stack: string,
  overrides: Record<string, string>,
  projectDir = PROJECT_DIR,
): { plan: PlanFile; commit: string } {
  const commit = commitOf(ref, projectDir);
  const dir = mkdtempSync(join(tmpdir(), 'bfstream-plan-'));
  try {
    exportCommit(commit, dir, projectDir);
    const out = join(dir, 'plan.json');
    const args = [
      require.resolve('tsx/cli'),
      __filename,
      '--stack',
      stack,
      '--project',
      dir,
      '--json',
      out,
      '--quiet',
      ...Object.entries(overrides).flatMap(([k, v]) => ['--config', `${k}=${v}`]),
    ];
    const child = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (!existsSync(out))
      throw new PlanUsageError(
        `the program at ${ref} (${commit.slice(0, 7)}) did not plan:\n${(child.stderr || child.stdout).trim()}`,
      );
    return { plan: JSON.parse(readFileSync(out, 'utf8')) as PlanFile, commit };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `--against <ref>`: the diff from the program at a ref to this one; 1 when it would replace or
 * delete a stateful resource that `--allow-replace` does not name, 2 on a bad ref.
 */
function reportAgainst(
  ref: string,
  stack: string,
  overrides: Record<string, string>,
  allowReplace: string[],
  result: PlanResult,
): number {
  try {
    const base = planAtRef(ref, stack, overrides);
    const diff = diffPlans(base.plan, planFile(result));
    console.log(`\n${renderDiff(diff, `stack ${stack}: ${ref} (${base.commit.slice(0, 7)}) -> this checkout`)}`);
    const refused = refusedReplacements(statefulReplacements(diff), allowReplace);
    for (const line of refused) console.error(`refused: ${line}`);
    if (refused.length === 0) return 0;
    console.error(
      `plan --against ${ref}: ${refused.length} stateful resource(s) would be replaced or lose state; pass --allow-replace <name> for each one you mean to recreate`,
    );
    return 1;
  } catch (err) {
    if (!(err instanceof PlanUsageError)) throw err;
    console.error(`plan --against ${ref}: ${err.message}`);
    return 2;
  }
}

/** The command and its flags; a usage error throws CommanderError (commander has printed it, in one line). */
function planProgram(): Command {
  return new Command('plan')
    .description('Offline `pulumi preview`: the program under mocks with a stack config, plus the policy pack')
    .requiredOption('--stack <name>', 'stack whose Pulumi.<stack>.yaml to use (dev or prod)')
    .option(
      '-c, --config <key=value>',
      'a config value over the stack file, repeatable (like pulumi preview --config)',
      collectConfig,
      {},
    )
    .option('--json <file>', 'also write the plan (inputs of every resource, outputs, policy results) as JSON')
    .option(
      '--against <git-ref>',
      'print what would be created, changed or deleted relative to the program at this ref',
    )
    .option(
      '--allow-replace <resource>',
      'with --against: let this stateful resource (by name) be replaced or deleted, repeatable',
      (name: string, previous: string[]) => [...previous, name],
      [] as string[],
    )
    .option('--project <dir>', 'plan the program checked out in this directory (used by --against)')
    .option('--quiet', 'print only the summary')
    .exitOverride();
}

async function main(argv: string[]): Promise<number> {
  const program = planProgram();
  try {
    program.parse(argv);
  } catch (err) {
    // Commander printed the one line; help and --version are not errors. Usage errors exit 2, as every CLI here.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  const opts = program.opts<{
    stack: string;
    config: Record<string, string>;
    json?: string;
    against?: string;
    allowReplace: string[];
    project?: string;
    quiet?: boolean;
  }>();
  const { stack, quiet } = opts;
  if (opts.against) {
    // Before planning, so an unknown ref is one line, not a whole plan and then an error.
    try {
      commitOf(opts.against);
    } catch (err) {
      if (!(err instanceof PlanUsageError)) throw err;
      console.error(`plan --against ${opts.against}: ${err.message}`);
      return 2;
    }
  }
  let result: PlanResult;
  try {
    result = await runPlan(stack, { projectDir: opts.project ?? process.cwd(), overrides: opts.config });
  } catch (err) {
    if (err instanceof StackFileError) {
      console.error(err.message);
      return 2;
    }
    if (err instanceof ConfigError) {
      const file = `Pulumi.${stack}.yaml`;
      console.error(
        err.problems.length === 1
          ? `${file}: invalid stack configuration: ${err.problems[0]}`
          : `${file}: ${err.message}`,
      );
      return 2;
    }
    throw err;
  }
  if (opts.json) writeFileSync(opts.json, JSON.stringify(planFile(result), null, 2) + '\n');
  if (!quiet) {
    console.log(
      `Plan for stack ${stack} (offline, under mocks)\n\nInputs (Pulumi.${stack}.yaml${Object.keys(opts.config).length ? ' and --config' : ''}):`,
    );
    console.log(renderInputs(result));
    console.log('\nResources:');
    console.log(renderTree(result.resources, result.archives));
    console.log('\nOutputs:');
    console.log(JSON.stringify(result.outputs, null, 2));
  }
  const custom = result.resources.filter((r) => r.custom).length;
  console.log(
    `\n${custom} resources in ${result.resources.length - custom} components; ${result.errors.length} registration errors; ${result.violations.length} policy violations; ${Math.round(result.ms)} ms`,
  );
  for (const e of result.errors) console.error(`error: ${e}`);
  for (const v of result.violations) console.error(`violation [${v.policy}] ${v.urn}: ${v.message}`);
  if (result.errors.length === 0 && result.violations.length === 0)
    console.log('Policy pack bfstream-policies: all rules passed.');
  if (opts.against) {
    const code = reportAgainst(opts.against, stack, opts.config, opts.allowReplace, result);
    if (code !== 0) return code;
  }
  return result.errors.length > 0 || result.violations.length > 0 ? 1 : 0;
}

if (require.main === module) {
  // Pulumi records a stack trace per promise; with tsx's source maps each costs a
  // source-map lookup. Plain positions are enough for a plan (~0.4 s faster).
  process.setSourceMapsEnabled(false);
  main(process.argv).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}

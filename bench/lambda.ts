// Lambda archive size and cold-start init time per function: each handler exactly as
// infra/lambdaPackaging.ts packages it, against CallbackFunction's default packaging
// of the same handler (no codePathOptions: every `dependencies` package, whole).
//
// The archive is built as CallbackFunction builds it: the closure serialized with
// pulumi.runtime.serializeFunction into __index.js, plus pulumi.runtime.computeCodePaths
// (with 'aws-sdk' excluded, as CallbackFunction adds). Init time is loading __index.js
// (which runs the callbackFactory) in a fresh Node process whose cwd holds the
// archive's files and nothing else; @aws-sdk/* resolves through NODE_PATH, as the
// Lambda runtime provides it.
import * as pulumi from '@pulumi/pulumi';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { buildCatalog } from '../functions/catalog';
import { functionNames, lambdaArchives, type FunctionName, type LambdaArchive } from '../infra/lambdaPackaging';
import { buildMigrations } from '../warehouse/migrations';
import { median } from './generator';
import type { BenchEntries, SectionOptions } from './sections';
import { zip, type ZipEntry } from './zip';

const PROJECT_DIR = join(__dirname, '..');

export interface PackagedFunction {
  files: ZipEntry[];
  zipBytes: number;
}

/** The files of one archive, as CallbackFunction would put them in the zip. */
export async function packageFunction(archive: LambdaArchive, codePathOptions: pulumi.runtime.CodePathOptions | undefined): Promise<PackagedFunction> {
  const closure = await pulumi.runtime.serializeFunction(archive.callbackFactory, { serialize: () => true, exportName: 'handler', isFactoryFunction: true, allowSecrets: true });
  const options = { ...(codePathOptions ?? {}) };
  options.extraExcludePackages = [...(options.extraExcludePackages ?? []), 'aws-sdk'];
  const previous = process.cwd();
  process.chdir(PROJECT_DIR); // computeCodePaths reads package.json and node_modules from the working directory
  let paths: Map<string, pulumi.asset.Asset | pulumi.asset.Archive>;
  try {
    paths = await pulumi.runtime.computeCodePaths(options);
  } finally {
    process.chdir(previous);
  }
  const files: ZipEntry[] = [{ name: '__index.js', data: Buffer.from(closure.text) }];
  for (const path of paths.keys()) {
    const full = join(PROJECT_DIR, path);
    if (statSync(full).isDirectory()) for (const file of walk(full)) files.push({ name: relative(PROJECT_DIR, file).split('\\').join('/'), data: readFileSync(file) });
    else files.push({ name: path.split('\\').join('/'), data: readFileSync(full) });
  }
  files.sort((a, b) => a.name.localeCompare(b.name));
  return { files, zipBytes: zip(files).length };
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

// What the functions' environments hold in the cloud (placeholders: nothing is called at init).
const LAMBDA_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  SALES_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/sales-transactions',
  INVENTORY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/inventory-updates',
  LANDING_BUCKET: 'bench-landing',
  WORKGROUP_NAME: 'bench',
  DATABASE: 'sales',
  SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench',
};

// Runs in the fresh process: time from before the require to a handler in hand.
const INIT_SCRIPT = `
const cpu = process.cpuUsage();
const started = process.hrtime.bigint();
const mod = require(process.cwd() + '/__index.js');
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const used = process.cpuUsage(cpu);
if (typeof mod.handler !== 'function') { console.error('no handler exported'); process.exit(3); }
process.stdout.write(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000 }));
`;

export interface InitTiming {
  /** Wall clock from require to handler. */
  ms: number;
  /** CPU time of the same span: what the wall clock is on an idle core with the files cached. */
  cpuMs: number;
}

/** Writes the archive's files into a fresh directory and times loading the handler `runs` times, each in a new process. */
export function measureInit(files: readonly ZipEntry[], sdkDir: string, runs: number, warmUp = true): InitTiming[] {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lambda-'));
  try {
    for (const f of files) {
      mkdirSync(dirname(join(dir, f.name)), { recursive: true });
      writeFileSync(join(dir, f.name), f.data);
    }
    const times: InitTiming[] = [];
    for (let i = warmUp ? 0 : 1; i <= runs; i++) {
      const child = spawnSync(process.execPath, ['-e', INIT_SCRIPT], { cwd: dir, env: { ...LAMBDA_ENV, NODE_PATH: sdkDir, PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`loading the handler failed (exit ${child.status}): ${child.stderr.trim().split('\n').slice(0, 8).join(' | ')}`);
      if (i > 0) times.push(JSON.parse(child.stdout) as InitTiming); // the first run warms the disk cache
    }
    return times;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A directory holding only @aws-sdk (linked to the repo's), for NODE_PATH: what the Lambda runtime provides. */
function runtimeSdkDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lambda-runtime-'));
  symlinkSync(join(PROJECT_DIR, 'node_modules', '@aws-sdk'), join(dir, '@aws-sdk'), 'dir');
  return dir;
}

export async function runLambdaBench(options: SectionOptions): Promise<BenchEntries> {
  const catalog = buildCatalog();
  const migrations = buildMigrations({ dialect: 'redshift', copyRoleArn: 'arn:aws:iam::123456789012:role/bench-copy', bucket: 'bench-landing', region: 'us-east-1' }, catalog);
  const archives = lambdaArchives({ catalog, migrations, projectDir: PROJECT_DIR });
  const runs = options.quick ? 1 : 7;
  const sdkDir = runtimeSdkDir();
  const entries: BenchEntries = {};
  try {
    for (const fn of functionNames as readonly FunctionName[]) {
      const trimmed = await packageFunction(archives[fn], archives[fn].codePathOptions);
      const full = await packageFunction(archives[fn], undefined);
      const trimmedInit = measureInit(trimmed.files, sdkDir, runs, !options.quick);
      const fullInit = measureInit(full.files, sdkDir, runs, !options.quick);
      const trimmedMs = median(trimmedInit.map((t) => t.cpuMs));
      const fullMs = median(fullInit.map((t) => t.cpuMs));
      const wall = (ts: InitTiming[]) => Math.round(median(ts.map((t) => t.ms)));
      entries[`lambda.zip_bytes.${fn}`] = {
        value: trimmed.zipBytes,
        unit: 'bytes',
        baseline: full.zipBytes,
        ratio: Math.round((full.zipBytes / trimmed.zipBytes) * 10) / 10,
        note: `${trimmed.files.length} files (infra/lambdaPackaging.ts) vs ${full.files.length} with CallbackFunction's default packaging; deflate level 6; ratio = default / ours. Target <= 300 KB.`,
      };
      entries[`lambda.init_ms.${fn}`] = {
        value: Math.round(trimmedMs * 10) / 10,
        unit: 'ms',
        baseline: Math.round(fullMs * 10) / 10,
        ratio: Math.round((fullMs / trimmedMs) * 100) / 100,
        note:
          `CPU time of require('./__index.js') to a handler (runs the callbackFactory) in a fresh ${process.version} process holding only the archive, @aws-sdk via NODE_PATH; ` +
          `median of ${runs} (wall clock ${wall(trimmedInit)} ms vs ${wall(fullInit)} ms on this shared machine); ratio = default / ours. Target <= 150 ms.`,
      };
    }
  } finally {
    rmSync(sdkDir, { recursive: true, force: true });
  }
  return entries;
}

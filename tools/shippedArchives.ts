// The Lambda archives a deploy ships, read from the program's resource graph under
// mocks: each function's `code` is the AssetArchive infra/lambdaPackaging.ts built
// (the esbuild bundle as index.js, plus the JSON data it reads), next to the handler
// name (`index.handler`), the runtime and the environment. The archive tests, the twin
// and the bench run these files, never the source modules: only they prove what ships.
//
// buildArchives runs the program in a child Node process (tsx), as `pulumi up` runs it
// in a process of its own: Pulumi's runtime state is global.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { streamNamings } from '../kernel/streamNaming';
import { byConsumerFunction, functionNames, type FunctionName } from '../infra/lambdaPackaging';
import { named, runUnderMocks, stackConfigUnderTest, type MockRun } from './mockGraph';

/** The Pulumi resource name of each function in the program (infra/pipeline.ts names the components). */
const functionResources: Record<FunctionName, string> = {
  producer: 'functions-producer',
  ...byConsumerFunction((s) => streamNamings[s].resources.consumer('functions')),
  migrator: 'warehouse-migrator',
};

const FUNCTION_TYPE = 'aws:lambda/function:Function';

/** One archive entry: a string asset (the bundle, a data file) or a file asset (its path under the project). */
export type ArchiveEntry = { text: string } | { path: string };

export interface ShippedFunction {
  name: FunctionName;
  resourceName: string;
  /** `<file>.<export>`, as Lambda reads it. */
  handler: string;
  runtime: string;
  /** The function's environment as declared (values point at the stack's resources). */
  environment: Record<string, string>;
  /** Archive path -> entry, exactly the AssetArchive's assets. */
  entries: Record<string, ArchiveEntry>;
}

/** Reads every function's archive out of a program run. */
async function shippedFunctions(run: MockRun): Promise<Record<FunctionName, ShippedFunction>> {
  const out = {} as Record<FunctionName, ShippedFunction>;
  for (const name of functionNames) {
    const resource = named(run, FUNCTION_TYPE, functionResources[name]);
    const code = resource.inputs.code as { assets?: unknown } | undefined;
    const assets = (await code?.assets) as
      Record<string, { text?: Promise<string>; path?: Promise<string> }> | undefined;
    if (!assets) throw new Error(`${resource.name}: code is not an AssetArchive`);
    const entries: Record<string, ArchiveEntry> = {};
    for (const [file, asset] of Object.entries(assets)) {
      const text = await asset.text;
      const filePath = await asset.path;
      if (typeof text === 'string') entries[file] = { text };
      else if (typeof filePath === 'string') entries[file] = { path: filePath };
      else throw new Error(`${resource.name}: archive entry ${file} is neither a string nor a file asset`);
    }
    out[name] = {
      name,
      resourceName: resource.name,
      handler: resource.inputs.handler,
      runtime: resource.inputs.runtime,
      environment: resource.inputs.environment?.variables ?? {},
      entries,
    };
  }
  return out;
}

/** Runs the program for a stack under mocks and reads its archives (one run per process: Pulumi's runtime state is global). */
async function buildStackArchives(
  stack: 'dev' | 'prod',
): Promise<{ run: MockRun; functions: Record<FunctionName, ShippedFunction> }> {
  // Prod's stack file leaves its required alarm address to the operator; the archives do not depend on it.
  const run = await runUnderMocks({ stack, config: stackConfigUnderTest(stack) });
  if (run.errors.length > 0) throw new Error(`the ${stack} program failed under mocks:\n${run.errors.join('\n')}`);
  return { run, functions: await shippedFunctions(run) };
}

/** Extracts an archive into `dir`, as Lambda unpacks it into /var/task. */
function writeArchive(fn: ShippedFunction, dir: string, projectDir = process.cwd()): void {
  for (const [file, entry] of Object.entries(fn.entries)) {
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if ('text' in entry) fs.writeFileSync(target, entry.text);
    else fs.copyFileSync(path.resolve(projectDir, entry.path), target);
  }
}

/** Content hash of an archive: its entry names and bytes. */
function archiveDigest(fn: ShippedFunction, projectDir = process.cwd()): string {
  const hash = createHash('sha256');
  for (const file of Object.keys(fn.entries).sort()) {
    const entry = fn.entries[file];
    hash
      .update(file)
      .update('\0')
      .update('text' in entry ? entry.text : fs.readFileSync(path.resolve(projectDir, entry.path)))
      .update('\0');
  }
  return hash.digest('hex');
}

/** What a build directory holds besides the archives: each function's handler, runtime, environment and digest. */
export interface ArchiveManifest {
  stack: string;
  functions: Record<FunctionName, Omit<ShippedFunction, 'entries'> & { dir: string; digest: string; files: number }>;
}

export const MANIFEST_FILE = 'manifest.json';
/** The resource graph of the run the archives came from (functions without their code). */
const GRAPH_FILE = 'graph.json';

/** Builds a stack's archives into `outDir/<function>/` and writes the manifest last (its presence marks a complete build). */
async function writeStackArchives(
  stack: 'dev' | 'prod',
  outDir: string,
  projectDir = process.cwd(),
): Promise<ArchiveManifest> {
  const { run, functions } = await buildStackArchives(stack);
  const graph: MockRun = {
    ...run,
    resources: run.resources.map((r) =>
      r.type === FUNCTION_TYPE
        ? { ...r, inputs: { ...r.inputs, code: undefined }, state: { ...r.state, code: undefined } }
        : r,
    ),
  };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, GRAPH_FILE), JSON.stringify(graph));
  const manifest: ArchiveManifest = { stack, functions: {} as ArchiveManifest['functions'] };
  for (const name of functionNames) {
    const fn = functions[name];
    writeArchive(fn, path.join(outDir, name), projectDir);
    const { entries, ...rest } = fn;
    manifest.functions[name] = {
      ...rest,
      dir: name,
      digest: archiveDigest(fn, projectDir),
      files: Object.keys(entries).length,
    };
  }
  fs.writeFileSync(path.join(outDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
  return manifest;
}

export interface BuiltArchives {
  dir: string;
  manifest: ArchiveManifest;
  graph: MockRun;
}

/** Reads a complete build directory. */
export function readArchives(dir: string): BuiltArchives {
  return {
    dir,
    manifest: JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')),
    graph: JSON.parse(fs.readFileSync(path.join(dir, GRAPH_FILE), 'utf8')),
  };
}

/** Builds a stack's archives into `outDir` in a child process running the program with tsx. */
export async function buildArchives(
  stack: 'dev' | 'prod',
  outDir: string,
  projectDir = process.cwd(),
): Promise<BuiltArchives> {
  const tsx = require.resolve('tsx/cli', { paths: [projectDir] });
  // Only what a deploy's environment would hold; nothing of a test runner's.
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  const child = spawn(
    process.execPath,
    [tsx, path.join(__dirname, 'shippedArchives.ts'), '--stack', stack, '--out', outDir],
    { cwd: projectDir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let printed = '';
  child.stdout.on('data', (c: Buffer) => (printed += c));
  child.stderr.on('data', (c: Buffer) => (printed += c));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`building the ${stack} archives failed (exit ${code}):\n${printed}`);
  return readArchives(outDir);
}

if (require.main === module) {
  const arg = (flag: string) => {
    const i = process.argv.indexOf(flag);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const stack = arg('--stack') ?? 'dev';
  const out = arg('--out');
  if ((stack !== 'dev' && stack !== 'prod') || !out) {
    console.error('usage: tsx tools/shippedArchives.ts --stack dev|prod --out <dir>');
    process.exit(2);
  }
  writeStackArchives(stack, out).then(
    () => process.exit(0),
    (error) => {
      console.error((error as Error).stack ?? error);
      process.exit(1);
    },
  );
}

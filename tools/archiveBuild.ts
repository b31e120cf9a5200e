// Builds a stack's Lambda archives (tools/shippedArchives.ts says what they are): runs the
// program under mocks, reads each function's AssetArchive out of the resource graph and writes
// the files, the graph and the manifest. Run as a script, in a process of its own, by
// buildArchives: Pulumi's runtime state is global.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { streamNamings } from '../kernel/streamNaming';
import { byConsumerFunction, functionNames, type FunctionName } from '../infra/lambdaPackaging';
import { named, runUnderMocks, stackConfigUnderTest, type MockRun } from './mockGraph';
import {
  GRAPH_FILE,
  MANIFEST_FILE,
  type ArchiveEntry,
  type ArchiveManifest,
  type ShippedFunction,
} from './shippedArchives';

/** The Pulumi resource name of each function in the program (infra/pipeline.ts names the components). */
const functionResources: Record<FunctionName, string> = {
  producer: 'functions-producer',
  ...byConsumerFunction((s) => streamNamings[s].resources.consumer('functions')),
  migrator: 'warehouse-migrator',
};

const FUNCTION_TYPE = 'aws:lambda/function:Function';

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

if (require.main === module) {
  const arg = (flag: string) => {
    const i = process.argv.indexOf(flag);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const stack = arg('--stack') ?? 'dev';
  const out = arg('--out');
  if ((stack !== 'dev' && stack !== 'prod') || !out) {
    console.error('usage: tsx tools/archiveBuild.ts --stack dev|prod --out <dir>');
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

// The Lambda archives a deploy ships, read from the program's resource graph under
// mocks: each function's `code` is the AssetArchive infra/lambdaPackaging.ts built
// (the esbuild bundle as index.js, plus the JSON data it reads), next to the handler
// name (`index.handler`), the runtime and the environment. The archive tests, the twin
// and the bench run these files, never the source modules: only they prove what ships.
//
// buildArchives runs the program (tools/archiveBuild.ts) in a child Node process (tsx), as
// `pulumi up` runs it in a process of its own: Pulumi's runtime state is global. This module
// only reads a build and starts one, so the twin, which reads a cached build on every start,
// does not load the Pulumi SDK (over a second of CPU) to do so.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FunctionName } from '../infra/lambdaPackaging';
import type { MockRun } from './mockGraph';

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

/** What a build directory holds besides the archives: each function's handler, runtime, environment and digest. */
export interface ArchiveManifest {
  stack: string;
  functions: Record<FunctionName, Omit<ShippedFunction, 'entries'> & { dir: string; digest: string; files: number }>;
}

export const MANIFEST_FILE = 'manifest.json';
/** The resource graph of the run the archives came from (functions without their code). */
export const GRAPH_FILE = 'graph.json';

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
    [tsx, path.join(__dirname, 'archiveBuild.ts'), '--stack', stack, '--out', outDir],
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

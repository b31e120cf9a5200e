// The archives the twin runs: the dev stack's four Lambda archives, built from the
// program exactly as the archive tests build them (tools/shippedArchives.ts), and
// cached under .twin/archives/ by a hash of everything that goes into them: the
// program's and handlers' sources, the tools that build them, the stack file and the
// lockfile. A cached build is reused without starting Pulumi; an edit to any of those
// inputs builds anew. The archive tests read the same cache (any stack), so one build
// serves every suite and `npm start` until an input changes.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FunctionName } from '../infra/lambdaPackaging';
import {
  buildArchives,
  MANIFEST_FILE,
  readArchives,
  type ArchiveManifest,
  type BuiltArchives,
} from '../tools/shippedArchives';
import type { ArchiveHandler } from './workerPool';

/** The twin runs the dev stack's archives: its catalog is the twin's default one. */
export const TWIN_STACK = 'dev';

export type ArchiveStack = 'dev' | 'prod';

/** Files and folders whose contents decide a stack's archives' bytes (tests excluded). */
const inputsOf = (stack: ArchiveStack) => [
  'index.ts',
  'infra',
  'kernel',
  'functions',
  'warehouse',
  // The build itself: the mocks the program runs under and the files it writes (tools/archiveBuild.ts).
  'tools',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'Pulumi.yaml',
  `Pulumi.${stack}.yaml`,
];

export interface TwinArchives {
  dir: string;
  manifest: ArchiveManifest;
  /** True when a build with the same inputs was reused. */
  cached: boolean;
  /** Time to find (or build) the archives. */
  ms: number;
  handler(name: FunctionName): ArchiveHandler;
  /** The function's timeout as the stack declares it (the consumers': the stack's consumerTimeoutSeconds). */
  timeoutSeconds(name: FunctionName): number;
}

const LAMBDA_FUNCTION = 'aws:lambda/function:Function';

/** sha256 over a stack's archives' inputs, file by file in a stable order. */
export function archiveInputsHash(projectDir = process.cwd(), stack: ArchiveStack = TWIN_STACK): string {
  const hash = createHash('sha256');
  const add = (rel: string) => {
    const full = path.join(projectDir, rel);
    if (!fs.existsSync(full)) return;
    if (fs.statSync(full).isDirectory()) {
      for (const entry of fs.readdirSync(full).sort())
        if (!entry.endsWith('.test.ts') && entry !== '__snapshots__') add(path.join(rel, entry));
    } else {
      hash.update(rel).update('\0').update(fs.readFileSync(full)).update('\0');
    }
  };
  for (const input of inputsOf(stack)) add(input);
  return hash.digest('hex');
}

/**
 * Moves a finished build into its place, unless another process (a second jest worker, a second
 * twin) got there first: then that build, identical by its inputs' hash and perhaps already
 * running, stays, and this one is removed.
 */
export function publishBuild(building: string, dir: string): void {
  if (fs.existsSync(path.join(dir, MANIFEST_FILE))) {
    fs.rmSync(building, { recursive: true, force: true });
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true }); // a directory without its manifest is no build
  try {
    fs.renameSync(building, dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !fs.existsSync(path.join(dir, MANIFEST_FILE))) throw error;
    fs.rmSync(building, { recursive: true, force: true });
  }
}

export interface CachedArchives extends BuiltArchives {
  /** True when a build with the same inputs was reused. */
  cached: boolean;
  /** Time to find (or build) the archives. */
  ms: number;
}

/** A stack's cached build for the current inputs, or a new one (that stack's previous builds are removed). */
export async function cachedArchives(
  stack: ArchiveStack,
  options: { root?: string; projectDir?: string } = {},
): Promise<CachedArchives> {
  const started = performance.now();
  const projectDir = options.projectDir ?? process.cwd();
  const root = path.resolve(projectDir, options.root ?? '.twin/archives');
  const dir = path.join(root, `${stack}-${archiveInputsHash(projectDir, stack).slice(0, 16)}`);
  const cached = fs.existsSync(path.join(dir, MANIFEST_FILE));
  if (!cached) {
    // Built beside the final place and renamed, so a killed build never looks complete.
    const building = `${dir}.building-${process.pid}`;
    fs.rmSync(building, { recursive: true, force: true });
    await buildArchives(stack, building, projectDir);
    publishBuild(building, dir);
    for (const old of fs.readdirSync(root))
      if (old !== path.basename(dir) && old.startsWith(`${stack}-`) && !old.includes('.building-'))
        fs.rmSync(path.join(root, old), { recursive: true, force: true });
  }
  const { manifest, graph } = readArchives(dir);
  return { dir, manifest, graph, cached, ms: performance.now() - started };
}

/** The twin's archives: the dev stack's cached build, with what the twin asks of it. */
export async function twinArchives(options: { root?: string; projectDir?: string } = {}): Promise<TwinArchives> {
  const { dir, manifest, graph, cached, ms } = await cachedArchives(TWIN_STACK, options);
  return {
    dir,
    manifest,
    cached,
    ms,
    handler: (name) => ({
      dir: path.join(dir, manifest.functions[name].dir),
      handler: manifest.functions[name].handler,
    }),
    timeoutSeconds: (name) => {
      const { resourceName } = manifest.functions[name];
      const fn = graph.resources.find((r) => r.type === LAMBDA_FUNCTION && r.name === resourceName);
      const timeout: unknown = fn?.inputs.timeout;
      if (typeof timeout !== 'number') throw new Error(`the ${name} function in ${dir} declares no timeout`);
      return timeout;
    },
  };
}

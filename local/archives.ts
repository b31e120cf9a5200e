// The archives the twin runs: the dev stack's four Lambda archives, built from the
// program exactly as the archive tests build them (tools/shippedArchives.ts), and
// cached under .twin/archives/ by a hash of everything that goes into them: the
// program's and handlers' sources, the stack files and the lockfile. A cached build
// is reused without starting Pulumi; an edit to any of those inputs builds anew.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FunctionName } from '../infra/lambdaPackaging';
import { buildArchives, MANIFEST_FILE, readArchives, type ArchiveManifest } from '../tools/shippedArchives';
import type { ArchiveHandler } from './workerPool';

/** The twin runs the dev stack's archives: its catalog is the twin's default one. */
export const TWIN_STACK = 'dev';

/** Files and folders whose contents decide the archives' bytes (tests excluded). */
const INPUTS = [
  'index.ts',
  'infra',
  'kernel',
  'functions',
  'warehouse',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'Pulumi.yaml',
  `Pulumi.${TWIN_STACK}.yaml`,
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

/** sha256 over the archives' inputs, file by file in a stable order. */
export function archiveInputsHash(projectDir = process.cwd()): string {
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
  for (const input of INPUTS) add(input);
  return hash.digest('hex');
}

/** The cached build for the current inputs, or a new one (the previous builds are removed). */
export async function twinArchives(options: { root?: string; projectDir?: string } = {}): Promise<TwinArchives> {
  const started = performance.now();
  const projectDir = options.projectDir ?? process.cwd();
  const root = path.resolve(projectDir, options.root ?? '.twin/archives');
  const dir = path.join(root, `${TWIN_STACK}-${archiveInputsHash(projectDir).slice(0, 16)}`);
  const cached = fs.existsSync(path.join(dir, MANIFEST_FILE));
  if (!cached) {
    // Built beside the final place and renamed, so a killed build never looks complete.
    const building = `${dir}.building-${process.pid}`;
    fs.rmSync(building, { recursive: true, force: true });
    await buildArchives(TWIN_STACK, building, projectDir);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(building, dir);
    for (const old of fs.readdirSync(root))
      if (old !== path.basename(dir) && old.startsWith(`${TWIN_STACK}-`) && !old.includes('.building-'))
        fs.rmSync(path.join(root, old), { recursive: true, force: true });
  }
  const { manifest, graph } = readArchives(dir);
  return {
    dir,
    manifest,
    cached,
    ms: performance.now() - started,
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

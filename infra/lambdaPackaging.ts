// What goes into each Lambda archive. aws.lambda.CallbackFunction serializes the
// callbackFactory (run once per cold start) and, by default, packs every package
// reachable from package.json `dependencies` as whole folders: esm copies, type
// declarations, source maps and tests included, and the same set in every
// function. Here each function gets only the packages its handler requires, and
// of those only the CommonJS runtime files. The Node 20+ Lambda runtimes provide
// @aws-sdk/* v3, and @pulumi/* and devDependencies are never packed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinModules } from 'node:module';
import type * as pulumi from '@pulumi/pulumi';
import { output } from '@pulumi/pulumi';
import type { Catalog } from '../functions/catalog';
import type { StreamName } from '../functions/contracts';
import { createProducerHandler } from '../functions/producer';
import { createConsumerHandler } from '../functions/consumer';
import { createMigratorHandler } from '../warehouse/migrator';

export const functionNames = ['producer', 'salesConsumer', 'inventoryConsumer', 'migrator'] as const;
export type FunctionName = (typeof functionNames)[number];

export type Migrations = Parameters<typeof createMigratorHandler>[0]['migrations'];

/**
 * Runtime packages each handler requires (beyond @aws-sdk/* and node builtins).
 * Their transitive `dependencies` are added automatically. The packaging test checks
 * this list against the `require(...)` calls in each serialized handler.
 */
export const handlerPackages: Record<FunctionName, readonly string[]> = {
  producer: ['@aws-lambda-powertools/logger'],
  salesConsumer: ['papaparse', '@aws-lambda-powertools/batch', '@aws-lambda-powertools/logger'],
  inventoryConsumer: ['papaparse', '@aws-lambda-powertools/batch', '@aws-lambda-powertools/logger'],
  migrator: ['@aws-lambda-powertools/logger'],
};

/** Modules the Lambda Node.js runtime provides: never packed. */
export function isProvidedByRuntime(moduleName: string): boolean {
  return moduleName.startsWith('@aws-sdk/') || moduleName.startsWith('node:') || builtinModules.includes(moduleName);
}

export interface LambdaArchivesArgs {
  /** The deploy-time catalog (built with faker in the Pulumi program); captured as plain data. */
  catalog: Catalog;
  /** Rendered Redshift migrations for the migrator (an Output in the program: they name the COPY role and bucket). */
  migrations: pulumi.Input<Migrations>;
  /** Project root holding package.json and node_modules; defaults to the working directory (as Pulumi runs). */
  projectDir?: string;
}

export interface LambdaArchive {
  /** Runs once per cold start inside Lambda and returns the handler. */
  callbackFactory: () => (...args: any[]) => Promise<unknown>;
  codePathOptions: pulumi.runtime.CodePathOptions;
}

/** All four archives, as the program builds them (the bench serializes these). */
export function lambdaArchives(args: LambdaArchivesArgs): Record<FunctionName, LambdaArchive> {
  return {
    producer: producerArchive(args.catalog, args.projectDir),
    salesConsumer: consumerArchive('sales', args.catalog, args.projectDir),
    inventoryConsumer: consumerArchive('inventory', args.catalog, args.projectDir),
    migrator: migratorArchive(args.migrations, args.projectDir),
  };
}

export function producerArchive(catalog: Catalog, projectDir?: string): LambdaArchive {
  // Only the fields the generator reads, captured as one JSON string: one value for the
  // closure serializer instead of hundreds of objects; JSON.parse at cold start is sub-millisecond.
  const generatorCatalog = JSON.stringify({
    products: catalog.products.map((p) => ({ product_id: p.product_id, price: p.price })),
    stores: catalog.stores.map((s) => ({ store_id: s.store_id, size: s.size })),
  });
  return { callbackFactory: () => createProducerHandler(JSON.parse(generatorCatalog)), codePathOptions: codePathOptionsFor(handlerPackages.producer, projectDir) };
}

export function consumerArchive(stream: StreamName, catalog: Catalog, projectDir?: string): LambdaArchive {
  const dims = JSON.stringify({ products: catalog.products, stores: catalog.stores });
  const name: FunctionName = stream === 'sales' ? 'salesConsumer' : 'inventoryConsumer';
  return { callbackFactory: () => createConsumerHandler(stream, JSON.parse(dims)), codePathOptions: codePathOptionsFor(handlerPackages[name], projectDir) };
}

/** Workgroup, database and secret come from the function's environment (WORKGROUP_NAME, DATABASE, SECRET_ARN). */
export function migratorArchive(migrations: pulumi.Input<Migrations>, projectDir?: string): LambdaArchive {
  // An Output captured by a closure is read with .get() when the function runs. During a
  // preview of a new stack the COPY role ARN is unknown; the function's code is then unknown too.
  const captured = output(migrations).apply((m) => JSON.stringify(m));
  return { callbackFactory: () => createMigratorHandler({ migrations: JSON.parse(captured.get()) }), codePathOptions: codePathOptionsFor(handlerPackages.migrator, projectDir) };
}

/**
 * Excludes every declared runtime dependency from Pulumi's whole-folder walk and
 * includes, file by file, the runtime files of the packages this handler needs.
 * A fresh object each call: CallbackFunction pushes 'aws-sdk' into the exclude list.
 */
export function codePathOptionsFor(packages: readonly string[], projectDir: string = process.cwd()): pulumi.runtime.CodePathOptions {
  const declared = Object.keys(readPackageJson(projectDir).dependencies ?? {});
  const files = new Set<string>();
  const seen = new Set<string>();
  for (const name of packages) collectPackageFiles(name, projectDir, projectDir, files, seen);
  return {
    extraExcludePackages: [...declared],
    extraIncludePaths: [...files].sort(),
  };
}

/** Project-relative paths of the runtime files of `name` and its transitive dependencies. */
export function packageRuntimeFiles(names: readonly string[], projectDir = process.cwd()): string[] {
  const files = new Set<string>();
  const seen = new Set<string>();
  for (const name of names) collectPackageFiles(name, projectDir, projectDir, files, seen);
  return [...files].sort();
}

function collectPackageFiles(name: string, fromDir: string, projectDir: string, files: Set<string>, seen: Set<string>): void {
  if (isProvidedByRuntime(name)) return;
  const dir = findPackageDir(name, fromDir, projectDir);
  if (seen.has(dir)) return;
  seen.add(dir);
  walkRuntimeFiles(dir, (file) => files.add(toPosix(path.relative(projectDir, file))));
  const manifest = readPackageJson(dir);
  for (const dependency of Object.keys(manifest.dependencies ?? {})) collectPackageFiles(dependency, dir, projectDir, files, seen);
}

// Node's lookup: <dir>/node_modules/<name>, then each parent up to the project root.
function findPackageDir(name: string, fromDir: string, projectDir: string): string {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === projectDir || path.dirname(dir) === dir) break;
  }
  throw new Error(`lambda packaging: package '${name}' required from ${path.relative(projectDir, fromDir) || '.'} is not installed (run npm ci)`);
}

// Folders and files a CommonJS require never loads inside Lambda.
const SKIPPED_DIRS = new Set(['esm', 'dist-es', 'dist-types', 'test', 'tests', '__tests__', 'docs', 'player', 'node_modules', '.github']);

function walkRuntimeFiles(dir: string, add: (file: string) => void): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) walkRuntimeFiles(full, add);
    } else if (isRuntimeFile(entry.name)) {
      add(full);
    }
  }
}

function isRuntimeFile(fileName: string): boolean {
  if (/\.d\.[cm]?ts$/.test(fileName) || fileName.endsWith('.map')) return false;
  return fileName.endsWith('.js') || fileName.endsWith('.cjs') || fileName.endsWith('.json');
}

function readPackageJson(dir: string): { dependencies?: Record<string, string> } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

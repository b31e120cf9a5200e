// What goes into each Lambda archive: the handler bundled by esbuild into one
// CommonJS `index.js` (the pure cores and the packages they import, tree-shaken),
// next to the deploy-time data it reads once per cold start (catalog, rendered
// migrations) as JSON files. The Node 20+ Lambda runtimes provide @aws-sdk/* v3,
// so it stays external; nothing of @pulumi/* or the devDependencies is reachable
// from a handler. The bundle runs the source modules as written: no closure
// serializer rewriting captured functions and values.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinModules } from 'node:module';
import { buildSync } from 'esbuild';
import * as pulumi from '@pulumi/pulumi';
import type { Catalog } from '../kernel/catalog';
import { perStream, streamNames, type StreamName } from '../kernel/contracts';
import { streamNamings } from '../kernel/streamNaming';
import type { createMigratorHandler } from '../functions/migrator';

/** The function of each stream's consumer: `salesConsumer`, ... (kernel/streamNaming.ts). */
export type ConsumerFunctionName = `${StreamName}Consumer`;
export type FunctionName = 'producer' | ConsumerFunctionName | 'migrator';
/** Every function the stack ships: the producer, one consumer per stream, the migrator. */
export const functionNames: readonly FunctionName[] = [
  'producer',
  ...streamNames.map((s) => streamNamings[s].consumerFunction),
  'migrator',
];

export type Migrations = Parameters<typeof createMigratorHandler>[0]['migrations'];

/** `<file>.<export>` of every archive: index.js exports `handler`. */
export const HANDLER = 'index.handler';
export const BUNDLE_FILE = 'index.js';

/** Modules the Lambda Node.js runtime provides: never bundled. */
export function isProvidedByRuntime(moduleName: string): boolean {
  return moduleName.startsWith('@aws-sdk/') || moduleName.startsWith('node:') || builtinModules.includes(moduleName);
}

export interface LambdaArchivesArgs {
  /** The deploy-time catalog (built with faker in the Pulumi program); shipped as plain data. */
  catalog: Catalog;
  /** Rendered Redshift migrations for the migrator (an Output in the program: they name the COPY role and bucket). */
  migrations: pulumi.Input<Migrations>;
  /** Project root holding the sources and node_modules; defaults to the working directory (as Pulumi runs). */
  projectDir?: string;
}

export interface LambdaArchive {
  /** index.js plus the JSON data it reads; an Output for the migrator (its migrations are). */
  code: pulumi.Input<pulumi.asset.Archive>;
  handler: string;
}

/** Every archive, as the program builds them (the bench zips these). */
export function lambdaArchives(args: LambdaArchivesArgs): Record<FunctionName, LambdaArchive> {
  return {
    producer: producerArchive(args.catalog, args.projectDir),
    ...byConsumerFunction((s) => consumerArchive(s, args.catalog, args.projectDir)),
    migrator: migratorArchive(args.migrations, args.projectDir),
  };
}

/** One value per consumer function, keyed by its name (`salesConsumer`, ...). */
export function byConsumerFunction<T>(make: (stream: StreamName) => T): Record<ConsumerFunctionName, T> {
  const values = perStream(make);
  return Object.fromEntries(streamNames.map((s) => [streamNamings[s].consumerFunction, values[s]])) as Record<
    ConsumerFunctionName,
    T
  >;
}

// Each entry reads its data beside index.js once per cold start (__dirname is /var/task).
const readData = (file: string) =>
  `JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, '${file}'), 'utf8'))`;

function consumerEntry(stream: StreamName): string {
  return `import { createConsumerHandler } from './functions/consumer';\nexport const handler = createConsumerHandler('${stream}', ${readData('dims.json')});\n`;
}

/** The entry module of each function (source text; its imports resolve from the project root). */
export const handlerEntries: Record<FunctionName, string> = {
  producer: `import { createProducerHandler } from './functions/producer';\nexport const handler = createProducerHandler(${readData('catalog.json')});\n`,
  ...byConsumerFunction(consumerEntry),
  migrator: `import { createMigratorHandler } from './functions/migrator';\nexport const handler = createMigratorHandler({ migrations: ${readData('migrations.json')} });\n`,
};

export function producerArchive(catalog: Catalog, projectDir?: string): LambdaArchive {
  // Only the fields the generator reads.
  const generatorCatalog = {
    products: catalog.products.map((p) => ({ product_id: p.product_id, price: p.price })),
    stores: catalog.stores.map((s) => ({ store_id: s.store_id, size: s.size })),
  };
  return archiveOf(bundleHandler(handlerEntries.producer, projectDir), { 'catalog.json': generatorCatalog });
}

export function consumerArchive(stream: StreamName, catalog: Catalog, projectDir?: string): LambdaArchive {
  const name: FunctionName = streamNamings[stream].consumerFunction;
  return archiveOf(bundleHandler(handlerEntries[name], projectDir), {
    'dims.json': { products: catalog.products, stores: catalog.stores },
  });
}

/** Workgroup, database and secret come from the function's environment (WORKGROUP_NAME, DATABASE, SECRET_ARN). */
export function migratorArchive(migrations: pulumi.Input<Migrations>, projectDir?: string): LambdaArchive {
  const bundle = bundleHandler(handlerEntries.migrator, projectDir);
  // The migrations name the COPY role: during a preview of a new stack they, and so the code, are unknown.
  return {
    code: pulumi
      .output(migrations)
      .apply((m) => archiveOf(bundle, { 'migrations.json': m }).code as pulumi.asset.Archive),
    handler: HANDLER,
  };
}

function archiveOf(bundle: HandlerBundle, data: Record<string, unknown>): LambdaArchive {
  const assets: Record<string, pulumi.asset.Asset> = { [BUNDLE_FILE]: new pulumi.asset.StringAsset(bundle.text) };
  for (const [file, value] of Object.entries(data)) assets[file] = new pulumi.asset.StringAsset(JSON.stringify(value));
  return { code: new pulumi.asset.AssetArchive(assets), handler: HANDLER };
}

export interface HandlerBundle {
  /** index.js. */
  text: string;
  /** Project-relative paths of every source file in it (esbuild's metafile). */
  inputs: string[];
}

/** The entry module's name inside the bundle (see bundleHandler). */
const ENTRY_SOURCEFILE = 'lambda-handler.ts';

const bundles = new Map<string, HandlerBundle>();

/**
 * One CommonJS file for the Lambda Node runtime from an entry module's source (its
 * imports resolve from the project root). Identifiers are kept so stack traces name
 * the real functions without shipping a source map; cached per entry.
 */
export function bundleHandler(entry: string, projectDir: string = process.cwd()): HandlerBundle {
  const key = `${projectDir}\0${entry}`;
  const cached = bundles.get(key);
  if (cached) return cached;
  if (!fs.existsSync(path.join(projectDir, 'node_modules')))
    throw new Error(`lambda packaging: ${projectDir} has no node_modules (run npm ci)`);
  const result = buildSync({
    // esbuild names a module's exports variable after its file, and an `index` file
    // after its folder: a fixed entry name keeps the checkout's folder out of the bytes.
    stdin: { contents: entry, resolveDir: projectDir, sourcefile: ENTRY_SOURCEFILE, loader: 'ts' },
    absWorkingDir: projectDir,
    // CommonJS modules are keyed by their path relative to absWorkingDir; following a
    // symlinked node_modules (as `plan --against` and worktrees share one) would put
    // the real folder, and its depth, into the bundle.
    preserveSymlinks: true,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@aws-sdk/*'],
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    sourcemap: false,
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const bundle = { text: result.outputFiles[0].text, inputs: Object.keys(result.metafile.inputs).sort() };
  bundles.set(key, bundle);
  return bundle;
}

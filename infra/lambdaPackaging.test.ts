import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { buildCatalog } from '../kernel/catalog';
import { buildMigrations } from '../warehouse/migrations';
import {
  BUNDLE_FILE,
  bundleHandler,
  byConsumerFunction,
  functionNames,
  HANDLER,
  handlerEntries,
  isProvidedByRuntime,
  lambdaArchives,
  type FunctionName,
} from './lambdaPackaging';

const catalog = buildCatalog();
const migrations = buildMigrations(
  {
    dialect: 'redshift',
    copyRoleArn: 'arn:aws:iam::123456789012:role/test-copy',
    bucket: 'test-landing',
    region: 'us-east-1',
  },
  catalog,
);

/** Archive path -> text, as the AssetArchive holds them (the migrator's is an Output). */
async function contentsOf(code: pulumi.Input<pulumi.asset.Archive>): Promise<Record<string, string>> {
  const archive = await new Promise<pulumi.asset.Archive>((resolve) => pulumi.output(code).apply(resolve));
  const assets = await (archive as pulumi.asset.AssetArchive).assets;
  const out: Record<string, string> = {};
  for (const [file, asset] of Object.entries(assets)) out[file] = await (asset as pulumi.asset.StringAsset).text;
  return out;
}

const dataFiles: Record<FunctionName, string> = {
  producer: 'catalog.json',
  ...byConsumerFunction(() => 'dims.json'),
  migrator: 'migrations.json',
};
const requiresOf = (text: string) => [...new Set([...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))];

describe('lambda packaging', () => {
  test('each archive is index.js (the bundled handler) and the one JSON file of deploy-time data it reads', async () => {
    const archives = lambdaArchives({ catalog, migrations });
    for (const name of functionNames) {
      expect(archives[name].handler).toBe(HANDLER);
      const files = await contentsOf(archives[name].code);
      expect(Object.keys(files).sort()).toEqual([dataFiles[name], BUNDLE_FILE].sort());
      expect(files[BUNDLE_FILE]).toContain(dataFiles[name]);
    }
    const producer = await contentsOf(archives.producer.code);
    expect(JSON.parse(producer['catalog.json']).products[0]).toEqual({
      product_id: catalog.products[0].product_id,
      price: catalog.products[0].price,
    });
    expect(JSON.parse((await contentsOf(archives.migrator.code))['migrations.json'])).toEqual(
      JSON.parse(JSON.stringify(migrations)),
    );
  });

  test('the bundle requires only what the runtime provides; no @aws-sdk, @smithy or @pulumi code is inside', () => {
    for (const name of functionNames) {
      const { text, inputs } = bundleHandler(handlerEntries[name]);
      for (const mod of requiresOf(text)) expect([name, mod, isProvidedByRuntime(mod)]).toEqual([name, mod, true]);
      expect(requiresOf(text).some((m) => m.startsWith('@aws-sdk/client-'))).toBe(true);
      expect(inputs.filter((f) => /node_modules\/(@aws-sdk|@smithy|@pulumi|@faker-js)\//.test(f))).toEqual([]);
      expect(text).not.toMatch(/faker/i);
      // The pure cores are bundled from their sources.
      expect(inputs).toContain(
        name === 'migrator'
          ? 'functions/migrator.ts'
          : name === 'producer'
            ? 'functions/producer.ts'
            : 'functions/consumer.ts',
      );
    }
  });

  test('the producer and the migrator carry no CSV or batch library; the consumers do', () => {
    const packages = (name: FunctionName) =>
      new Set(
        bundleHandler(handlerEntries[name])
          .inputs.filter((f) => f.startsWith('node_modules/'))
          .map((f) => f.replace(/^node_modules\/((@[^/]+\/)?[^/]+)\/.*$/, '$1')),
      );
    for (const name of ['producer', 'migrator'] as const) {
      expect(packages(name).has('papaparse')).toBe(false);
      expect(packages(name).has('@aws-lambda-powertools/batch')).toBe(false);
      expect(packages(name).has('@aws-lambda-powertools/logger')).toBe(true);
    }
    expect([...packages('salesConsumer')]).toEqual(
      expect.arrayContaining(['papaparse', '@aws-lambda-powertools/batch', '@aws-lambda-powertools/logger']),
    );
  });

  test('the runtime provides @aws-sdk/* and node builtins', () => {
    expect(['@aws-sdk/client-sqs', 'zlib', 'node:crypto', 'crypto'].every(isProvidedByRuntime)).toBe(true);
    expect(['papaparse', '@aws-lambda-powertools/logger', '@faker-js/faker'].some(isProvidedByRuntime)).toBe(false);
  });

  test('an archive is the same bytes from checkouts in folders of other names and depths', async () => {
    // The sources the bundles read, copied; node_modules shared by a symlink, as
    // `plan --against` and git worktrees share it.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bfstream-repro-'));
    const checkout = (dir: string) => {
      fs.mkdirSync(dir, { recursive: true });
      for (const entry of ['functions', 'kernel', 'warehouse', 'infra', 'package.json', 'tsconfig.json'])
        fs.cpSync(path.resolve(entry), path.join(dir, entry), { recursive: true });
      fs.symlinkSync(path.resolve('node_modules'), path.join(dir, 'node_modules'), 'dir');
      return dir;
    };
    const dirs = [
      process.cwd(),
      checkout(path.join(root, 'main')),
      checkout(path.join(root, 'a', 'b', 'c', 'newcomer-clone')),
    ];
    try {
      const built = await Promise.all(
        dirs.map(async (projectDir) => {
          const archives = lambdaArchives({ catalog, migrations, projectDir });
          const out: Record<string, Record<string, string>> = {};
          for (const name of functionNames) out[name] = await contentsOf(archives[name].code);
          return out;
        }),
      );
      for (const name of functionNames) {
        const bundle = built[0][name][BUNDLE_FILE];
        expect(bundle).not.toMatch(/newcomer|main_exports|\/tmp\/|node_modules\/\.\./);
        for (const other of built.slice(1)) expect(other[name]).toEqual(built[0][name]);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('a project without node_modules is a clear error', () => {
    expect(() => bundleHandler(handlerEntries.producer, '/nonexistent-project')).toThrow(
      'lambda packaging: /nonexistent-project has no node_modules (run npm ci)',
    );
  });
});

// Each archive as shipped, run in a bare runtime end to end: test/archives.{dev,prod}.test.ts.

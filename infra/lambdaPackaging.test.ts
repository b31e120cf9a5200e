import { readFileSync } from 'node:fs';
import { codePathOptionsFor, handlerPackages, isProvidedByRuntime, packageRuntimeFiles } from './lambdaPackaging';

const declared = Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).dependencies);
const packagesIn = (files: string[]) => new Set(files.map((f) => f.replace(/^(.*node_modules\/)((@[^/]+\/)?[^/]+)\/.*$/, '$2')));

describe('lambda packaging', () => {
  test("the whole-folder walk is switched off for every runtime dependency; each handler's files are listed instead", () => {
    const options = codePathOptionsFor(handlerPackages.salesConsumer);
    expect([...options.extraExcludePackages!].sort()).toEqual([...declared].sort());
    const files = options.extraIncludePaths!;
    expect(packagesIn(files)).toEqual(new Set(['papaparse', '@aws-lambda-powertools/batch', '@aws-lambda-powertools/logger', '@aws-lambda-powertools/commons', '@aws/lambda-invoke-store', '@standard-schema/spec']));
    // Only what a CommonJS require loads: no ESM copies, type declarations, maps or tests.
    for (const f of files) {
      expect(f).toMatch(/\.(js|cjs|json)$/);
      expect(f).not.toMatch(/\/(esm|dist-es|dist-types|tests?)\/|\.d\.[cm]?ts$|\.map$/);
    }
    // The logger's own nested commons (a different version) is kept beside it.
    expect(files.some((f) => f.startsWith('node_modules/@aws-lambda-powertools/logger/node_modules/@aws-lambda-powertools/commons/'))).toBe(true);
  });

  test('the producer and the migrator carry no CSV or batch library', () => {
    for (const fn of ['producer', 'migrator'] as const) {
      const pkgs = packagesIn(codePathOptionsFor(handlerPackages[fn]).extraIncludePaths!);
      expect(pkgs.has('papaparse')).toBe(false);
      expect(pkgs.has('@aws-lambda-powertools/batch')).toBe(false);
      expect(pkgs.has('@aws-lambda-powertools/logger')).toBe(true);
    }
  });

  test('a fresh options object per call (CallbackFunction appends aws-sdk to the exclude list)', () => {
    const a = codePathOptionsFor(handlerPackages.producer);
    a.extraExcludePackages!.push('aws-sdk');
    expect(codePathOptionsFor(handlerPackages.producer).extraExcludePackages).not.toContain('aws-sdk');
  });

  test('a missing package is a clear error', () => {
    expect(() => packageRuntimeFiles(['no-such-package-here'])).toThrow("lambda packaging: package 'no-such-package-here' required from . is not installed (run npm ci)");
  });

  test('the runtime provides @aws-sdk/* and node builtins', () => {
    expect(['@aws-sdk/client-sqs', 'zlib', 'node:crypto', 'crypto'].every(isProvidedByRuntime)).toBe(true);
    expect(['papaparse', '@aws-lambda-powertools/logger', '@faker-js/faker'].some(isProvidedByRuntime)).toBe(false);
  });
});

describe('each archive loads on its own, as in Lambda', () => {
  // Lay out the archive exactly as CallbackFunction zips it (the serialized closure as
  // __index.js plus the listed files), give it a stand-in for the runtime's provided
  // @aws-sdk via NODE_PATH, and load it in a fresh node process: a package missing from
  // the archive fails the require.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { mkdtempSync, mkdirSync, copyFileSync, symlinkSync, writeFileSync, rmSync } = require('node:fs') as typeof import('node:fs');
  const { join, dirname, resolve } = require('node:path') as typeof import('node:path');
  const { tmpdir } = require('node:os') as typeof import('node:os');
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  /* eslint-enable @typescript-eslint/no-require-imports */

  test.each(['producer', 'salesConsumer', 'migrator'] as const)('%s', async (fn) => {
    const pulumi = await import('@pulumi/pulumi');
    const { buildCatalog } = await import('../functions/catalog');
    const { lambdaArchives } = await import('./lambdaPackaging');
    const archive = lambdaArchives({ catalog: buildCatalog(), migrations: [] })[fn];
    const closure = await pulumi.runtime.serializeFunction(archive.callbackFactory, { isFactoryFunction: true, exportName: 'handler' });
    const dir = mkdtempSync(join(tmpdir(), `archive-${fn}-`));
    try {
      writeFileSync(join(dir, '__index.js'), closure.text);
      for (const file of archive.codePathOptions.extraIncludePaths!) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        copyFileSync(file, join(dir, file));
      }
      const runtimeModules = join(dir, '..', `${fn}-runtime-${process.pid}`, 'node_modules');
      mkdirSync(runtimeModules, { recursive: true });
      symlinkSync(resolve('node_modules/@aws-sdk'), join(runtimeModules, '@aws-sdk'));
      const child = spawnSync(process.execPath, ['-e', "const m = require('./__index.js'); if (typeof m.handler !== 'function') process.exit(3);"], {
        cwd: dir,
        env: { PATH: process.env.PATH, NODE_PATH: runtimeModules },
        encoding: 'utf8',
      });
      rmSync(join(runtimeModules, '..'), { recursive: true, force: true });
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

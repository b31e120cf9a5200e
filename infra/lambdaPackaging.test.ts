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

// Each archive as shipped, run in a bare runtime end to end: test/archives.{dev,prod}.test.ts.

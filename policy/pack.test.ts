// The policy pack loads the way `pulumi preview --policy-pack policy` loads it: the CLI
// starts its `pulumi-analyzer-policy` plugin with the pack's directory as the working
// directory; the plugin resolves `@pulumi/pulumi/cmd/run-policy-pack` from there and runs
// it with node, which compiles index.ts (ts-node), serves the Analyzer over gRPC and
// prints its port (pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go, sdk/nodejs/dist/
// pulumi-analyzer-policy). We do the same, then ask the running pack for its policies.
import * as grpc from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { satisfies } from 'semver';
import { iamCatalogue } from './catalogue';
import { policies } from './rules';

/* eslint-disable @typescript-eslint/no-require-imports -- gRPC stubs generated as CommonJS, without type declarations */
const { AnalyzerClient } = require('@pulumi/pulumi/proto/analyzer_grpc_pb');
const { Empty } = require('google-protobuf/google/protobuf/empty_pb');
/* eslint-enable @typescript-eslint/no-require-imports */

const PACK = __dirname;

/** The package.json of a dependency as node resolves it from the pack's directory (some packages do not export it). */
function packageOf(name: string): { name: string; version: string } {
  let dir = dirname(require.resolve(name, { paths: [PACK] }));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
      if (pkg.name === name) return { name, version: pkg.version };
    }
    if (dirname(dir) === dir) throw new Error(`no package.json for ${name}`);
    dir = dirname(dir);
  }
}

test('the pack declares its own dependencies, and the versions it resolves from its directory satisfy them', () => {
  const pack = JSON.parse(readFileSync(join(PACK, 'package.json'), 'utf8')) as {
    main: string;
    dependencies: Record<string, string>;
  };
  expect(pack.main).toBe('index.ts');
  // Every package the pack's modules import (tests aside) is declared, including the modules it
  // loads from outside its directory (kernel/awsLimits.ts), which the CLI compiles with the pack.
  const imported = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/^import\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm)) {
      const spec = m[1];
      if (spec.startsWith('.')) visit(join(dirname(file), `${spec}.ts`));
      else imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  };
  for (const file of readdirSync(PACK).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')))
    visit(join(PACK, file));
  const outside = [...seen].filter((f) => !f.startsWith(`${PACK}/`)).map((f) => f.slice(dirname(PACK).length + 1));
  expect(outside).toContain('kernel/awsLimits.ts');
  expect(outside.filter((f) => !f.startsWith('kernel/'))).toEqual([]);
  const external = [...imported].filter((p) => !p.startsWith('node:')).sort();
  expect(external).toContain('@pulumi/policy');
  expect(external.filter((p) => !(p in pack.dependencies))).toEqual([]);
  // run-policy-pack comes from @pulumi/pulumi, resolved from the pack's directory.
  expect(pack.dependencies['@pulumi/pulumi']).toBeDefined();
  for (const [name, range] of Object.entries(pack.dependencies)) {
    const { version } = packageOf(name);
    expect({ name, version, ok: satisfies(version.replace(/^v/, ''), range) }).toEqual({ name, version, ok: true });
  }
});

test('run the way the CLI runs it, the pack serves every rule (policy/rules.ts and the IAM catalogue)', async () => {
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
      const info = await new Promise<any>((resolve, reject) =>
        client.getAnalyzerInfo(new Empty(), (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res))),
      );
      expect(info.getName()).toBe('bfstream-policies');
      const served = info.getPoliciesList().map((p: any) => [p.getName(), p.getEnforcementlevel()]);
      // EnforcementLevel MANDATORY = 1 in analyzer.proto.
      expect(served.sort()).toEqual([...policies, iamCatalogue].map((p) => [p.name, 1]).sort());
    } finally {
      client.close();
    }
  } finally {
    child.kill();
  }
}, 120_000);

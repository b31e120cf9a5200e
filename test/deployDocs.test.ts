// The deploy docs a platform engineer follows say what the repository does: the bill comes before
// the commands, every `pulumi up` runs the policy pack, the deployer's policy they link exists, the
// passphrase of a self-managed backend is named, and the install-scripts table lists exactly the
// packages package.json's allowScripts settles.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOYER_POLICY_PATH } from '../tools/deployerPolicy';

const ROOT = join(__dirname, '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const infra = readFileSync(join(ROOT, 'docs', 'INFRA.md'), 'utf8');
const deploy = readme.slice(readme.indexOf('## Deploying to AWS'), readme.indexOf('## Stack configuration'));

it('puts the bill before the commands', () => {
  const bill = deploy.indexOf('### The monthly bill per stack');
  const commands = deploy.indexOf('### The commands');
  expect(bill).toBeGreaterThan(0);
  expect(commands).toBeGreaterThan(bill);
  expect(deploy.indexOf('pulumi up')).toBeGreaterThan(bill);
});

it('runs the policy pack on every pulumi up it tells the reader to type', () => {
  // The README's command blocks, and the INFRA.md deploy steps' commands (code spans with arguments).
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n'));
  const steps = infra.slice(infra.indexOf('## Deploying (a real user)'), infra.indexOf('### The deployer'));
  const commands = [
    ...blocks.filter((l) => /^pulumi (up|preview)\b/.test(l)),
    ...[...steps.matchAll(/`(pulumi (?:up|preview) [^`]+)`/g)].map((m) => m[1]),
  ];
  expect(commands.filter((c) => c.startsWith('pulumi up')).length).toBeGreaterThanOrEqual(2);
  for (const c of commands) expect({ c, pack: c.includes('--policy-pack policy') }).toEqual({ c, pack: true });
});

it("links the deployer's policy, which exists, and names the backend's passphrase", () => {
  expect(deploy).toContain('(docs/deployer-policy.json)');
  expect(existsSync(DEPLOYER_POLICY_PATH)).toBe(true);
  expect(deploy).toContain('PULUMI_CONFIG_PASSPHRASE');
  expect(infra).toContain('PULUMI_CONFIG_PASSPHRASE');
});

it("explains exactly the packages package.json's allowScripts settles", () => {
  const allow = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> }
  ).allowScripts;
  const table = readme.slice(readme.indexOf('| package (pulled in by) |'));
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
  // The packages are the first cell's names, before "(pulled in by ...)".
  const packages = (row: string) =>
    [
      ...row
        .split('|')[1]
        .split('(')[0]
        .matchAll(/`(@?[\w./-]+)`/g),
    ].map((m) => m[1]);
  const named = rows.flatMap(packages);
  const settled = Object.fromEntries(
    rows.flatMap((r) => {
      const verdict = /\|\s*(allowed|denied)/.exec(r)?.[1];
      return packages(r).map((name) => [name, verdict === 'allowed']);
    }),
  );
  expect(named.sort()).toEqual(Object.keys(allow).sort());
  expect(settled).toEqual(allow);
});

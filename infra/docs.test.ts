// docs/INFRA.md names the landing prefixes the code uses, and no other.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { streamNames } from '../kernel/contracts';
import { landingPrefixes } from './landing';

test('every landing prefix in docs/INFRA.md is one the code writes or reads', () => {
  const text = readFileSync(join(__dirname, '..', 'docs', 'INFRA.md'), 'utf8');
  // Paths that look like landing keys (a stream, rejected/, or the old landing/ form), not IAM ones like mfa/*.
  const looksLanding = (p: string) => ['sales', 'inventory', 'rejected', 'landing'].includes(p.split('/')[0]);
  const documented = new Set([...text.matchAll(/`([a-z][a-z/]*\/)\*`/g)].map((m) => m[1]).filter(looksLanding));
  const used = new Set(streamNames.flatMap((s) => Object.values(landingPrefixes(s))));
  expect(documented.size).toBeGreaterThan(0);
  expect([...documented].filter((p) => !used.has(p))).toEqual([]);
  expect([...used].filter((p) => !documented.has(p))).toEqual([]);
});

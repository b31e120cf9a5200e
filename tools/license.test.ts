// The licence package.json declares is the one the repository ships, in full.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..');

test('LICENSE is the full, unmodified Apache License 2.0 text that package.json declares', () => {
  const manifest = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { license: string };
  expect(manifest.license).toBe('Apache-2.0');
  const text = readFileSync(resolve(root, 'LICENSE'));
  // sha256 of https://www.apache.org/licenses/LICENSE-2.0.txt (202 lines, with its appendix).
  expect(createHash('sha256').update(text).digest('hex')).toBe(
    'cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30',
  );
});

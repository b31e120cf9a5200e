// `npm run docs:licenses`: writes the licences of what ships into docs/LICENSES.md (tools/licenses.ts).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderLicences, withLicenceSection } from './licenses';

const root = join(__dirname, '..');
const path = join(root, 'docs', 'LICENSES.md');
const doc = existsSync(path) ? readFileSync(path, 'utf8') : '';
writeFileSync(path, withLicenceSection(doc, renderLicences(root)));
process.stdout.write('docs/LICENSES.md written\n');

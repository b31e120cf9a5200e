// `npm run docs:verify-policy`: writes the verify identity's policy (tools/verifyPolicy.ts, for a
// stack of placeholders) into docs/INFRA.md between its markers.
import { readFileSync, writeFileSync } from 'node:fs';
import { policyBlockOf, renderPolicyBlock } from './verifyPolicy';

const path = 'docs/INFRA.md';
const doc = readFileSync(path, 'utf8');
const block = policyBlockOf(doc);
if (!block) {
  console.error(`${path} has no verify-policy markers`);
  process.exit(1);
}
writeFileSync(path, doc.replace(block, renderPolicyBlock()));
console.log(`${path}: verify identity policy written`);

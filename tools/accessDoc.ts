// `npm run docs:access`: writes the access matrices into docs/INFRA.md, evaluated on the dev
// stack under mocks (the tests assert that both stacks render exactly this block).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateMatrices, renderMatrices, withMatrixSection } from './accessMatrix';
import { accessTables, accessTitles } from './accessTables';
import { runUnderMocks, stackYamlConfig } from './mockGraph';

async function main(): Promise<void> {
  const run = await runUnderMocks({ stack: 'dev', config: stackYamlConfig('dev') });
  if (run.errors.length) throw new Error(`the program failed under mocks:\n${run.errors.join('\n')}`);
  const results = await evaluateMatrices(run, accessTables);
  const path = join(__dirname, '..', 'docs', 'INFRA.md');
  writeFileSync(path, withMatrixSection(readFileSync(path, 'utf8'), renderMatrices(results, accessTitles)));
  const failing = results.filter((r) => !r.ok).length;
  process.stdout.write(
    `docs/INFRA.md: ${results.length} requests in ${Object.keys(accessTitles).length} matrices${failing ? `, ${failing} NOT as expected (see the tests)` : ''}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});

// `npm run docs:access`: writes the access matrices into docs/INFRA.md, evaluated on the dev
// stack under mocks (the tests assert that both stacks render exactly this block). With
// `--dashboard`, the second block instead: the dev stack with the QuickSight dashboard on
// (test/program/dashboardSuite.ts asserts it). One program run per process: Pulumi's runtime is global.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateMatrices, renderMatrices, withMatrixSection, type MatrixBlock } from './accessMatrix';
import { accessTables, accessTitles, dashboardAccessTables, dashboardAccessTitles } from './accessTables';
import { MOCK_ACCOUNT, runUnderMocks, stackYamlConfig } from './mockGraph';

async function main(dashboard: boolean): Promise<void> {
  const config = {
    ...stackYamlConfig('dev'),
    ...(dashboard
      ? {
          'bfstream:dashboardEnabled': 'true',
          'bfstream:quicksightSecretGranted': 'true',
          'bfstream:quicksightPrincipalArn': `arn:aws:quicksight:us-east-1:${MOCK_ACCOUNT}:group/default/analysts`,
        }
      : {}),
  };
  const run = await runUnderMocks({ stack: 'dev', config });
  if (run.errors.length) throw new Error(`the program failed under mocks:\n${run.errors.join('\n')}`);
  const [tables, titles, block]: [typeof accessTables, typeof accessTitles, MatrixBlock] = dashboard
    ? [dashboardAccessTables, dashboardAccessTitles, 'dashboard-access-matrix']
    : [accessTables, accessTitles, 'access-matrix'];
  const results = await evaluateMatrices(run, tables);
  const path = join(__dirname, '..', 'docs', 'INFRA.md');
  writeFileSync(path, withMatrixSection(readFileSync(path, 'utf8'), renderMatrices(results, titles), block));
  const failing = results.filter((r) => !r.ok).length;
  process.stdout.write(
    `docs/INFRA.md (${block}): ${results.length} requests in ${Object.keys(titles).length} matrices${failing ? `, ${failing} NOT as expected (see the tests)` : ''}\n`,
  );
}

main(process.argv.includes('--dashboard')).catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});

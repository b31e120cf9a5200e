// Part of `npm run docs:access`: evaluates the database access matrix in a fresh PGlite warehouse
// and on the rendered Redshift statements, and writes its tables into docs/INFRA.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateDatabaseAccess } from '../warehouse/databaseAccess';
import { openPglite } from '../warehouse/drivers/pglite';
import { renderDatabaseMatrix, withDatabaseMatrixSection } from './databaseMatrix';

async function main(): Promise<void> {
  const driver = await openPglite();
  try {
    const cells = await evaluateDatabaseAccess(driver);
    const path = join(__dirname, '..', 'docs', 'INFRA.md');
    writeFileSync(path, withDatabaseMatrixSection(readFileSync(path, 'utf8'), renderDatabaseMatrix(cells)));
    const failing = cells.filter((c) => !c.ok).length;
    process.stdout.write(
      `docs/INFRA.md: ${cells.length} database cells${failing ? `, ${failing} NOT as designed (see the tests)` : ''}\n`,
    );
  } finally {
    await driver.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});

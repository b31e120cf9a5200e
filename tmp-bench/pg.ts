import { openPgliteInWorker } from '../local/pgliteWorker';
import { migratedDataDirPath } from '../warehouse/drivers/pglite';
import { buildMigrations } from '../warehouse/migrations';
import { buildCatalog } from '../kernel/catalog';
import { rmSync } from 'node:fs';
async function main() {
  const mode = process.argv[2];
  const path = await migratedDataDirPath(buildMigrations({ dialect: 'postgres' }, buildCatalog()));
  if (mode === 'fresh') rmSync('/tmp/pgb', { recursive: true, force: true });
  const c0 = process.cpuUsage(); const t0 = performance.now();
  const d = await openPgliteInWorker('/tmp/pgb', mode === 'fresh' ? path : undefined);
  await d.query('select 1');
  const t1 = performance.now(); const c1 = process.cpuUsage(c0);
  await d.close();
  console.log(mode, 'open ms', (t1 - t0).toFixed(0), 'cpu ms', ((c1.user + c1.system) / 1000).toFixed(0), 'close+ ms', (performance.now() - t1).toFixed(0), 'cpu', ((process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1000).toFixed(0));
}
void main();

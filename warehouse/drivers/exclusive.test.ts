// The exclusive driver: a transaction holds the one connection; misuse fails at once instead of hanging.
import { blankDataDir, openPglite, type PgliteDriver } from './pglite';

let driver: PgliteDriver;
beforeAll(async () => {
  driver = await openPglite(undefined, { loadDataDir: await blankDataDir() });
  await driver.exec('CREATE TABLE t (n INT)');
});
afterAll(() => driver.close());

it('holds other statements until the transaction ends, and they commit on their own', async () => {
  const order: string[] = [];
  const unit = driver.transaction(async (tx) => {
    await tx.exec('INSERT INTO t VALUES (1)');
    await new Promise((resolve) => setTimeout(resolve, 30));
    order.push('work');
    throw new Error('rolled back');
  });
  const outside = driver.exec('INSERT INTO t VALUES (2)').then(() => order.push('outside'));
  await expect(unit).rejects.toThrow('rolled back');
  await outside;
  expect(order).toEqual(['work', 'outside']);
  expect(await driver.query<{ n: number }>('SELECT n FROM t')).toEqual([{ n: 2 }]);
});

it('refuses a tx used after its transaction ended, and a nested transaction', async () => {
  let kept: { exec(sql: string): Promise<void> } | undefined;
  await driver.transaction(async (tx) => {
    kept = tx;
  });
  await expect(kept!.exec('SELECT 1')).rejects.toThrow('the transaction has ended');
  await expect(driver.transaction((tx) => tx.transaction(async () => undefined))).rejects.toThrow(
    'transactions do not nest',
  );
  // The connection is free again.
  expect(await driver.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
});

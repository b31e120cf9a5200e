// The dashboard's database user in the twin's warehouse (PGlite, or the server in DATABASE_URL):
// the same core the migrator runs, with an in-memory secret.
import { openTestWarehouse } from '../test/support/warehouse';
import {
  DASHBOARD_USER,
  ensureDashboardUser,
  generatePassword,
  md5Password,
  memorySecret,
  passwordProblems,
  rotateDashboardPassword,
} from './readers';
import { dashboardQueries } from './queries';
import type { CopyDriver } from './runner';

let warehouse: CopyDriver & { close(): Promise<void> };
beforeAll(async () => {
  warehouse = await openTestWarehouse();
}, 60_000);
afterAll(() => warehouse?.close());

const storedHash = async () =>
  (
    await warehouse.query<{ rolpassword: string }>(
      `SELECT rolpassword FROM pg_authid WHERE rolname = '${DASHBOARD_USER}'`,
    )
  )[0]?.rolpassword;

describe("the dashboard's database user", () => {
  test("passwords meet Redshift's rules; a draw that breaks them is drawn again", () => {
    for (let i = 0; i < 200; i++) expect(passwordProblems(generatePassword())).toEqual([]);
    expect(passwordProblems('short')).toEqual([
      'is 5 characters, not 8-64',
      'has no upper-case letter',
      'has no digit',
    ]);
    expect(passwordProblems('Abcdefg1@')).toEqual(['has a character outside ASCII 33-126 or one of \' " \\ / @']);
    // A draw of all-zeros gives forty '!' (no letter, no digit): refused, then a real draw follows.
    let calls = 0;
    const password = generatePassword((max) => (calls++ < 40 ? 0 : Math.floor(Math.random() * max)));
    expect(calls).toBeGreaterThan(40);
    expect(passwordProblems(password)).toEqual([]);
  });

  test("the MD5 form is the warehouse's own: 'md5' || md5(password || user)", async () => {
    const [{ hash }] = await warehouse.query<{ hash: string }>(
      `SELECT 'md5' || md5('Pa55word!' || '${DASHBOARD_USER}') AS hash`,
    );
    expect(md5Password(DASHBOARD_USER, 'Pa55word!')).toBe(hash);
  });

  test('made once from an empty secret, kept after, given a new password when the secret is new', async () => {
    const secret = memorySecret();
    // (A Postgres server's roles are cluster-wide: another test's database may have made the user.)
    expect(await ensureDashboardUser(warehouse, secret)).toEqual(
      process.env.DATABASE_URL ? expect.stringMatching(/created|password set/) : 'created',
    );
    const first = (await secret.read())!;
    expect(await storedHash()).toBe(md5Password(DASHBOARD_USER, first.password));
    expect(await ensureDashboardUser(warehouse, secret)).toBe('unchanged');
    expect(secret.writes).toBe(1);
    // A replaced secret (no value again) on an existing user: a new password, set on the user.
    const replaced = memorySecret();
    expect(await ensureDashboardUser(warehouse, replaced)).toBe('password set');
    expect(await storedHash()).toBe(md5Password(DASHBOARD_USER, (await replaced.read())!.password));
    await rotateDashboardPassword(warehouse, replaced);
    expect(await storedHash()).toBe(md5Password(DASHBOARD_USER, (await replaced.read())!.password));
  });

  test('a secret naming another user, or holding a password Redshift refuses, stops with the reason', async () => {
    await expect(
      ensureDashboardUser(warehouse, memorySecret({ username: 'admin', password: 'Abcdefgh1' })),
    ).rejects.toThrow('the dashboard secret names user "admin", expected bfstream_dashboard');
    await expect(
      ensureDashboardUser(warehouse, memorySecret({ username: DASHBOARD_USER, password: 'abc' })),
    ).rejects.toThrow(
      "the dashboard secret's password is 3 characters, not 8-64, has no upper-case letter, has no digit",
    );
  });

  test("as its own user, QuickSight's every data set query runs (the views), and a raw table is refused", async () => {
    await ensureDashboardUser(warehouse, memorySecret());
    await warehouse.exec(`SET ROLE ${DASHBOARD_USER}`);
    try {
      for (const [name, query] of Object.entries(dashboardQueries))
        expect([name, await warehouse.query(query.dataSetSql).then(() => 'ok')]).toEqual([name, 'ok']);
      await expect(warehouse.query('SELECT * FROM retail.sales_transactions LIMIT 1')).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await warehouse.exec('RESET ROLE');
    }
  });
});

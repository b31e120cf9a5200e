// Redshift Serverless needs subnets in supported zone IDs, and a zone name maps to a different ID
// per account: an account whose us-east-1c is use1-az3 fails the program, naming the zone,
// and no workgroup is declared (its subnets cannot change without replacing it).
import { warehouseZoneProblems } from '../../infra/warehouse';
import { ofType, runUnderMocks, stackConfigUnderTest } from '../../tools/mockGraph';

test('the zone check reads IDs, not names: the same names pass in one account and fail in another', () => {
  const names = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'];
  expect(warehouseZoneProblems('us-east-1', names, ['use1-az4', 'use1-az6', 'use1-az1', 'use1-az3'])).toEqual([]);
  expect(warehouseZoneProblems('us-east-1', names, ['use1-az1', 'use1-az2', 'use1-az3', 'use1-az4'])).toEqual([
    expect.stringContaining('zone us-east-1c is use1-az3 in this account'),
  ]);
  expect(warehouseZoneProblems('us-east-1', names.slice(0, 2), ['use1-az1', 'use1-az2'])).toEqual([
    'us-east-1 has 2 zones; Redshift Serverless needs 3',
  ]);
});

test('a stack whose first three zones include an unsupported ID fails, naming the zone, and declares no workgroup', async () => {
  const run = await runUnderMocks({
    stack: 'dev',
    config: stackConfigUnderTest('dev'),
    zoneIds: ['use1-az1', 'use1-az2', 'use1-az3', 'use1-az4', 'use1-az5', 'use1-az6'],
  });
  expect(run.errors.join('\n')).toMatch(/zone us-east-1c is use1-az3 in this account/);
  expect(ofType(run, 'aws:redshiftserverless/workgroup:Workgroup')).toEqual([]);
}, 300_000);

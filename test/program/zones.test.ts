// Redshift Serverless needs subnets in supported zone IDs, and a zone name maps to a different ID
// per account: the warehouse reads the IDs (aws.getAvailabilityZones, through the mocks' account
// mapping) and refuses a stack whose first three zones include an unsupported one, naming it. The
// workgroup's subnets wait for this check (infra/warehouse.ts, checkedSubnetIds), so a refused
// check fails the preview before the workgroup is declared.
import * as pulumi from '@pulumi/pulumi';
import { checkWarehouseZones, warehouseZoneProblems } from '../../infra/warehouse';
import { runUnderMocks, stackConfigUnderTest } from '../../tools/mockGraph';

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

test("an account whose us-east-1c is use1-az3 is refused, naming the zone, through the program's zone lookup", async () => {
  const outcome = (check: Promise<string[]>) =>
    pulumi.output(check.then((zones) => `ok: ${zones.join(',')}`).catch((e: Error) => `refused: ${e.message}`));
  const run = await runUnderMocks({
    stack: 'dev',
    config: stackConfigUnderTest('dev'),
    zoneIds: ['use1-az1', 'use1-az2', 'use1-az3', 'use1-az4'],
    program: () => ({ zones: outcome(checkWarehouseZones('us-east-1')) }),
  });
  expect(run.outputs.zones).toMatch(/^refused: Warehouse subnets: zone us-east-1c is use1-az3 in this account/);
});

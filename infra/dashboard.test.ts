// The QuickSight dashboard is off in both stack files; this runs the dev stack with it on.
import { allPlainViews } from '../warehouse/schema';
import { runPolicies } from '../policy/runLocal';
import { MOCK_ACCOUNT, named, ofType, runUnderMocks, stackYamlConfig, type MockRun } from './mockGraph';
import { policyOf } from './programSuite';

const PRINCIPAL = `arn:aws:quicksight:us-east-1:${MOCK_ACCOUNT}:group/default/analysts`;

describe('QuickSight dashboard (dashboardEnabled: true)', () => {
  let run: MockRun;
  beforeAll(async () => {
    const config = { ...stackYamlConfig('dev'), 'bfstream:dashboardEnabled': 'true', 'bfstream:quicksightPrincipalArn': PRINCIPAL };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    run = await runUnderMocks({ stack: 'dev', config, program: () => require('../index') });
  }, 120_000);

  test('a Redshift data source reached through a VPC connection in the warehouse subnets', () => {
    expect(run.errors).toEqual([]);
    const wg = named(run, 'aws:redshiftserverless/workgroup:Workgroup', 'warehouse-workgroup');
    const vpc = named(run, 'awsx:ec2:Vpc', 'warehouse-vpc');
    const connection = named(run, 'aws:quicksight/vpcConnection:VpcConnection', 'dashboard-vpc-connection');
    expect(connection.inputs.subnetIds).toEqual(vpc.state.isolatedSubnetIds);
    expect(connection.inputs.roleArn).toBe(named(run, 'aws:iam/role:Role', 'dashboard-vpc-role').state.arn);
    const source = named(run, 'aws:quicksight/dataSource:DataSource', 'dashboard-source');
    expect(source.inputs).toMatchObject({
      type: 'REDSHIFT',
      parameters: { redshift: { host: wg.state.endpoints[0].address, port: 5439, database: 'sales' } },
      credentials: { secretArn: named(run, 'aws:redshiftserverless/namespace:Namespace', 'warehouse-namespace').state.adminPasswordSecretArn },
      vpcConnectionProperties: { vpcConnectionArn: connection.state.arn },
      permissions: [expect.objectContaining({ principal: PRINCIPAL })],
    });
    expect((run.outputs as any).dashboardUrls.quicksight).toMatch(/quicksight\.aws\.amazon\.com/);
  });

  test('the VPC connection role manages interfaces only in its subnets, with its security group', () => {
    const vpc = named(run, 'awsx:ec2:Vpc', 'warehouse-vpc');
    const sg = named(run, 'aws:ec2/securityGroup:SecurityGroup', 'dashboard-sg');
    const statements = policyOf(named(run, 'aws:iam/rolePolicy:RolePolicy', 'dashboard-vpc-policy')).Statement;
    const ec2 = `arn:aws:ec2:us-east-1:${MOCK_ACCOUNT}:`;
    expect(statements).toEqual([
      {
        Sid: 'ManageNetworkInterfaces',
        Effect: 'Allow',
        Action: ['ec2:CreateNetworkInterface', 'ec2:ModifyNetworkInterfaceAttribute', 'ec2:DeleteNetworkInterface'],
        Resource: [`${ec2}network-interface/*`, sg.state.arn, ...vpc.state.isolatedSubnetIds.map((id: string) => `${ec2}subnet/${id}`)],
      },
      { Sid: 'DescribeNetwork', Effect: 'Allow', Action: ['ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'], Resource: ['*'] },
    ]);
  });

  test('one direct-query data set per warehouse view, granted to the principal', () => {
    const sets = ofType(run, 'aws:quicksight/dataSet:DataSet');
    expect(sets.map((s) => s.inputs.physicalTableMaps[0].customSql.name).sort()).toEqual(allPlainViews.map((v) => v.name).sort());
    const sourceArn = named(run, 'aws:quicksight/dataSource:DataSource', 'dashboard-source').state.arn;
    for (const s of sets) {
      expect(s.inputs.importMode).toBe('DIRECT_QUERY');
      expect(s.inputs.physicalTableMaps[0].customSql.dataSourceArn).toBe(sourceArn);
      expect(s.inputs.permissions[0].principal).toBe(PRINCIPAL);
    }
  });

  test('the policy pack still finds zero violations', () => {
    expect(runPolicies(run.resources)).toEqual([]);
  });
});

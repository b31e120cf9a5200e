// The QuickSight dashboard under mocks with dashboardEnabled on, for one stack file
// (dashboard.dev.test.ts, dashboard.prod.test.ts: one program run per jest file).
import { SHEETS } from '../../warehouse/panels';
import { renderDashboardHtml } from '../../local/dashboard';
import { dashboardQueries, viewColumns } from '../../warehouse/queries';
import { runPolicies } from '../../policy/runLocal';
import {
  ANALYSIS_AUTHOR_ACTIONS,
  DASHBOARD_AUTHOR_ACTIONS,
  DASHBOARD_VIEWER_ACTIONS,
  panelIdOfVisual,
  panelQueries,
} from '../../infra/dashboard';
import { definitionProblems, INPUT_COLUMN_TYPES, type Json } from '../../infra/dashboardRules';
import {
  MOCK_ACCOUNT,
  QUICKSIGHT_GROUPS_UNDER_TEST,
  dashboardConfigUnderTest,
  named,
  ofType,
  runUnderMocks,
  type MockRun,
} from '../../tools/mockGraph';
import { policyOf } from './stackRun';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure, evaluateMatrices, matrixSection, renderMatrices } from '../../tools/accessMatrix';
import { dashboardAccessTables, dashboardAccessTitles } from '../../tools/accessTables';

const SECRET = 'aws:secretsmanager/secret:Secret';
const { analysts: ANALYSTS, engineers: ENGINEERS, viewers: VIEWERS } = QUICKSIGHT_GROUPS_UNDER_TEST;

export function quicksightSuite(stack: 'dev' | 'prod'): void {
  describe(`QuickSight dashboard of the ${stack} stack (dashboardEnabled: true)`, () => {
    let run: MockRun;
    beforeAll(async () => {
      run = await runUnderMocks({ stack, config: dashboardConfigUnderTest(stack) });
    }, 180_000);

    const dataSetColumns = () =>
      Object.fromEntries(
        ofType(run, 'aws:quicksight/dataSet:DataSet').map((s) => [
          s.state.arn,
          s.inputs.physicalTableMaps[0].customSql.columns as { name: string; type: string }[],
        ]),
      );

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
        credentials: { secretArn: named(run, SECRET, 'warehouse-dashboard-secret').state.arn },
        vpcConnectionProperties: { vpcConnectionArn: connection.state.arn },
      });
      expect(source.inputs.permissions.map((p: Json) => p.principal)).toEqual([ANALYSTS, ENGINEERS]);
    });

    test("the data source signs in as the dashboard's own database user, never with the admin secret (the superuser)", () => {
      const source = named(run, 'aws:quicksight/dataSource:DataSource', 'dashboard-source');
      const adminSecret = named(run, 'aws:redshiftserverless/namespace:Namespace', 'warehouse-namespace').state
        .adminPasswordSecretArn;
      expect(source.inputs.credentials.secretArn).not.toBe(adminSecret);
      expect(JSON.stringify(source.inputs)).not.toContain(adminSecret);
    });

    test('the dashboard secret: its own key, no value in the stack, its ARN in the migrator as DASHBOARD_SECRET_ARN', () => {
      const secret = named(run, SECRET, 'warehouse-dashboard-secret');
      const key = named(run, 'aws:kms/key:Key', 'warehouse-dashboard-secret-key');
      expect(secret.inputs.kmsKeyId).toBe(key.state.arn);
      expect(secret.inputs.namePrefix).toBe(`bfstream-${stack}-dashboard-`);
      // The migrator writes the value: Pulumi declares no version, so no password is in state.
      expect(ofType(run, 'aws:secretsmanager/secretVersion:SecretVersion')).toEqual([]);
      const migrator = named(run, 'aws:lambda/function:Function', 'warehouse-migrator');
      expect(migrator.inputs.environment.variables.DASHBOARD_SECRET_ARN).toBe(secret.state.arn);
    });

    test('the data source, every data set, the dashboard and the analysis wait for the migration (views, dashboard user)', () => {
      const migration = named(run, 'aws:lambda/invocation:Invocation', 'warehouse-migrate').urn;
      const waiting = [
        named(run, 'aws:quicksight/dataSource:DataSource', 'dashboard-source'),
        ...ofType(run, 'aws:quicksight/dataSet:DataSet'),
        named(run, 'aws-native:quicksight:Dashboard', 'dashboard-dashboard'),
        named(run, 'aws-native:quicksight:Analysis', 'dashboard-analysis'),
      ];
      expect(waiting.length).toBeGreaterThan(3);
      for (const r of waiting)
        expect({ [r.name]: r.dependencies }).toEqual({ [r.name]: expect.arrayContaining([migration]) });
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
          Resource: [
            `${ec2}network-interface/*`,
            sg.state.arn,
            ...vpc.state.isolatedSubnetIds.map((id: string) => `${ec2}subnet/${id}`),
          ],
        },
        {
          Sid: 'DescribeNetwork',
          Effect: 'Allow',
          Action: ['ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
          Resource: ['*'],
        },
      ]);
    });

    test('one direct-query data set per panel query, its SQL and typed columns from the warehouse schema', () => {
      const sets = ofType(run, 'aws:quicksight/dataSet:DataSet');
      const sourceArn = named(run, 'aws:quicksight/dataSource:DataSource', 'dashboard-source').state.arn;
      expect(sets.map((s) => s.inputs.physicalTableMaps[0].customSql.name).sort()).toEqual(panelQueries().sort());
      for (const s of sets) {
        const query = dashboardQueries[s.inputs.physicalTableMaps[0].customSql.name as keyof typeof dashboardQueries];
        expect(s.inputs.importMode).toBe('DIRECT_QUERY');
        expect(s.inputs.physicalTableMaps[0].customSql).toEqual({
          dataSourceArn: sourceArn,
          name: s.inputs.physicalTableMaps[0].customSql.name,
          sqlQuery: query.dataSetSql,
          columns: Object.entries(viewColumns[query.view]).map(([name, type]) => ({ name, type })),
        });
        for (const c of s.inputs.physicalTableMaps[0].customSql.columns) expect(INPUT_COLUMN_TYPES).toContain(c.type);
        expect(s.inputs.permissions.map((p: Json) => p.principal)).toEqual([ANALYSTS, ENGINEERS]);
      }
    });

    test('the dashboard and the analysis pass the API rules: declared data sets, existing typed columns, unique field ids, valid ids, visuals per sheet', () => {
      const dashboard = named(run, 'aws-native:quicksight:Dashboard', 'dashboard-dashboard');
      const analysis = named(run, 'aws-native:quicksight:Analysis', 'dashboard-analysis');
      const columns = dataSetColumns();
      expect(dashboard.inputs.definition.dataSetIdentifierDeclarations.map((d: Json) => d.dataSetArn).sort()).toEqual(
        Object.keys(columns).sort(),
      );
      expect(definitionProblems(dashboard.inputs.definition, columns)).toEqual([]);
      expect(analysis.inputs.definition).toEqual(dashboard.inputs.definition);
      expect(dashboard.inputs.definition.sheets.map((s: Json) => s.sheetId)).toEqual(SHEETS.map((s) => s.id));
      expect(dashboard.inputs.awsAccountId).toBe(MOCK_ACCOUNT);
    });

    test('engineers and analysts author the dashboard and the analysis; the viewer only reads', () => {
      const dashboard = named(run, 'aws-native:quicksight:Dashboard', 'dashboard-dashboard');
      expect(dashboard.inputs.permissions).toEqual([
        { principal: ANALYSTS, actions: DASHBOARD_AUTHOR_ACTIONS },
        { principal: ENGINEERS, actions: DASHBOARD_AUTHOR_ACTIONS },
        {
          principal: VIEWERS,
          actions: ['quicksight:DescribeDashboard', 'quicksight:ListDashboardVersions', 'quicksight:QueryDashboard'],
        },
      ]);
      expect(DASHBOARD_VIEWER_ACTIONS.every((a) => /^quicksight:(Describe|List|Query)/.test(a))).toBe(true);
      expect(named(run, 'aws-native:quicksight:Analysis', 'dashboard-analysis').inputs.permissions).toEqual([
        { principal: ANALYSTS, actions: ANALYSIS_AUTHOR_ACTIONS },
        { principal: ENGINEERS, actions: ANALYSIS_AUTHOR_ACTIONS },
      ]);
      // The viewer gets nothing on the data source or the data sets.
      for (const r of [
        ...ofType(run, 'aws:quicksight/dataSet:DataSet'),
        named(run, 'aws:quicksight/dataSource:DataSource', 'dashboard-source'),
      ]) {
        expect(r.inputs.permissions.map((p: Json) => p.principal)).not.toContain(VIEWERS);
      }
    });

    test('exports the dashboard URL itself, not a generic console page', () => {
      expect((run.outputs as Json).dashboardUrls.quicksight).toBe(
        `https://us-east-1.quicksight.aws.amazon.com/sn/dashboards/bfstream-${stack}-sales`,
      );
    });

    test('the dashboard has the same panels as the twin page, sheet by sheet', () => {
      const definition = named(run, 'aws-native:quicksight:Dashboard', 'dashboard-dashboard').inputs.definition;
      const html = renderDashboardHtml(null, {
        status: { title: 't', line: '', live: false },
        echarts: { src: '/e.js' },
      });
      for (const sheet of SHEETS) {
        const quicksight = [
          ...new Set(
            definition.sheets
              .find((s: Json) => s.sheetId === sheet.id)
              .visuals.map((v: Json) => panelIdOfVisual((Object.values(v)[0] as Json).visualId)),
          ),
        ];
        const section = html.slice(
          html.indexOf(`data-sheet="${sheet.id}"`),
          html.indexOf('</section>', html.indexOf(`data-sheet="${sheet.id}"`)),
        );
        const twin = [...section.matchAll(/data-panel="([^"]+)"/g)].map((m) => m[1]);
        expect({ sheet: sheet.id, panels: quicksight }).toEqual({ sheet: sheet.id, panels: twin });
      }
    });

    test("the IAM evaluator: the migrator reads, writes and describes the dashboard secret only; QuickSight's secrets role reads it only", async () => {
      const results = await evaluateMatrices(run, dashboardAccessTables);
      expect(results.filter((r) => !r.ok).map(describeFailure)).toEqual([]);
      const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'INFRA.md'), 'utf8');
      expect(matrixSection(doc, 'dashboard-access-matrix')).toBe(renderMatrices(results, dashboardAccessTitles).trim());
    });

    test('the policy pack still finds zero violations', () => {
      expect(runPolicies(run.resources)).toEqual([]);
    });
  });
}

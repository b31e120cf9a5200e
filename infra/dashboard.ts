// QuickSight over the warehouse views: a Redshift data source reached through a
// QuickSight VPC connection (the workgroup is private), one direct-query data set per
// dashboard query, and the analysts' dashboard and analysis rendered from the same panel
// definitions as the twin's page (warehouse/panels.ts), one sheet per theme.
// Behind the dashboardEnabled flag: QuickSight needs an account subscription.
//
// The dashboard and analysis are @pulumi/aws-native resources: @pulumi/aws 7 leaves out
// QuickSight's `definition` input ("excessively large type hierarchies", pulumi-aws #4455),
// so aws.quicksight.Dashboard can only copy a template made by hand. CloudFormation's
// AWS::QuickSight::Dashboard takes the full definition.
import * as aws from '@pulumi/aws';
import type * as awsnative from '@pulumi/aws-native';
import * as pulumi from '@pulumi/pulumi';
import { PANELS, SHEETS, columnType, type Panel, type PanelField, type ValueFormat } from '../warehouse/panels';
import { dashboardQueries, viewColumns, type DashboardQueryName } from '../warehouse/queries';
import { arnIn, type AwsContext } from './awsContext';
import { REDSHIFT_PORT } from './warehouse';
import { serviceRole, type PolicyStatement } from './iam';

type Definition = awsnative.types.input.quicksight.DashboardVersionDefinitionArgs;
type Visual = awsnative.types.input.quicksight.DashboardVisualArgs;
type Dimension = awsnative.types.input.quicksight.DashboardDimensionFieldArgs;
type Measure = awsnative.types.input.quicksight.DashboardMeasureFieldArgs;
type NumericFormat = awsnative.types.input.quicksight.DashboardNumericFormatConfigurationArgs;
type FieldSort = awsnative.types.input.quicksight.DashboardFieldSortOptionsArgs;

/** The data-set identifier of a query in the definition: its name (letters only). */
const dataSetIdentifier = (query: DashboardQueryName): string => query;
/** A field id: unique across the definition, because sorts and layouts refer to fields and visuals by id. */
const fieldId = (panel: Panel, field: PanelField): string => `${panel.id}-${field.column}`;
/** A KPI panel becomes one KPI visual per measure. */
const kpiVisualId = (panel: Panel, field: PanelField): string => `${panel.id}--${field.column}`;

/** The queries the panels read, in first-use order: one data set each. */
export function panelQueries(panels: readonly Panel[] = PANELS): DashboardQueryName[] {
  return [...new Set(panels.map((p) => p.query))];
}

/** A time field's QuickSight granularity: the bucket its view truncates to. */
export const GRANULARITY = { minute: 'MINUTE', hour: 'HOUR', day: 'DAY', week: 'WEEK' } as const;
/**
 * A time field's QuickSight date pattern, printing what the twin's page prints. Tokens as in
 * https://docs.aws.amazon.com/quick/latest/userguide/format-visual-date-controls.html
 */
export const DATE_PATTERN = { minute: 'HH:mm', hour: 'MM-DD HH:mm', day: 'YYYY-MM-DD', week: 'YYYY-MM-DD' } as const;
type TimeFormat = keyof typeof GRANULARITY;
const isTime = (format: ValueFormat): format is TimeFormat => format in GRANULARITY;

const grouped = (visible: boolean) => ({
  decimalSeparator: 'DOT' as const,
  thousandsSeparator: { symbol: 'COMMA' as const, visibility: visible ? ('VISIBLE' as const) : ('HIDDEN' as const) },
});
const places = (decimalPlaces: number) => ({ decimalPlacesConfiguration: { decimalPlaces } });

/** How QuickSight prints a number of each format: what the twin's page prints (money in whole dollars, rates to 0.1 %). */
export function numericFormat(format: ValueFormat): NumericFormat | undefined {
  switch (format) {
    case 'money':
      return {
        currencyDisplayFormatConfiguration: {
          symbol: 'USD',
          numberScale: 'NONE',
          ...places(0),
          separatorConfiguration: grouped(true),
        },
      };
    case 'count':
      return {
        numberDisplayFormatConfiguration: { numberScale: 'NONE', ...places(0), separatorConfiguration: grouped(true) },
      };
    case 'rate':
      return { percentageDisplayFormatConfiguration: { ...places(1), separatorConfiguration: grouped(true) } };
    case 'index':
      return { numberDisplayFormatConfiguration: { suffix: 'x', ...places(2), separatorConfiguration: grouped(true) } };
    case 'rank':
      return {
        numberDisplayFormatConfiguration: { prefix: '#', ...places(0), separatorConfiguration: grouped(false) },
      };
    default:
      return undefined;
  }
}

/** A table cell's format: a date pattern, a number format, or none for text. */
function cellFormat(field: PanelField) {
  if (isTime(field.format)) return { dateTimeFormatConfiguration: { dateTimeFormat: DATE_PATTERN[field.format] } };
  const numeric = numericFormat(field.format);
  return numeric ? { numberFormatConfiguration: { formatConfiguration: numeric } } : undefined;
}

function dimension(panel: Panel, field: PanelField): Dimension {
  const column = { dataSetIdentifier: dataSetIdentifier(panel.query), columnName: field.column };
  const id = fieldId(panel, field);
  const type = columnType(panel, field);
  if (type === 'DATETIME') {
    if (!isTime(field.format)) throw new Error(`${id}: a time column needs a time format, not ${field.format}`);
    return {
      dateDimensionField: {
        fieldId: id,
        column,
        dateGranularity: GRANULARITY[field.format],
        formatConfiguration: { dateTimeFormat: DATE_PATTERN[field.format] },
      },
    };
  }
  if (type === 'STRING') return { categoricalDimensionField: { fieldId: id, column } };
  const numeric = numericFormat(field.format);
  return {
    numericalDimensionField: {
      fieldId: id,
      column,
      ...(numeric ? { formatConfiguration: { formatConfiguration: numeric } } : {}),
    },
  };
}

/** The panel's stated order as a QuickSight field sort. */
function fieldSort(panel: Panel): FieldSort[] {
  if (!panel.sort) return [];
  const { column, direction } = panel.sort;
  const field = [...panel.dimensions, ...panel.measures].find((x) => x.column === column)!;
  return [{ fieldSort: { fieldId: fieldId(panel, field), direction: direction === 'asc' ? 'ASC' : 'DESC' } }];
}

function measure(panel: Panel, field: PanelField): Measure {
  // Each data-set row is already one bucket, so SUM is the row's value; ratios average instead.
  const aggregation = field.format === 'rate' || field.format === 'index' ? 'AVERAGE' : 'SUM';
  return {
    numericalMeasureField: {
      fieldId: fieldId(panel, field),
      column: { dataSetIdentifier: dataSetIdentifier(panel.query), columnName: field.column },
      aggregationFunction: { simpleNumericalAggregation: aggregation },
      ...(numericFormat(field.format)
        ? { formatConfiguration: { formatConfiguration: numericFormat(field.format) } }
        : {}),
    },
  };
}

const text = (plainText: string) => ({ visibility: 'VISIBLE' as const, formatText: { plainText } });

/** The parts every visual of a panel shares. */
interface VisualParts {
  title: ReturnType<typeof text>;
  subtitle: ReturnType<typeof text>;
  dims: Dimension[];
  values: Measure[];
}

/** One KPI visual per figure. */
function kpiVisuals(panel: Panel, { subtitle }: VisualParts): Visual[] {
  return panel.measures.map((m) => ({
    kpiVisual: {
      visualId: kpiVisualId(panel, m),
      title: text(m.label),
      subtitle,
      chartConfiguration: { fieldWells: { values: [measure(panel, m)] } },
    },
  }));
}

function lineVisual(panel: Panel, { title, subtitle, dims, values }: VisualParts): Visual {
  return {
    lineChartVisual: {
      visualId: panel.id,
      title,
      subtitle,
      chartConfiguration: {
        type: 'LINE',
        fieldWells: { lineChartAggregatedFieldWells: { category: dims.slice(0, 1), values } },
        sortConfiguration: { categorySort: fieldSort(panel) },
      },
    },
  };
}

function donutVisual(panel: Panel, { title, subtitle, dims, values }: VisualParts): Visual {
  return {
    pieChartVisual: {
      visualId: panel.id,
      title,
      subtitle,
      chartConfiguration: {
        donutOptions: { arcOptions: { arcThickness: 'MEDIUM' } },
        fieldWells: { pieChartAggregatedFieldWells: { category: dims.slice(0, 1), values: values.slice(0, 1) } },
        sortConfiguration: { categorySort: fieldSort(panel) },
      },
    },
  };
}

/** Every column unaggregated, formatted as the twin prints it, in the panel's order. */
function tableVisual(panel: Panel, { title, subtitle }: VisualParts): Visual {
  const fields = [...panel.dimensions, ...panel.measures];
  return {
    tableVisual: {
      visualId: panel.id,
      title,
      subtitle,
      chartConfiguration: {
        fieldWells: {
          tableUnaggregatedFieldWells: {
            values: fields.map((f) => ({
              fieldId: fieldId(panel, f),
              column: { dataSetIdentifier: dataSetIdentifier(panel.query), columnName: f.column },
              ...(cellFormat(f) ? { formatConfiguration: cellFormat(f) } : {}),
            })),
          },
        },
        sortConfiguration: { rowSort: fieldSort(panel) },
      },
    },
  };
}

/** Bars (a trend, a ranking or a distribution) in the panel's order. */
function barVisual(panel: Panel, { title, subtitle, dims, values }: VisualParts): Visual {
  return {
    barChartVisual: {
      visualId: panel.id,
      title,
      subtitle,
      chartConfiguration: {
        orientation: panel.kind === 'ranking' ? 'HORIZONTAL' : 'VERTICAL',
        fieldWells: {
          barChartAggregatedFieldWells: {
            category: dims.slice(0, 1),
            values: panel.kind === 'bar' ? values : values.slice(0, 1),
          },
        },
        sortConfiguration: {
          categorySort: fieldSort(panel),
          categoryItemsLimit: { otherCategories: 'EXCLUDE' },
        },
        dataLabels: { visibility: panel.kind === 'ranking' ? 'VISIBLE' : 'HIDDEN' },
      },
    },
  };
}

/** The visuals of one panel: one per panel, except KPIs (one per figure). */
function panelVisuals(panel: Panel): Visual[] {
  const parts: VisualParts = {
    title: text(panel.title),
    subtitle: text(panel.subtitle),
    dims: panel.dimensions.map((d) => dimension(panel, d)),
    values: panel.measures.map((m) => measure(panel, m)),
  };
  switch (panel.kind) {
    case 'kpi':
      return kpiVisuals(panel, parts);
    case 'line':
      return [lineVisual(panel, parts)];
    case 'donut':
      return [donutVisual(panel, parts)];
    case 'table':
      return [tableVisual(panel, parts)];
    case 'bar':
    case 'ranking':
    case 'distribution':
      return [barVisual(panel, parts)];
  }
}

/** The visual ids of a QuickSight visual's panel: the panel id, or `<panel>--<measure>` for KPIs. */
export const panelIdOfVisual = (visualId: string): string => visualId.split('--')[0];

/** The whole definition: the data sets by identifier, then one sheet per theme with its panels' visuals laid out on the grid. */
export function quicksightDefinition(
  dataSetArns: Readonly<Record<string, pulumi.Input<string>>>,
  panels: readonly Panel[] = PANELS,
): Definition {
  return {
    dataSetIdentifierDeclarations: panelQueries(panels).map((q) => ({
      identifier: dataSetIdentifier(q),
      dataSetArn: dataSetArns[q],
    })),
    sheets: SHEETS.filter((s) => panels.some((p) => p.sheet === s.id)).map((sheet) => {
      const sheetPanels = panels.filter((p) => p.sheet === sheet.id);
      const visuals = sheetPanels.flatMap(panelVisuals);
      // Grid layout: 36 columns; wide panels take the row, KPI figures share one.
      const span = (p: Panel) =>
        p.kind === 'kpi' ? Math.max(6, Math.floor(36 / p.measures.length)) : p.wide ? 36 : 18;
      const elements = sheetPanels.flatMap((p) =>
        panelVisuals(p).map((v) => ({
          elementId: (Object.values(v)[0] as { visualId: string }).visualId,
          elementType: 'VISUAL' as const,
          columnSpan: span(p),
          rowSpan: p.kind === 'kpi' ? 5 : p.kind === 'table' ? 12 : 10,
        })),
      );
      return {
        sheetId: sheet.id,
        name: sheet.title,
        title: sheet.title,
        description: sheet.description,
        visuals,
        layouts: [{ configuration: { gridLayout: { elements } } }],
      };
    }),
  };
}

export interface QuickSightDashboardArgs {
  /** Prefix of the QuickSight ids (data source, data sets, VPC connection, dashboard, analysis). */
  idPrefix: string;
  /** The stack's account, Region and partition: the dashboard's account, the native provider's Region, the ENI grants. */
  aws: AwsContext;
  /** QuickSight users or groups who author: the engineers and the analysts (the config requires the analysts'). */
  authorArns: string[];
  /** QuickSight users or groups who only read the dashboard. */
  viewerArns: string[];
  /** The warehouse VPC the connection's network interfaces live in. */
  vpcId: pulumi.Input<string>;
  /** The warehouse VPC's CIDR: the only place the connection may send SQL to. */
  vpcCidr: string;
  /** Subnets of the connection's network interfaces (the warehouse's isolated subnets). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The workgroup's security group, whose return traffic the connection lets in. */
  warehouseSecurityGroupId: pulumi.Input<string>;
  /** Where the data source connects: the workgroup's address and port. */
  workgroupEndpoint: pulumi.Input<{ address: string; port: number }>;
  /** The database the data sets query. */
  database: string;
  /** Secrets Manager secret holding the database credentials QuickSight signs in with (the dashboard's own user). */
  credentialsSecretArn: pulumi.Input<string>;
  /** What must exist first: the migration that creates the views and the dashboard's database user. */
  after?: pulumi.Resource[];
  /**
   * Tags of the aws-native dashboard and analysis: the stack's `aws:defaultTags` reach the aws
   * provider's resources only, so the program passes them to the native provider too.
   */
  defaultTags?: Record<string, string>;
}

const DATA_SET_ACTIONS = [
  'quicksight:DescribeDataSet',
  'quicksight:DescribeDataSetPermissions',
  'quicksight:PassDataSet',
  'quicksight:DescribeIngestion',
  'quicksight:ListIngestions',
];
const DATA_SOURCE_ACTIONS = [
  'quicksight:DescribeDataSource',
  'quicksight:DescribeDataSourcePermissions',
  'quicksight:PassDataSource',
];
/** Read-only: the three actions QuickSight's developer guide grants a dashboard reader (UpdateDashboardPermissions). */
export const DASHBOARD_VIEWER_ACTIONS = [
  'quicksight:DescribeDashboard',
  'quicksight:ListDashboardVersions',
  'quicksight:QueryDashboard',
];
export const DASHBOARD_AUTHOR_ACTIONS = [
  ...DASHBOARD_VIEWER_ACTIONS,
  'quicksight:UpdateDashboard',
  'quicksight:DeleteDashboard',
  'quicksight:UpdateDashboardPublishedVersion',
  'quicksight:DescribeDashboardPermissions',
  'quicksight:UpdateDashboardPermissions',
];
export const ANALYSIS_AUTHOR_ACTIONS = [
  'quicksight:DescribeAnalysis',
  'quicksight:QueryAnalysis',
  'quicksight:UpdateAnalysis',
  'quicksight:DeleteAnalysis',
  'quicksight:RestoreAnalysis',
  'quicksight:DescribeAnalysisPermissions',
  'quicksight:UpdateAnalysisPermissions',
];
export class QuickSightDashboard extends pulumi.ComponentResource {
  readonly dataSource: aws.quicksight.DataSource;
  readonly dataSets: aws.quicksight.DataSet[];
  readonly dashboard: awsnative.quicksight.Dashboard;
  readonly analysis: awsnative.quicksight.Analysis;
  /** The dashboard itself in the QuickSight console. */
  readonly dashboardUrl: pulumi.Output<string>;

  constructor(name: string, args: QuickSightDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bfstream:infra:QuickSightDashboard', name, {}, opts);
    // The principals' ARNs are the config schema's; the id prefix comes from the project and stack.
    if (!/^[\w-]{1,40}$/.test(args.idPrefix))
      throw new Error(`QuickSightDashboard ${name}: idPrefix must be 1-40 letters, digits, - or _`);

    const vpcConnection = this.declareVpcConnection(name, args);
    this.dataSource = this.declareDataSource(name, args, vpcConnection);
    // One data set per query the panels read: the query's own SQL, with its columns declared
    // from the warehouse schema (the API refuses custom SQL without them: terraform-provider-aws #33273, #35052).
    const queries = panelQueries();
    this.dataSets = queries.map((queryName) => this.declareDataSet(name, args, queryName));
    const definition = quicksightDefinition(Object.fromEntries(queries.map((q, i) => [q, this.dataSets[i].arn])));
    const { dashboard, analysis } = this.declareDashboardAndAnalysis(name, args, definition);
    this.dashboard = dashboard;
    this.analysis = analysis;
    this.dashboardUrl = pulumi.interpolate`https://${args.aws.region}.quicksight.aws.amazon.com/sn/dashboards/${this.dashboard.dashboardId}`;
    this.registerOutputs({
      dataSourceArn: this.dataSource.arn,
      dataSetIds: this.dataSets.map((d) => d.dataSetId),
      dashboardUrl: this.dashboardUrl,
    });
  }

  /** The VPC connection: its own security group (SQL to the workgroup only) and a role for its network interfaces. */
  private declareVpcConnection(name: string, args: QuickSightDashboardArgs): aws.quicksight.VpcConnection {
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        description: 'QuickSight VPC connection: SQL to the Redshift workgroup only',
        vpcId: args.vpcId,
        egress: [
          {
            description: 'Redshift SQL',
            protocol: 'tcp',
            fromPort: REDSHIFT_PORT,
            toPort: REDSHIFT_PORT,
            cidrBlocks: [args.vpcCidr],
          },
        ],
        // QuickSight's network interfaces need return traffic from the warehouse.
        ingress: [
          {
            description: 'Return traffic from the workgroup',
            protocol: 'tcp',
            fromPort: 0,
            toPort: 65535,
            securityGroups: [args.warehouseSecurityGroupId],
          },
        ],
      },
      { parent: this },
    );
    const { role, policy } = serviceRole(
      `${name}-vpc`,
      {
        services: ['quicksight.amazonaws.com'],
        description: 'QuickSight VPC connection: manage its network interfaces',
        statements: networkInterfaceStatements(args, sg.arn),
      },
      { parent: this },
    );
    return new aws.quicksight.VpcConnection(
      `${name}-vpc-connection`,
      {
        vpcConnectionId: `${args.idPrefix}-warehouse`,
        name: `${args.idPrefix} warehouse`,
        roleArn: role.arn,
        securityGroupIds: [sg.id],
        subnetIds: args.subnetIds,
      },
      { parent: this, dependsOn: [policy] },
    );
  }

  private declareDataSource(
    name: string,
    args: QuickSightDashboardArgs,
    vpcConnection: aws.quicksight.VpcConnection,
  ): aws.quicksight.DataSource {
    const endpoint = pulumi.output(args.workgroupEndpoint);
    return new aws.quicksight.DataSource(
      `${name}-source`,
      {
        dataSourceId: `${args.idPrefix}-warehouse`,
        name: `${args.idPrefix} warehouse`,
        type: 'REDSHIFT',
        parameters: { redshift: { host: endpoint.address, port: endpoint.port, database: args.database } },
        credentials: { secretArn: args.credentialsSecretArn },
        vpcConnectionProperties: { vpcConnectionArn: vpcConnection.arn },
        sslProperties: { disableSsl: false },
        permissions: grant(args.authorArns, DATA_SOURCE_ACTIONS),
      },
      { parent: this, dependsOn: args.after },
    );
  }

  private declareDataSet(
    name: string,
    args: QuickSightDashboardArgs,
    queryName: DashboardQueryName,
  ): aws.quicksight.DataSet {
    const query = dashboardQueries[queryName];
    const id = queryName.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
    return new aws.quicksight.DataSet(
      `${name}-${id}`,
      {
        dataSetId: `${args.idPrefix}-${id}`,
        name: `${args.idPrefix} ${query.title}`,
        importMode: 'DIRECT_QUERY',
        physicalTableMaps: [
          {
            physicalTableMapId: queryName,
            customSql: {
              dataSourceArn: this.dataSource.arn,
              name: queryName,
              sqlQuery: query.dataSetSql,
              columns: Object.entries(viewColumns[query.view]).map(([column, type]) => ({ name: column, type })),
            },
          },
        ],
        permissions: grant(args.authorArns, DATA_SET_ACTIONS),
      },
      { parent: this, dependsOn: args.after },
    );
  }

  /** The dashboard readers see and the analysis authors edit and republish: one definition, on aws-native. */
  private declareDashboardAndAnalysis(
    name: string,
    args: QuickSightDashboardArgs,
    definition: Definition,
  ): { dashboard: awsnative.quicksight.Dashboard; analysis: awsnative.quicksight.Analysis } {
    // Loaded here, not at import: a stack without the dashboard never pays for it (~0.2 s CPU).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy require is what keeps it off the import path
    const { Provider, quicksight } = require('@pulumi/aws-native') as typeof import('@pulumi/aws-native');
    // Its own provider, so the stack needs no aws-native config of its own.
    const native = new Provider(
      `${name}-native`,
      {
        region: args.aws.region as awsnative.Region,
        ...(args.defaultTags ? { defaultTags: { tags: args.defaultTags } } : {}),
      },
      { parent: this },
    );
    const dashboard = new quicksight.Dashboard(
      `${name}-dashboard`,
      {
        awsAccountId: args.aws.accountId,
        dashboardId: `${args.idPrefix}-sales`,
        name: `${args.idPrefix} Black Friday sales`,
        definition,
        permissions: [
          ...grant(args.authorArns, DASHBOARD_AUTHOR_ACTIONS),
          ...grant(args.viewerArns, DASHBOARD_VIEWER_ACTIONS),
        ],
        dashboardPublishOptions: {
          adHocFilteringOption: { availabilityStatus: 'ENABLED' },
          exportToCsvOption: { availabilityStatus: 'ENABLED' },
          sheetControlsOption: { visibilityState: 'EXPANDED' },
        },
        versionDescription: 'Rendered from warehouse/panels.ts',
      },
      { parent: this, provider: native, dependsOn: args.after },
    );
    const analysis = new quicksight.Analysis(
      `${name}-analysis`,
      {
        awsAccountId: args.aws.accountId,
        analysisId: `${args.idPrefix}-sales`,
        name: `${args.idPrefix} Black Friday sales`,
        definition,
        permissions: grant(args.authorArns, ANALYSIS_AUTHOR_ACTIONS),
      },
      { parent: this, provider: native, dependsOn: args.after },
    );
    return { dashboard, analysis };
  }
}

const grant = (arns: string[], actions: string[]) => arns.map((principal) => ({ principal, actions }));

/** The connection's role: network interfaces only in its own subnets and with its own security group. */
function networkInterfaceStatements(args: QuickSightDashboardArgs, sgArn: pulumi.Output<string>): PolicyStatement[] {
  return [
    {
      Sid: 'ManageNetworkInterfaces',
      Effect: 'Allow',
      Action: ['ec2:CreateNetworkInterface', 'ec2:ModifyNetworkInterfaceAttribute', 'ec2:DeleteNetworkInterface'],
      Resource: pulumi
        .all([arnIn(args.aws, 'ec2', ''), args.subnetIds, sgArn])
        .apply(([ec2, subnets, sg]) => [`${ec2}network-interface/*`, sg, ...subnets.map((id) => `${ec2}subnet/${id}`)]),
    },
    // The two Describe calls take no resource in IAM.
    {
      Sid: 'DescribeNetwork',
      Effect: 'Allow',
      Action: ['ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
      Resource: ['*'],
    },
  ];
}

// QuickSight over the warehouse views: a Redshift data source reached through a
// QuickSight VPC connection (the workgroup is private), and one direct-query data set
// per view. Behind the dashboardEnabled flag: QuickSight needs an account subscription.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { allPlainViews, qualified } from '../warehouse/schema';
import { serviceRole } from './iam';

export interface QuickSightDashboardArgs {
  /** Prefix of the QuickSight ids (data source, data sets, VPC connection). */
  idPrefix: string;
  accountId: pulumi.Input<string>;
  principalArn: string;
  vpcId: pulumi.Input<string>;
  vpcCidr: string;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  warehouseSecurityGroupId: pulumi.Input<string>;
  workgroupEndpoint: pulumi.Input<{ address: string; port: number }>;
  database: string;
  /** Secrets Manager secret holding the database credentials QuickSight signs in with. */
  credentialsSecretArn: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** AWS partition of the ARNs; default aws. */
  partition?: pulumi.Input<string>;
}

const DATA_SET_ACTIONS = ['quicksight:DescribeDataSet', 'quicksight:DescribeDataSetPermissions', 'quicksight:PassDataSet', 'quicksight:DescribeIngestion', 'quicksight:ListIngestions'];
const DATA_SOURCE_ACTIONS = ['quicksight:DescribeDataSource', 'quicksight:DescribeDataSourcePermissions', 'quicksight:PassDataSource'];

export class QuickSightDashboard extends pulumi.ComponentResource {
  readonly dataSource: aws.quicksight.DataSource;
  readonly dataSets: aws.quicksight.DataSet[];
  readonly consoleUrl: pulumi.Output<string>;

  constructor(name: string, args: QuickSightDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bfstream:infra:QuickSightDashboard', name, {}, opts);
    if (!/^arn:aws[a-z-]*:quicksight:/.test(args.principalArn)) throw new Error(`QuickSightDashboard ${name}: principalArn must be a QuickSight user or group ARN, got ${JSON.stringify(args.principalArn)}`);
    if (!/^[\w-]{1,40}$/.test(args.idPrefix)) throw new Error(`QuickSightDashboard ${name}: idPrefix must be 1-40 letters, digits, - or _`);

    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        description: 'QuickSight VPC connection: SQL to the Redshift workgroup only',
        vpcId: args.vpcId,
        egress: [{ description: 'Redshift SQL', protocol: 'tcp', fromPort: 5439, toPort: 5439, cidrBlocks: [args.vpcCidr] }],
        // QuickSight's network interfaces need return traffic from the warehouse.
        ingress: [{ description: 'Return traffic from the workgroup', protocol: 'tcp', fromPort: 0, toPort: 65535, securityGroups: [args.warehouseSecurityGroupId] }],
      },
      { parent: this },
    );
    const { role, policy } = serviceRole(
      `${name}-vpc`,
      {
        services: ['quicksight.amazonaws.com'],
        description: 'QuickSight VPC connection: manage its network interfaces',
        statements: [
          {
            // Interfaces only in the connection's own subnets and with its own security group.
            Sid: 'ManageNetworkInterfaces',
            Effect: 'Allow',
            Action: ['ec2:CreateNetworkInterface', 'ec2:ModifyNetworkInterfaceAttribute', 'ec2:DeleteNetworkInterface'],
            Resource: pulumi
              .all([pulumi.interpolate`arn:${args.partition ?? 'aws'}:ec2:${args.region}:${args.accountId}:`, args.subnetIds, sg.arn])
              .apply(([ec2, subnets, sgArn]) => [`${ec2}network-interface/*`, sgArn, ...subnets.map((id) => `${ec2}subnet/${id}`)]),
          },
          // The two Describe calls take no resource in IAM.
          { Sid: 'DescribeNetwork', Effect: 'Allow', Action: ['ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'], Resource: ['*'] },
        ],
      },
      { parent: this },
    );
    const vpcConnection = new aws.quicksight.VpcConnection(
      `${name}-vpc-connection`,
      { vpcConnectionId: `${args.idPrefix}-warehouse`, name: `${args.idPrefix} warehouse`, roleArn: role.arn, securityGroupIds: [sg.id], subnetIds: args.subnetIds },
      { parent: this, dependsOn: [policy] },
    );
    const endpoint = pulumi.output(args.workgroupEndpoint);
    this.dataSource = new aws.quicksight.DataSource(
      `${name}-source`,
      {
        dataSourceId: `${args.idPrefix}-warehouse`,
        name: `${args.idPrefix} warehouse`,
        type: 'REDSHIFT',
        parameters: { redshift: { host: endpoint.address, port: endpoint.port, database: args.database } },
        credentials: { secretArn: args.credentialsSecretArn },
        vpcConnectionProperties: { vpcConnectionArn: vpcConnection.arn },
        sslProperties: { disableSsl: false },
        permissions: [{ principal: args.principalArn, actions: DATA_SOURCE_ACTIONS }],
      },
      { parent: this },
    );
    this.dataSets = allPlainViews.map(
      (view) =>
        new aws.quicksight.DataSet(
          `${name}-${view.name}`,
          {
            dataSetId: `${args.idPrefix}-${view.name}`,
            name: `${args.idPrefix} ${view.name}`,
            importMode: 'DIRECT_QUERY',
            physicalTableMaps: [
              { physicalTableMapId: view.name.replace(/_/g, ''), customSql: { dataSourceArn: this.dataSource.arn, name: view.name, sqlQuery: `SELECT * FROM ${qualified(view.name)}` } },
            ],
            permissions: [{ principal: args.principalArn, actions: DATA_SET_ACTIONS }],
          },
          { parent: this },
        ),
    );
    this.consoleUrl = pulumi.interpolate`https://${args.region}.quicksight.aws.amazon.com/sn/start/data-sets`;
    this.registerOutputs({ dataSourceArn: this.dataSource.arn, dataSetIds: this.dataSets.map((d) => d.dataSetId), consoleUrl: this.consoleUrl });
  }
}

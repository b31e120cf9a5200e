// The warehouse: Redshift Serverless in a private VPC, loaded by auto-copy through an
// S3 event integration, with its schema applied by a migrator Lambda at deploy time.
import * as aws from '@pulumi/aws';
import * as awsx from '@pulumi/awsx';
import * as pulumi from '@pulumi/pulumi';
import { rateMinutesOf, type CalendarPeriod } from '../kernel/calendar';
import { streamNames } from '../kernel/contracts';
import { Problems } from '../kernel/problems';
import { REDSHIFT_SERVERLESS_MIN_ZONES, REDSHIFT_SERVERLESS_UNSUPPORTED_ZONE_IDS } from '../kernel/awsLimits';
import { arnIn, type AwsContext } from './awsContext';
import { dashboardSecretStatements, declareDashboardSecret, type DashboardSecret } from './dashboardSecret';
import { deployFunction, type DeployedFunction } from './functions';
import { policyDocument, serviceRole, type PolicyStatement } from './iam';
import { migratorArchive } from './lambdaPackaging';
import { LOAD_ERROR_METRIC } from '../warehouse/loadErrors';
import { migrationsHash, type Migration } from '../warehouse/migrations';
import { landingPrefixes } from './landing';
import { periodDates } from './schedule';

export interface WarehouseArgs {
  /** Physical name of the namespace and workgroup (lowercase, digits, hyphens; from the project and stack). */
  warehouseName: string;
  /** CIDR of the warehouse VPC (its three isolated subnets are carved from it). */
  vpcCidr: string;
  /** The database the pipeline loads into. */
  database: string;
  /** The namespace's admin user; Secrets Manager manages its password. */
  adminUsername: string;
  /** Base RPUs of the workgroup. */
  baseCapacity: number;
  /** The most RPUs the workgroup may scale to: always sent (AWS clears a cap only with a non-idempotent -1). */
  maxCapacity: number;
  /** The workgroup's serverless-compute usage limit (every stack has one). */
  usageLimit: {
    rpuHours: number;
    period: 'daily' | 'weekly' | 'monthly';
    breachAction: 'log' | 'emit-metric' | 'deactivate';
  };
  /** The landing bucket COPY JOBs read. */
  bucketName: pulumi.Input<string>;
  /** The landing bucket's ARN: the COPY role's grants and the integration's source. */
  bucketArn: pulumi.Input<string>;
  /** The landing bucket's policy: the integration needs it in place first. */
  bucketPolicy: pulumi.Resource;
  /** The stack's account, Region and partition. */
  aws: AwsContext;
  /** Renders the migrations for the COPY role this component creates (COPY JOBs name it). */
  migrations: (copyRoleArn: pulumi.Output<string>) => pulumi.Output<Migration[]>;
  /** The Node.js runtime of the migrator. */
  runtime: aws.lambda.Runtime;
  /** Timeout of the migrator (s). */
  migratorTimeoutSeconds: number;
  /** Retention of the migrator's log group (days). */
  logRetentionDays: number;
  /** Retention of the log groups the namespace exports its audit logs to (days). */
  auditLogRetentionDays: number;
  /** Create the dashboard's database secret for the migrator to fill (dashboardEnabled). */
  dashboardIdentity?: boolean;
  /**
   * When the migrator counts auto-copy's load errors into a metric: one schedule per period
   * (kernel/calendar.ts loadCheckPeriods), only while files can arrive.
   */
  loadCheck: { periods: CalendarPeriod[]; now: Date; enabled: boolean };
}

/** Minutes between a check period's runs (its rate). */
const checkMinutes = (p: CalendarPeriod) => rateMinutesOf(p.expression) ?? 0;

export const REDSHIFT_PORT = 5439;

/** The audit logs the namespace exports to CloudWatch Logs. */
export const LOG_EXPORTS = ['userlog', 'connectionlog', 'useractivitylog'] as const;
/**
 * Where Redshift Serverless exports a log: it uses a log group of this name if one exists, and
 * otherwise creates one that never expires. https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-audit-logging.html
 */
export const auditLogGroupName = (namespaceName: string, logType: string): string =>
  `/aws/redshift/${namespaceName}/${logType}`;

/**
 * Problems of the zones a workgroup would get (awsx's VPC takes the first three of the Region,
 * by name): a zone whose ID Redshift Serverless does not support, or fewer than three zones.
 */
export function warehouseZoneProblems(region: string, names: string[], zoneIds: string[]): string[] {
  const unsupported = REDSHIFT_SERVERLESS_UNSUPPORTED_ZONE_IDS[region] ?? [];
  const chosen = names.slice(0, REDSHIFT_SERVERLESS_MIN_ZONES).map((name, i) => ({ name, id: zoneIds[i] }));
  return [
    ...(chosen.length < REDSHIFT_SERVERLESS_MIN_ZONES
      ? [`${region} has ${chosen.length} zones; Redshift Serverless needs ${REDSHIFT_SERVERLESS_MIN_ZONES}`]
      : []),
    ...chosen
      .filter((z) => unsupported.includes(z.id))
      .map(
        (z) =>
          `zone ${z.name} is ${z.id} in this account, which Redshift Serverless does not support (kernel/awsLimits.ts); deploy in another Region or account (docs/INFRA.md, "Zones by ID")`,
      ),
  ];
}

/** The Region's first three zones, once their IDs in this account pass warehouseZoneProblems; else an error naming the zone. */
export async function checkWarehouseZones(region: string, opts?: pulumi.InvokeOptions): Promise<string[]> {
  const zones = await aws.getAvailabilityZones({}, opts);
  new Problems()
    .add(...warehouseZoneProblems(region, zones.names, zones.zoneIds))
    .throwIfAny('Warehouse subnets', (m) => new Error(m));
  return zones.names.slice(0, REDSHIFT_SERVERLESS_MIN_ZONES);
}

/** What the config schema does not bound: names and cadences that come from elsewhere, and the cap. */
function checkWarehouseArgs(name: string, args: WarehouseArgs): void {
  new Problems()
    .check(
      /^[a-z0-9-]{3,64}$/.test(args.warehouseName),
      () =>
        `warehouseName must be 3-64 lowercase letters, digits or hyphens, got ${JSON.stringify(args.warehouseName)}`,
    )
    .check(
      args.loadCheck.periods.every((p) => checkMinutes(p) >= 1 && checkMinutes(p) <= 1440),
      () => `load checks run every 1..1440 minutes, got ${args.loadCheck.periods.map((p) => p.expression).join(', ')}`,
    )
    .check(
      Number.isInteger(args.maxCapacity) && args.maxCapacity >= args.baseCapacity,
      () => `maxCapacity must be a number of RPUs >= baseCapacity ${args.baseCapacity}, got ${args.maxCapacity}`,
    )
    .throwIfAny(`Warehouse ${name}`, (m) => new Error(m));
}

export class Warehouse extends pulumi.ComponentResource {
  readonly vpc: awsx.ec2.Vpc;
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly copyRole: aws.iam.Role;
  readonly namespace: aws.redshiftserverless.Namespace;
  readonly workgroup: aws.redshiftserverless.Workgroup;
  readonly resourcePolicy: aws.redshift.ResourcePolicy;
  readonly integration: aws.redshift.Integration;
  readonly migrator: DeployedFunction;
  readonly migration: aws.lambda.Invocation;
  /** The log groups the namespace exports its audit logs to, declared so they expire. */
  readonly auditLogGroups: aws.cloudwatch.LogGroup[];
  /** The dashboard's database secret (dashboardIdentity only); the migrator writes its value. */
  readonly dashboardSecret?: DashboardSecret;
  /** Run the migrator's load-error check, one per calendar period; they start after the migration, like the producer's. */
  readonly loadChecks: aws.scheduler.Schedule[];
  /** Caps the RPU-hours a period may bill (or reports them): serverless-compute. */
  readonly usageLimit: aws.redshiftserverless.UsageLimit;
  /** Load checks Scheduler could not deliver, or that failed: an unwatched warehouse. */
  readonly loadCheckFailures: aws.sqs.Queue;
  /** Where CopyJobLoadErrors is published (embedded metric format, per workgroup). */
  readonly loadErrorMetric: { namespace: string; name: string; dimensions: pulumi.Output<Record<string, string>> };
  readonly endpoint: pulumi.Output<string>;
  readonly migrationsHash: pulumi.Output<string>;

  constructor(name: string, args: WarehouseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bfstream:infra:Warehouse', name, {}, opts);
    checkWarehouseArgs(name, args);

    this.vpc = this.declareVpc(name, args);
    this.securityGroup = this.declareSecurityGroup(name, args);
    const copy = this.declareCopyRole(name, args);
    this.copyRole = copy.role;
    this.auditLogGroups = this.declareAuditLogGroups(name, args);
    this.namespace = this.declareNamespace(name, args, copy);
    this.workgroup = this.declareWorkgroup(name, args);
    this.endpoint = this.workgroup.endpoints.apply((e) => (e?.[0] ? `${e[0].address}:${e[0].port}` : ''));
    this.resourcePolicy = this.declareResourcePolicy(name, args);
    this.integration = new aws.redshift.Integration(
      `${name}-integration`,
      {
        integrationName: `${args.warehouseName}-landing`,
        description: 'S3 event integration for COPY JOB auto-copy',
        sourceArn: args.bucketArn,
        targetArn: this.namespace.arn,
      },
      { parent: this, dependsOn: [this.resourcePolicy, args.bucketPolicy] },
    );

    this.loadCheckFailures = new aws.sqs.Queue(
      `${name}-load-check-failures`,
      { sqsManagedSseEnabled: true, messageRetentionSeconds: 1_209_600 },
      { parent: this },
    );
    if (args.dashboardIdentity)
      this.dashboardSecret = declareDashboardSecret(
        name,
        { namePrefix: args.warehouseName, aws: args.aws },
        { parent: this },
      );
    const migrations = args.migrations(copy.role.arn);
    this.migrationsHash = migrations.apply(migrationsHash);
    this.migrator = this.declareMigrator(name, args, migrations);
    // Re-runs when the migrations change, and when the namespace is replaced (a new, empty
    // database has its namespaceId); COPY JOBs need the integration in place.
    this.migration = new aws.lambda.Invocation(
      `${name}-migrate`,
      {
        functionName: this.migrator.function.name,
        input: pulumi.jsonStringify({ hash: this.migrationsHash, namespaceId: this.namespace.namespaceId }),
        triggers: { migrationsHash: this.migrationsHash, namespaceId: this.namespace.namespaceId },
      },
      { parent: this, dependsOn: [this.workgroup, this.integration] },
    );

    // A file a COPY JOB fails to load is skipped for good (SYS_COPY_JOB_DETAIL docs): every few
    // minutes the migrator counts the failed files it has not reported before (a ledger, no time
    // window) into CopyJobLoadErrors, which Ops alarms on.
    this.loadErrorMetric = {
      ...LOAD_ERROR_METRIC,
      dimensions: this.workgroup.workgroupName.apply((w): Record<string, string> => ({ Workgroup: w })),
    };
    this.loadChecks = this.declareLoadChecks(name, args);
    this.usageLimit = new aws.redshiftserverless.UsageLimit(
      `${name}-usage-limit`,
      {
        resourceArn: this.workgroup.arn,
        usageType: 'serverless-compute',
        amount: args.usageLimit.rpuHours,
        period: args.usageLimit.period,
        breachAction: args.usageLimit.breachAction,
      },
      { parent: this },
    );

    this.registerOutputs({
      endpoint: this.endpoint,
      workgroupName: this.workgroup.workgroupName,
      namespaceArn: this.namespace.arn,
      integrationArn: this.integration.arn,
    });
  }

  /**
   * Isolated subnets: private, with no route to the internet. awsx refuses "Private"
   * subnets without NAT gateways; the S3 gateway endpoint gives COPY its path to S3
   * under enhanced VPC routing. "Auto" attaches the endpoint to the VPC's route tables.
   */
  private declareVpc(name: string, args: WarehouseArgs): awsx.ec2.Vpc {
    return new awsx.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.vpcCidr,
        numberOfAvailabilityZones: 3,
        natGateways: { strategy: awsx.ec2.NatGatewayStrategy.None },
        subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
        subnetSpecs: [{ type: awsx.ec2.SubnetType.Isolated, name: 'warehouse' }],
        vpcEndpointStrategy: awsx.ec2.VpcEndpointStrategy.Auto,
        vpcEndpointSpecs: [{ serviceName: `com.amazonaws.${args.aws.region}.s3`, vpcEndpointType: 'Gateway' }],
        enableDnsHostnames: true,
        enableDnsSupport: true,
      },
      { parent: this },
    );
  }

  /**
   * The VPC's subnets once their zones pass warehouseZoneProblems: a zone name maps to a different
   * zone ID per account, so the IDs are read (getAvailabilityZones, as awsx reads the names) and a
   * bad one fails the preview, naming it, before the workgroup is created (its subnets cannot
   * change without replacing it).
   */
  private checkedSubnetIds(args: WarehouseArgs): pulumi.Output<string[]> {
    return pulumi
      .all([checkWarehouseZones(args.aws.region, { parent: this }), this.vpc.isolatedSubnetIds])
      .apply(([, subnetIds]) => subnetIds);
  }

  /** SQL in from the VPC; out, only HTTPS to S3 through the gateway endpoint. */
  private declareSecurityGroup(name: string, args: WarehouseArgs): aws.ec2.SecurityGroup {
    const s3PrefixList = aws.ec2.getManagedPrefixListOutput(
      { name: `com.amazonaws.${args.aws.region}.s3` },
      { parent: this },
    );
    return new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        description: 'Redshift Serverless workgroup: SQL from inside the VPC, HTTPS to S3 through the gateway endpoint',
        vpcId: this.vpc.vpcId,
        ingress: [
          {
            description: 'Redshift SQL from the VPC',
            protocol: 'tcp',
            fromPort: REDSHIFT_PORT,
            toPort: REDSHIFT_PORT,
            cidrBlocks: [args.vpcCidr],
          },
        ],
        egress: [
          {
            description: 'COPY from S3 (enhanced VPC routing)',
            protocol: 'tcp',
            fromPort: 443,
            toPort: 443,
            prefixListIds: [s3PrefixList.id],
          },
        ],
      },
      { parent: this },
    );
  }

  /** The role Redshift assumes for COPY JOBs: it reads the landing stream prefixes and nothing else. */
  private declareCopyRole(name: string, args: WarehouseArgs): ServiceRole {
    return serviceRole(
      `${name}-copy`,
      {
        services: ['redshift.amazonaws.com', 'redshift-serverless.amazonaws.com'],
        description: 'Role Redshift assumes for COPY JOBs: read the landing stream prefixes only',
        // No SourceAccount condition: Redshift's documented trust policy has none, and the
        // namespace (not a caller) chooses the role; it is attached to this namespace only.
        statements: [
          {
            Sid: 'ReadLandingFiles',
            Effect: 'Allow',
            Action: ['s3:GetObject'],
            Resource: READ_PREFIXES.map((p) => pulumi.interpolate`${args.bucketArn}/${p}*`),
          },
          listLandingPrefixes(args.bucketArn),
        ],
      },
      { parent: this },
    );
  }

  private declareNamespace(name: string, args: WarehouseArgs, copy: ServiceRole): aws.redshiftserverless.Namespace {
    return new aws.redshiftserverless.Namespace(
      `${name}-namespace`,
      {
        namespaceName: args.warehouseName,
        dbName: args.database,
        adminUsername: args.adminUsername,
        // Secrets Manager generates and rotates the password: never in config or state.
        manageAdminPassword: true,
        iamRoles: [copy.role.arn],
        defaultIamRoleArn: copy.role.arn,
        logExports: [...LOG_EXPORTS],
      },
      // Its log groups first, so Redshift exports into them rather than create its own.
      { parent: this, dependsOn: [copy.policy, ...this.auditLogGroups] },
    );
  }

  private declareWorkgroup(name: string, args: WarehouseArgs): aws.redshiftserverless.Workgroup {
    return new aws.redshiftserverless.Workgroup(
      `${name}-workgroup`,
      {
        workgroupName: args.warehouseName,
        namespaceName: this.namespace.namespaceName,
        baseCapacity: args.baseCapacity,
        // Always a number: going from a cap to none needs AWS's non-idempotent -1 (terraform-provider-aws
        // PR #36032), so the program never asks for none. Policy rule redshift-workgroup-max-capacity.
        maxCapacity: args.maxCapacity,
        publiclyAccessible: false,
        enhancedVpcRouting: true,
        subnetIds: this.checkedSubnetIds(args),
        securityGroupIds: [this.securityGroup.id],
        // No configParameters: AWS returns the whole parameter set, so declaring some keys gives a
        // perpetual diff and AWS refuses the no-op update, failing every later `pulumi up`
        // (pulumi-aws #4405, terraform-provider-aws #33692, #49939). require_ssl=true is the default.
        // Policy rule redshift-workgroup-config-parameters keeps it that way.
      },
      { parent: this },
    );
  }

  /** The namespace lets the bucket push events to it, and this account create the integration. */
  private declareResourcePolicy(name: string, args: WarehouseArgs): aws.redshift.ResourcePolicy {
    return new aws.redshift.ResourcePolicy(
      `${name}-namespace-policy`,
      {
        resourceArn: this.namespace.arn,
        policy: policyDocument([
          {
            Sid: 'AuthorizeLandingBucket',
            Effect: 'Allow',
            Principal: { Service: 'redshift.amazonaws.com' },
            Action: ['redshift:AuthorizeInboundIntegration'],
            Resource: [this.namespace.arn],
            Condition: { StringEquals: { 'aws:SourceArn': args.bucketArn } },
          },
          {
            Sid: 'AllowAccountToCreateIntegration',
            Effect: 'Allow',
            Principal: { AWS: arnIn(args.aws, 'iam', 'root', false) },
            Action: ['redshift:CreateInboundIntegration'],
            Resource: [this.namespace.arn],
          },
        ]),
      },
      { parent: this },
    );
  }

  /** The migrator: applies the migrations at deploy time, and counts load errors on a schedule. */
  private declareMigrator(name: string, args: WarehouseArgs, migrations: pulumi.Output<Migration[]>): DeployedFunction {
    return deployFunction(
      `${name}-migrator`,
      {
        description: 'Applies the warehouse migrations (tables, dims, views, COPY JOBs) through the Redshift Data API',
        archive: migratorArchive(migrations),
        runtime: args.runtime,
        memoryMb: 256,
        timeoutSeconds: args.migratorTimeoutSeconds,
        logRetentionDays: args.logRetentionDays,
        environment: {
          WORKGROUP_NAME: this.workgroup.workgroupName,
          DATABASE: args.database,
          SECRET_ARN: this.namespace.adminPasswordSecretArn,
          LANDING_BUCKET: args.bucketName,
          // The migrator creates the dashboard's database user and writes its credentials here.
          ...(this.dashboardSecret ? { DASHBOARD_SECRET_ARN: this.dashboardSecret.secret.arn } : {}),
        },
        statements: [
          ...migratorStatements({
            workgroupArn: this.workgroup.arn,
            bucketArn: args.bucketArn,
            loadCheckFailuresArn: this.loadCheckFailures.arn,
            adminSecretArn: this.namespace.adminPasswordSecretArn,
          }),
          ...(this.dashboardSecret ? dashboardSecretStatements(this.dashboardSecret, args.aws) : []),
        ],
      },
      this,
    );
  }

  /** The log groups the namespace exports its audit logs to, declared first so that they expire. */
  private declareAuditLogGroups(name: string, args: WarehouseArgs): aws.cloudwatch.LogGroup[] {
    return LOG_EXPORTS.map(
      (logType) =>
        new aws.cloudwatch.LogGroup(
          `${name}-${logType}-logs`,
          { name: auditLogGroupName(args.warehouseName, logType), retentionInDays: args.auditLogRetentionDays },
          { parent: this },
        ),
    );
  }

  /** Scheduler runs the migrator's load-error check in each period; failures land in loadCheckFailures. */
  private declareLoadChecks(name: string, args: WarehouseArgs): aws.scheduler.Schedule[] {
    // A check older than the shortest period's cadence is no use: the next one has started (and the
    // policy rule scheduled-function-failure-destination holds every schedule of the function to it).
    const shortest = Math.min(1440, ...args.loadCheck.periods.map(checkMinutes));
    new aws.lambda.FunctionEventInvokeConfig(
      `${name}-migrator-async`,
      {
        functionName: this.migrator.function.name,
        maximumRetryAttempts: 0,
        // Lambda keeps an async event at most 6 hours.
        maximumEventAgeInSeconds: Math.min(21_600, shortest * 60),
        destinationConfig: { onFailure: { destination: this.loadCheckFailures.arn } },
      },
      { parent: this, dependsOn: [this.migrator.rolePolicy] },
    );
    const checker = serviceRole(
      `${name}-load-check`,
      {
        services: ['scheduler.amazonaws.com'],
        description: 'EventBridge Scheduler: run the migrator load-error check, dead-letter failed deliveries',
        accountId: args.aws.accountId,
        statements: [
          {
            Sid: 'InvokeMigrator',
            Effect: 'Allow',
            Action: ['lambda:InvokeFunction'],
            Resource: [this.migrator.function.arn],
          },
          { Sid: 'DeadLetter', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [this.loadCheckFailures.arn] },
        ],
      },
      { parent: this },
    );
    return args.loadCheck.periods.map((period) => {
      const minutes = checkMinutes(period);
      return new aws.scheduler.Schedule(
        `${name}-load-check-${period.name}`,
        {
          description: `Counts the files auto-copy failed that no check reported yet into a CloudWatch metric: ${period.kind} ${period.name} and its tail`,
          scheduleExpression: period.expression,
          ...periodDates(period, args.loadCheck.now),
          state: args.loadCheck.enabled ? 'ENABLED' : 'DISABLED',
          flexibleTimeWindow: { mode: 'OFF' },
          target: {
            arn: this.migrator.function.arn,
            roleArn: checker.role.arn,
            input: JSON.stringify({ check: 'copyJobErrors' }),
            retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: Math.min(86_400, minutes * 60) },
            deadLetterConfig: { arn: this.loadCheckFailures.arn },
          },
        },
        { parent: this, dependsOn: [checker.policy, this.migration] },
      );
    });
  }
}

type ServiceRole = ReturnType<typeof serviceRole>;

/** The landing prefixes COPY JOBs read: one per stream. */
const READ_PREFIXES = streamNames.map((s) => landingPrefixes(s).raw);

/** Listing the landing bucket, under the stream prefixes only. */
function listLandingPrefixes(bucketArn: pulumi.Input<string>): PolicyStatement {
  return {
    Sid: 'ListLandingPrefixes',
    Effect: 'Allow',
    Action: ['s3:ListBucket'],
    Resource: [bucketArn],
    Condition: { StringLike: { 's3:prefix': READ_PREFIXES.map((p) => `${p}*`) } },
  };
}

/** What the migrator's role allows: run its statements, find its own, list and smoke-test the landing prefixes, record failed checks, read the admin secret. */
function migratorStatements(r: {
  workgroupArn: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  loadCheckFailuresArn: pulumi.Input<string>;
  adminSecretArn: pulumi.Input<string>;
}): PolicyStatement[] {
  return [
    {
      Sid: 'RunStatements',
      Effect: 'Allow',
      Action: ['redshift-data:ExecuteStatement', 'redshift-data:BatchExecuteStatement'],
      Resource: [r.workgroupArn],
    },
    {
      // These Data API actions take no resource; the condition limits them to statements this role ran.
      // CancelStatement: a migrator about to time out cancels its own statement rather than
      // leave it running for up to 24 hours (the condition key is documented for it).
      Sid: 'ReadOwnStatements',
      Effect: 'Allow',
      Action: ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult', 'redshift-data:CancelStatement'],
      Resource: ['*'],
      Condition: { StringEquals: { 'redshift-data:statement-owner-iam-userid': '${aws:userid}' } },
    },
    // A rerun finds the statement of an earlier, timed-out run by its name (the migration id) and
    // waits for it. ListStatements takes no resource and lists the caller's role's statements only.
    { Sid: 'FindOwnStatements', Effect: 'Allow', Action: ['redshift-data:ListStatements'], Resource: ['*'] },
    // Files that landed before a COPY JOB existed are loaded once by the migrator (by name):
    // it lists the stream prefixes to find them.
    listLandingPrefixes(r.bucketArn),
    // Each new COPY JOB is smoke-tested with a header-only canary under its own prefix.
    {
      Sid: 'WriteSmokeTestCanaries',
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: READ_PREFIXES.map((p) => pulumi.interpolate`${r.bucketArn}/${p}_smoke/*`),
    },
    // Lambda records a failed load check here (on-failure destination, sent with this role).
    { Sid: 'RecordFailedChecks', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [r.loadCheckFailuresArn] },
    // The namespace's managed admin secret: DDL and COPY JOBs run as the database owner.
    {
      Sid: 'ReadAdminSecret',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [r.adminSecretArn],
    },
  ];
}

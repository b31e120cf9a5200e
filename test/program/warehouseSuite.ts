// The warehouse: its network, namespace and workgroup; the integration and the two resource
// policies that let the bucket feed it; the migrator's run.
import { MOCK_ACCOUNT, named } from '../../tools/mockGraph';
import { BUCKET, FN, INVOCATION, NAMESPACE, ROLE, WORKGROUP, policyOf, type StackRun } from './stackRun';

const INTEGRATION = 'aws:redshift/integration:Integration';
const BUCKET_POLICY = 'aws:s3/bucketPolicy:BucketPolicy';

function describeNetworkAndWorkgroup(s: StackRun): void {
  test('the warehouse: isolated VPC in 3 AZs without NAT, S3 gateway endpoint, private workgroup, managed password', () => {
    const { run, cfg, stack } = s;
    const vpc = named(run, 'awsx:ec2:Vpc', 'warehouse-vpc');
    expect(vpc.inputs).toMatchObject({
      cidrBlock: cfg.vpcCidr,
      numberOfAvailabilityZones: 3,
      natGateways: { strategy: 'None' },
      subnetSpecs: [{ type: 'Isolated', name: 'warehouse' }],
      vpcEndpointStrategy: 'Auto',
      vpcEndpointSpecs: [{ serviceName: 'com.amazonaws.us-east-1.s3', vpcEndpointType: 'Gateway' }],
    });
    const ns = named(run, NAMESPACE, 'warehouse-namespace');
    expect(ns.inputs).toMatchObject({
      namespaceName: `bfstream-${stack}`,
      manageAdminPassword: true,
      dbName: cfg.database,
      adminUsername: cfg.adminUsername,
      iamRoles: [s.arnOf(ROLE, 'warehouse-copy-role')],
    });
    expect(ns.inputs.adminUserPassword).toBeUndefined();
    expect(JSON.stringify(run.resources.map((r) => r.inputs))).not.toMatch(/"adminUserPassword"/);
    const wg = named(run, WORKGROUP, 'warehouse-workgroup');
    expect(wg.inputs).toMatchObject({
      publiclyAccessible: false,
      enhancedVpcRouting: true,
      baseCapacity: cfg.baseCapacity,
      namespaceName: ns.inputs.namespaceName,
      subnetIds: vpc.state.isolatedSubnetIds,
    });
    expect(wg.inputs.subnetIds).toHaveLength(3);
    // Always a cap: AWS clears one only with a non-idempotent -1 (terraform-provider-aws PR #36032).
    expect(wg.inputs.maxCapacity).toBe(cfg.maxCapacity);
    expect(wg.inputs.maxCapacity).toBeGreaterThanOrEqual(cfg.baseCapacity);
    const sg = named(run, 'aws:ec2/securityGroup:SecurityGroup', 'warehouse-sg');
    expect(wg.inputs.securityGroupIds).toEqual([sg.id]);
    expect(sg.inputs.ingress).toEqual([
      expect.objectContaining({ fromPort: 5439, toPort: 5439, cidrBlocks: [cfg.vpcCidr] }),
    ]);
  });
}

function describeUsageLimit(s: StackRun): void {
  test('every stack caps its compute: a serverless-compute usage limit on the workgroup, alarmed when it only emits', () => {
    const { run, cfg, stack } = s;
    const limit = named(run, 'aws:redshiftserverless/usageLimit:UsageLimit', 'warehouse-usage-limit');
    expect(limit.inputs).toEqual({
      resourceArn: s.arnOf(WORKGROUP, 'warehouse-workgroup'),
      usageType: 'serverless-compute',
      amount: cfg.usageLimitRpuHours,
      period: cfg.usageLimitPeriod,
      breachAction: cfg.usageLimitBreachAction,
    });
    // prod: the metric and an alarm to the topic; dev: user queries off until the month ends.
    expect(cfg.usageLimitBreachAction).toBe(stack === 'prod' ? 'emit-metric' : 'deactivate');
    const alarm = run.resources.find((r) => r.name === 'ops-warehouse-usage-limit');
    if (stack === 'prod')
      expect(alarm?.inputs).toMatchObject({
        namespace: 'AWS/Redshift-Serverless',
        metricName: 'ComputeSeconds',
        dimensions: { Workgroup: named(run, WORKGROUP, 'warehouse-workgroup').inputs.workgroupName },
        period: 86_400,
        threshold: cfg.usageLimitRpuHours * 3600,
        alarmActions: [s.arnOf('aws:sns/topic:Topic', 'ops-alarms')],
      });
    else expect(alarm).toBeUndefined();
  });
}

function describeIntegration(s: StackRun): void {
  test('the integration, the bucket policy and the namespace resource policy point at each other', () => {
    const { run } = s;
    const bucketArn = s.arnOf(BUCKET, 'landing-bucket');
    const ns = named(run, NAMESPACE, 'warehouse-namespace');
    const integration = named(run, INTEGRATION, 'warehouse-integration');
    expect(integration.inputs).toMatchObject({ sourceArn: bucketArn, targetArn: ns.state.arn });
    const rp = named(run, 'aws:redshift/resourcePolicy:ResourcePolicy', 'warehouse-namespace-policy');
    expect(rp.inputs.resourceArn).toBe(ns.state.arn);
    const [authorize, create] = policyOf(rp).Statement;
    expect(authorize).toMatchObject({
      Principal: { Service: 'redshift.amazonaws.com' },
      Action: ['redshift:AuthorizeInboundIntegration'],
      Resource: [ns.state.arn],
      Condition: { StringEquals: { 'aws:SourceArn': bucketArn } },
    });
    expect(create).toMatchObject({
      Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT}:root` },
      Action: ['redshift:CreateInboundIntegration'],
      Resource: [ns.state.arn],
    });
    const bucketPolicy = policyOf(named(run, BUCKET_POLICY, 'landing-policy'));
    expect(bucketPolicy.Statement.find((st) => st.Sid === 'AllowRedshiftEventIntegration')).toEqual({
      Sid: 'AllowRedshiftEventIntegration',
      Effect: 'Allow',
      Principal: { Service: 'redshift.amazonaws.com' },
      Action: ['s3:GetBucketNotification', 's3:PutBucketNotification', 's3:GetBucketLocation'],
      Resource: [bucketArn],
      Condition: {
        StringLike: { 'aws:SourceArn': `arn:aws:redshift:us-east-1:${MOCK_ACCOUNT}:integration:*` },
        StringEquals: { 'aws:SourceAccount': MOCK_ACCOUNT },
      },
    });
    // The integration waits for both policies (the engine orders by these dependencies).
    expect(integration.dependencies).toEqual(
      expect.arrayContaining([rp.urn, named(run, BUCKET_POLICY, 'landing-policy').urn]),
    );
  });
}

function describeMigration(s: StackRun): void {
  test('the migrator runs on the migrations hash and the namespace id, after the workgroup and the integration, as the namespace admin', () => {
    const { run, cfg, stack } = s;
    const invocation = named(run, INVOCATION, 'warehouse-migrate');
    const hash = (run.outputs as any).migrationsHash;
    // A replaced namespace has a new namespaceId: the Invocation runs again on the empty database.
    const namespace = named(run, NAMESPACE, 'warehouse-namespace').state;
    expect(namespace.namespaceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(invocation.inputs.triggers).toEqual({ migrationsHash: hash, namespaceId: namespace.namespaceId });
    expect(JSON.parse(invocation.inputs.input)).toEqual({ hash, namespaceId: namespace.namespaceId });
    expect(invocation.inputs.functionName).toBe(named(run, FN, 'warehouse-migrator').state.name);
    expect(invocation.dependencies).toEqual(
      expect.arrayContaining([
        named(run, INTEGRATION, 'warehouse-integration').urn,
        named(run, WORKGROUP, 'warehouse-workgroup').urn,
      ]),
    );
    expect(named(run, FN, 'warehouse-migrator').inputs.environment.variables).toEqual({
      WORKGROUP_NAME: `bfstream-${stack}`,
      DATABASE: cfg.database,
      SECRET_ARN: namespace.adminPasswordSecretArn,
      LANDING_BUCKET: (run.outputs as any).landingBucket,
    });
    // No configParameters: a partial set fails every later `pulumi up` (pulumi-aws #4405).
    expect(named(run, WORKGROUP, 'warehouse-workgroup').inputs.configParameters).toBeUndefined();
  });
}

function describeAuditLogs(s: StackRun): void {
  test('each exported audit log has its log group, /aws/redshift/<namespace>/<log type>, with a retention, declared before the namespace', () => {
    const { run, cfg, stack } = s;
    const ns = named(run, NAMESPACE, 'warehouse-namespace');
    expect(ns.inputs.logExports).toEqual(['userlog', 'connectionlog', 'useractivitylog']);
    for (const logType of ns.inputs.logExports as string[]) {
      const group = named(run, 'aws:cloudwatch/logGroup:LogGroup', `warehouse-${logType}-logs`);
      expect(group.inputs).toEqual({
        name: `/aws/redshift/bfstream-${stack}/${logType}`,
        retentionInDays: cfg.auditLogRetentionDays,
      });
      // Redshift creates a group that never expires unless this one exists first.
      expect(ns.dependencies).toContain(group.urn);
    }
  });

  test('no dashboard, no dashboard secret: the migrator has no DASHBOARD_SECRET_ARN and no secret grant beyond the admin secret', () => {
    const { run, cfg } = s;
    if (cfg.dashboardEnabled) return;
    expect(run.resources.filter((r) => r.type === 'aws:secretsmanager/secret:Secret')).toEqual([]);
    expect(named(run, FN, 'warehouse-migrator').inputs.environment.variables.DASHBOARD_SECRET_ARN).toBeUndefined();
  });
}

export function describeWarehouse(s: StackRun): void {
  describeNetworkAndWorkgroup(s);
  describeAuditLogs(s);
  describeIntegration(s);
  describeUsageLimit(s);
  describeMigration(s);
}

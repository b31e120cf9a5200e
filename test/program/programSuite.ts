// Assertions over the whole program's resource graph under mocks, shared by the
// dev and prod test files (one program run per stack, reused by every test).
import { parseStackConfig, type StackConfig } from './config';
import {
  MOCK_ACCOUNT,
  named,
  ofType,
  runUnderMocks,
  stackConfigUnderTest,
  type MockedResource,
  type MockRun,
} from './mockGraph';
import { runPolicies } from '../policy/runLocal';
import { BUNDLE_FILE, HANDLER, isProvidedByRuntime } from './lambdaPackaging';
import { SCHEDULED_TIME_INPUT } from './schedule';

const Q = 'aws:sqs/queue:Queue';
const FN = 'aws:lambda/function:Function';
const ROLE_POLICY = 'aws:iam/rolePolicy:RolePolicy';

export function policyOf(r: MockedResource, key = 'policy'): { Statement: any[] } {
  return JSON.parse(r.inputs[key]);
}

/** Statements as [Sid, Effect, sorted actions, sorted resources], for exact comparison. */
function shape(statements: any[]) {
  const arr = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
  return statements.map((s) => ({
    Sid: s.Sid,
    Effect: s.Effect,
    Action: [...arr(s.Action)].sort(),
    Resource: [...arr(s.Resource)].sort(),
    ...(s.Condition ? { Condition: s.Condition } : {}),
  }));
}

export function describeStack(stack: 'dev' | 'prod'): void {
  describe(`the ${stack} stack under mocks`, () => {
    let run: MockRun;
    let cfg: StackConfig;
    const arnOf = (type: string, name: string) => named(run, type, name).state.arn as string;

    beforeAll(async () => {
      const config = stackConfigUnderTest(stack);
      cfg = parseStackConfig(config);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      run = await runUnderMocks({ stack, config, program: () => require('../index') });
    }, 120_000);

    test('registers every resource without errors, each custom resource under a component', () => {
      expect(run.errors).toEqual([]);
      const components = run.resources.filter((r) => !r.custom).map((r) => r.type);
      expect(components).toEqual(
        expect.arrayContaining([
          'bfstream:infra:Streams',
          'bfstream:infra:Landing',
          'bfstream:infra:PipelineFunctions',
          'bfstream:infra:ProducerSchedule',
          'bfstream:infra:Warehouse',
          'bfstream:infra:Ops',
          'bfstream:infra:Access',
        ]),
      );
      for (const r of run.resources.filter((x) => x.custom)) expect(r.parentUrn).toMatch(/bfstream:infra:/);
    });

    test('exports queue URLs, bucket, workgroup endpoint and dashboard links', () => {
      const o = run.outputs as any;
      expect(o.queueUrls.sales).toBe(named(run, Q, 'streams-sales').state.url);
      expect(o.queueUrls.inventory).toBe(named(run, Q, 'streams-inventory').state.url);
      expect(o.landingBucket).toBe(named(run, 'aws:s3/bucket:Bucket', 'landing-bucket').state.bucket);
      // Wired from the workgroup the program declared (the address itself is the mock's).
      const [workgroup, ...others] = ofType(run, 'aws:redshiftserverless/workgroup:Workgroup');
      expect(others).toEqual([]);
      expect(workgroup.inputs.workgroupName).toBe(`bfstream-${stack}`);
      const [endpoint] = workgroup.state.endpoints;
      expect(o.workgroupEndpoint).toBe(`${endpoint.address}:${endpoint.port}`);
      expect(o.dashboardUrls.cloudwatch).toContain(`dashboard/bfstream-${stack}-pipeline`);
      expect(o.migrationsHash).toMatch(/^[0-9a-f]{64}$/);
    });

    test('each queue: SSE, DLQ after maxReceiveCount, message size = producer packing, visibility >= 6 x timeout + window', () => {
      const producer = named(run, FN, 'functions-producer');
      for (const stream of ['sales', 'inventory']) {
        const queue = named(run, Q, `streams-${stream}`);
        const dlq = named(run, Q, `streams-${stream}-dlq`);
        expect(queue.inputs.sqsManagedSseEnabled).toBe(true);
        expect(dlq.inputs.sqsManagedSseEnabled).toBe(true);
        expect(JSON.parse(queue.inputs.redrivePolicy)).toEqual({
          deadLetterTargetArn: dlq.state.arn,
          maxReceiveCount: cfg.maxReceiveCount,
        });
        expect(queue.inputs.maxMessageSize).toBe(cfg.maxMessageBytes);
        expect(producer.inputs.environment.variables.MAX_MESSAGE_BYTES).toBe(String(queue.inputs.maxMessageSize));
        const consumer = named(run, FN, `functions-${stream}-consumer`);
        expect(queue.inputs.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
          6 * consumer.inputs.timeout + cfg.batchWindowSeconds,
        );
        const allow = named(run, 'aws:sqs/redriveAllowPolicy:RedriveAllowPolicy', `streams-${stream}-dlq-allow`);
        expect(allow.inputs.queueUrl).toBe(dlq.state.url);
        expect(JSON.parse(allow.inputs.redriveAllowPolicy)).toEqual({
          redrivePermission: 'byQueue',
          sourceQueueArns: [queue.state.arn],
        });
      }
    });

    test('each event source mapping: the right queue and function, ReportBatchItemFailures, batch settings from config', () => {
      const mappings = ofType(run, 'aws:lambda/eventSourceMapping:EventSourceMapping');
      expect(mappings).toHaveLength(2);
      for (const stream of ['sales', 'inventory']) {
        const m = named(run, 'aws:lambda/eventSourceMapping:EventSourceMapping', `functions-${stream}-mapping`);
        expect(m.inputs).toMatchObject({
          eventSourceArn: arnOf(Q, `streams-${stream}`),
          functionName: arnOf(FN, `functions-${stream}-consumer`),
          functionResponseTypes: ['ReportBatchItemFailures'],
          batchSize: cfg.batchSize,
          maximumBatchingWindowInSeconds: cfg.batchWindowSeconds,
          scalingConfig: { maximumConcurrency: cfg.maxConcurrency },
        });
      }
    });

    test('each function has its own role, and each role allows exactly its actions on its ARNs', () => {
      const logs = (fn: string) => ({
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [`${arnOf('aws:cloudwatch/logGroup:LogGroup', `${fn}-logs`)}:*`],
      });
      const bucketArn = arnOf('aws:s3/bucket:Bucket', 'landing-bucket');
      const expected: Record<string, any[]> = {
        'functions-producer': [
          {
            Sid: 'SendToStreamQueues',
            Effect: 'Allow',
            Action: ['sqs:SendMessage'],
            Resource: [arnOf(Q, 'streams-inventory'), arnOf(Q, 'streams-sales')],
          },
          {
            Sid: 'RecordFailedWindows',
            Effect: 'Allow',
            Action: ['sqs:SendMessage'],
            Resource: [arnOf(Q, 'functions-producer-failures')],
          },
          logs('functions-producer'),
        ],
        'functions-sales-consumer': [
          {
            Sid: 'ConsumeOwnQueue',
            Effect: 'Allow',
            Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
            Resource: [arnOf(Q, 'streams-sales')],
          },
          {
            Sid: 'WriteOwnPrefixes',
            Effect: 'Allow',
            Action: ['s3:PutObject'],
            Resource: [`${bucketArn}/rejected/sales/*`, `${bucketArn}/sales/*`],
          },
          logs('functions-sales-consumer'),
        ],
        'functions-inventory-consumer': [
          {
            Sid: 'ConsumeOwnQueue',
            Effect: 'Allow',
            Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
            Resource: [arnOf(Q, 'streams-inventory')],
          },
          {
            Sid: 'WriteOwnPrefixes',
            Effect: 'Allow',
            Action: ['s3:PutObject'],
            Resource: [`${bucketArn}/inventory/*`, `${bucketArn}/rejected/inventory/*`],
          },
          logs('functions-inventory-consumer'),
        ],
        'warehouse-migrator': [
          {
            Sid: 'RunStatements',
            Effect: 'Allow',
            Action: ['redshift-data:BatchExecuteStatement', 'redshift-data:ExecuteStatement'],
            Resource: [arnOf('aws:redshiftserverless/workgroup:Workgroup', 'warehouse-workgroup')],
          },
          {
            Sid: 'ReadOwnStatements',
            Effect: 'Allow',
            Action: [
              'redshift-data:CancelStatement',
              'redshift-data:DescribeStatement',
              'redshift-data:GetStatementResult',
            ],
            Resource: ['*'],
            Condition: { StringEquals: { 'redshift-data:statement-owner-iam-userid': '${aws:userid}' } },
          },
          { Sid: 'FindOwnStatements', Effect: 'Allow', Action: ['redshift-data:ListStatements'], Resource: ['*'] },
          {
            Sid: 'ListLandingPrefixes',
            Effect: 'Allow',
            Action: ['s3:ListBucket'],
            Resource: [bucketArn],
            Condition: { StringLike: { 's3:prefix': ['sales/*', 'inventory/*'] } },
          },
          {
            Sid: 'WriteSmokeTestCanaries',
            Effect: 'Allow',
            Action: ['s3:PutObject'],
            Resource: [`${bucketArn}/sales/_smoke/*`, `${bucketArn}/inventory/_smoke/*`],
          },
          {
            Sid: 'RecordFailedChecks',
            Effect: 'Allow',
            Action: ['sqs:SendMessage'],
            Resource: [arnOf(Q, 'warehouse-load-check-failures')],
          },
          {
            Sid: 'ReadAdminSecret',
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue'],
            Resource: [
              named(run, 'aws:redshiftserverless/namespace:Namespace', 'warehouse-namespace').state
                .adminPasswordSecretArn,
            ],
          },
          logs('warehouse-migrator'),
        ],
      };
      const roleArns = new Set<string>();
      for (const [fn, statements] of Object.entries(expected)) {
        const role = named(run, 'aws:iam/role:Role', `${fn}-role`);
        const policy = named(run, ROLE_POLICY, `${fn}-policy`);
        const func = named(run, FN, fn);
        expect(func.inputs.role).toBe(role.state.arn);
        roleArns.add(func.inputs.role);
        expect(policy.inputs.role).toBe(role.id);
        expect(shape(policyOf(policy).Statement)).toEqual(shape(statements));
        expect(policyOf(role, 'assumeRolePolicy').Statement).toEqual([
          {
            Sid: 'TrustService',
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
            Action: ['sts:AssumeRole'],
          },
        ]);
      }
      expect(roleArns.size).toBe(4);
    });

    test('the scheduler role may invoke the producer only; the copy role may only read the landing stream prefixes', () => {
      const schedulePolicy = policyOf(named(run, ROLE_POLICY, 'schedule-policy'));
      expect(shape(schedulePolicy.Statement)).toEqual(
        shape([
          {
            Sid: 'InvokeProducer',
            Effect: 'Allow',
            Action: ['lambda:InvokeFunction'],
            Resource: [arnOf(FN, 'functions-producer')],
          },
          { Sid: 'DeadLetter', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [arnOf(Q, 'schedule-dlq')] },
        ]),
      );
      const bucketArn = arnOf('aws:s3/bucket:Bucket', 'landing-bucket');
      expect(shape(policyOf(named(run, ROLE_POLICY, 'warehouse-copy-policy')).Statement)).toEqual(
        shape([
          {
            Sid: 'ReadLandingFiles',
            Effect: 'Allow',
            Action: ['s3:GetObject'],
            Resource: [`${bucketArn}/sales/*`, `${bucketArn}/inventory/*`],
          },
          {
            Sid: 'ListLandingPrefixes',
            Effect: 'Allow',
            Action: ['s3:ListBucket'],
            Resource: [bucketArn],
            Condition: { StringLike: { 's3:prefix': ['sales/*', 'inventory/*'] } },
          },
        ]),
      );
      const copyTrust = policyOf(named(run, 'aws:iam/role:Role', 'warehouse-copy-role'), 'assumeRolePolicy')
        .Statement[0];
      expect(copyTrust.Principal.Service).toEqual(['redshift.amazonaws.com', 'redshift-serverless.amazonaws.com']);
      expect(copyTrust.Condition).toBeUndefined();
      const schedulerTrust = policyOf(named(run, 'aws:iam/role:Role', 'schedule-role'), 'assumeRolePolicy')
        .Statement[0];
      expect(schedulerTrust).toMatchObject({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': MOCK_ACCOUNT } },
      });
    });

    test('no managed *FullAccess policy (nor any managed policy) anywhere', () => {
      const attachments = run.resources.filter((r) => /PolicyAttachment/.test(r.type));
      expect(attachments).toEqual([]);
      const text = JSON.stringify(run.resources.map((r) => r.inputs));
      expect(text).not.toMatch(/FullAccess/);
      expect(text).not.toMatch(/arn:aws:iam::aws:policy\//);
      for (const role of ofType(run, 'aws:iam/role:Role')) expect(role.inputs.managedPolicyArns ?? []).toEqual([]);
    });

    test('the landing bucket is private, encrypted, TLS-only, unversioned, with lifecycle from config and no BucketNotification', () => {
      const bucket = named(run, 'aws:s3/bucket:Bucket', 'landing-bucket');
      expect(bucket.inputs.forceDestroy).toBe(cfg.forceDestroy);
      expect(bucket.inputs.acl).toBeUndefined();
      const onBucket = (type: string) => run.resources.filter((r) => r.type === type && r.inputs.bucket === bucket.id);
      expect(onBucket('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock')[0].inputs).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(
        onBucket('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration')[0].inputs
          .rules[0].applyServerSideEncryptionByDefault.sseAlgorithm,
      ).toBe('AES256');
      expect(onBucket('aws:s3/bucketOwnershipControls:BucketOwnershipControls')[0].inputs.rule.objectOwnership).toBe(
        'BucketOwnerEnforced',
      );
      const deny = policyOf(onBucket('aws:s3/bucketPolicy:BucketPolicy')[0]).Statement.find(
        (s) => s.Sid === 'DenyInsecureTransport',
      );
      expect(deny).toEqual({
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: ['s3:*'],
        Resource: [bucket.state.arn, `${bucket.state.arn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
      const rules = onBucket('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration')[0].inputs.rules;
      expect(rules.map((r: any) => [r.filter.prefix, r.expiration?.days])).toEqual([
        ['sales/', cfg.rawRetentionDays],
        ['inventory/', cfg.rawRetentionDays],
        ['rejected/', cfg.rejectedRetentionDays],
        ['', undefined],
      ]);
      expect(ofType(run, 'aws:s3/bucketVersioning:BucketVersioning')).toEqual([]);
      expect(ofType(run, 'aws:s3/bucketNotification:BucketNotification')).toEqual([]);
      expect(ofType(run, 'aws:s3/bucketV2:BucketV2')).toEqual([]);
    });

    test('the scheduler targets the producer with the scheduled time, a retry policy and a DLQ', () => {
      const schedule = named(run, 'aws:scheduler/schedule:Schedule', 'schedule-schedule');
      expect(schedule.inputs.scheduleExpression).toBe(cfg.schedule);
      expect(schedule.inputs.state).toBe(cfg.scheduleEnabled ? 'ENABLED' : 'DISABLED');
      expect(schedule.inputs.target).toMatchObject({
        arn: arnOf(FN, 'functions-producer'),
        roleArn: arnOf('aws:iam/role:Role', 'schedule-role'),
        input: SCHEDULED_TIME_INPUT,
        deadLetterConfig: { arn: arnOf(Q, 'schedule-dlq') },
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: cfg.windowMinutes * 60 },
      });
      expect(JSON.parse(schedule.inputs.target.input)).toEqual({ scheduledTime: '<aws.scheduler.scheduled-time>' });
      // It starts only after the migration succeeded (the engine orders by this dependency).
      expect(schedule.dependencies).toContain(named(run, 'aws:lambda/invocation:Invocation', 'warehouse-migrate').urn);
      // A window that fails every async attempt is kept, with its event, for a replay.
      const asyncConfig = named(
        run,
        'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
        'functions-producer-async',
      );
      expect(asyncConfig.inputs).toMatchObject({
        functionName: named(run, FN, 'functions-producer').state.name,
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: Math.min(21_600, cfg.windowMinutes * 60),
        destinationConfig: { onFailure: { destination: arnOf(Q, 'functions-producer-failures') } },
      });
      expect(named(run, FN, 'functions-producer').inputs.environment.variables.WINDOW_MINUTES).toBe(
        String(cfg.windowMinutes),
      );
    });

    test('the warehouse: isolated VPC in 3 AZs without NAT, S3 gateway endpoint, private workgroup, managed password', () => {
      const vpc = named(run, 'awsx:ec2:Vpc', 'warehouse-vpc');
      expect(vpc.inputs).toMatchObject({
        cidrBlock: cfg.vpcCidr,
        numberOfAvailabilityZones: 3,
        natGateways: { strategy: 'None' },
        subnetSpecs: [{ type: 'Isolated', name: 'warehouse' }],
        vpcEndpointStrategy: 'Auto',
        vpcEndpointSpecs: [{ serviceName: 'com.amazonaws.us-east-1.s3', vpcEndpointType: 'Gateway' }],
      });
      const ns = named(run, 'aws:redshiftserverless/namespace:Namespace', 'warehouse-namespace');
      expect(ns.inputs).toMatchObject({
        namespaceName: `bfstream-${stack}`,
        manageAdminPassword: true,
        dbName: cfg.database,
        adminUsername: cfg.adminUsername,
        iamRoles: [arnOf('aws:iam/role:Role', 'warehouse-copy-role')],
      });
      expect(ns.inputs.adminUserPassword).toBeUndefined();
      expect(JSON.stringify(run.resources.map((r) => r.inputs))).not.toMatch(/"adminUserPassword"/);
      const wg = named(run, 'aws:redshiftserverless/workgroup:Workgroup', 'warehouse-workgroup');
      expect(wg.inputs).toMatchObject({
        publiclyAccessible: false,
        enhancedVpcRouting: true,
        baseCapacity: cfg.baseCapacity,
        namespaceName: ns.inputs.namespaceName,
        subnetIds: vpc.state.isolatedSubnetIds,
      });
      expect(wg.inputs.subnetIds).toHaveLength(3);
      if (cfg.maxCapacity) expect(wg.inputs.maxCapacity).toBe(cfg.maxCapacity);
      const sg = named(run, 'aws:ec2/securityGroup:SecurityGroup', 'warehouse-sg');
      expect(wg.inputs.securityGroupIds).toEqual([sg.id]);
      expect(sg.inputs.ingress).toEqual([
        expect.objectContaining({ fromPort: 5439, toPort: 5439, cidrBlocks: [cfg.vpcCidr] }),
      ]);
    });

    test('the integration, the bucket policy and the namespace resource policy point at each other', () => {
      const bucketArn = arnOf('aws:s3/bucket:Bucket', 'landing-bucket');
      const ns = named(run, 'aws:redshiftserverless/namespace:Namespace', 'warehouse-namespace');
      const integration = named(run, 'aws:redshift/integration:Integration', 'warehouse-integration');
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
      const bucketPolicy = policyOf(named(run, 'aws:s3/bucketPolicy:BucketPolicy', 'landing-policy'));
      expect(bucketPolicy.Statement.find((s) => s.Sid === 'AllowRedshiftEventIntegration')).toEqual({
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
        expect.arrayContaining([rp.urn, named(run, 'aws:s3/bucketPolicy:BucketPolicy', 'landing-policy').urn]),
      );
    });

    test('the migrator runs on the migrations hash and the namespace id, after the workgroup and the integration, as the namespace admin', () => {
      const invocation = named(run, 'aws:lambda/invocation:Invocation', 'warehouse-migrate');
      const hash = (run.outputs as any).migrationsHash;
      // A replaced namespace has a new namespaceId: the Invocation runs again on the empty database.
      const namespaceId = named(run, 'aws:redshiftserverless/namespace:Namespace', 'warehouse-namespace').state
        .namespaceId;
      expect(namespaceId).toMatch(/^[0-9a-f-]{36}$/);
      expect(invocation.inputs.triggers).toEqual({ migrationsHash: hash, namespaceId });
      expect(JSON.parse(invocation.inputs.input)).toEqual({ hash, namespaceId });
      expect(invocation.inputs.functionName).toBe(named(run, FN, 'warehouse-migrator').state.name);
      expect(invocation.dependencies).toEqual(
        expect.arrayContaining([
          named(run, 'aws:redshift/integration:Integration', 'warehouse-integration').urn,
          named(run, 'aws:redshiftserverless/workgroup:Workgroup', 'warehouse-workgroup').urn,
        ]),
      );
      const env = named(run, FN, 'warehouse-migrator').inputs.environment.variables;
      expect(env).toEqual({
        WORKGROUP_NAME: `bfstream-${stack}`,
        DATABASE: cfg.database,
        SECRET_ARN: named(run, 'aws:redshiftserverless/namespace:Namespace', 'warehouse-namespace').state
          .adminPasswordSecretArn,
        LANDING_BUCKET: (run.outputs as any).landingBucket,
      });
      // No configParameters: a partial set fails every later `pulumi up` (pulumi-aws #4405).
      expect(
        named(run, 'aws:redshiftserverless/workgroup:Workgroup', 'warehouse-workgroup').inputs.configParameters,
      ).toBeUndefined();
    });

    test('functions: runtime and sizes from config, JSON logs to their own log group with the configured retention', () => {
      for (const fn of ofType(run, FN)) {
        expect(fn.inputs.runtime).toBe(cfg.lambdaRuntime);
        const group = ofType(run, 'aws:cloudwatch/logGroup:LogGroup').find(
          (g) => g.state.name === fn.inputs.loggingConfig.logGroup,
        );
        expect(group?.name).toBe(`${fn.name}-logs`);
        expect(group?.inputs.retentionInDays).toBe(cfg.logRetentionDays);
        expect(fn.inputs.loggingConfig.logFormat).toBe('JSON');
      }
      expect(named(run, FN, 'functions-producer').inputs).toMatchObject({
        memorySize: cfg.producerMemoryMb,
        timeout: cfg.producerTimeoutSeconds,
      });
      expect(named(run, FN, 'functions-sales-consumer').inputs).toMatchObject({
        memorySize: cfg.consumerMemoryMb,
        timeout: cfg.consumerTimeoutSeconds,
        environment: { variables: { LANDING_BUCKET: (run.outputs as any).landingBucket } },
      });
    });

    test('each archive is the bundled handler (index.js) and its data; every module it requires is one the runtime provides', async () => {
      const expectedFunctions = {
        'functions-producer': 'catalog.json',
        'functions-sales-consumer': 'dims.json',
        'functions-inventory-consumer': 'dims.json',
        'warehouse-migrator': 'migrations.json',
      } as const;
      for (const [resource, data] of Object.entries(expectedFunctions)) {
        const fn = named(run, FN, resource);
        expect(fn.inputs.handler).toBe(HANDLER);
        const assets = await fn.inputs.code.assets;
        expect(Object.keys(assets).sort()).toEqual([data, BUNDLE_FILE].sort());
        const text: string = await assets[BUNDLE_FILE].text;
        expect(text).not.toMatch(/faker/i);
        const required = [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
        for (const mod of required) expect([resource, mod, isProvidedByRuntime(mod)]).toEqual([resource, mod, true]);
      }
    });

    test('IAM groups per persona require MFA; three users, one per group; no access keys or passwords', () => {
      const groups = ofType(run, 'aws:iam/group:Group');
      expect(groups.map((g) => g.name).sort()).toEqual(['access-analysts', 'access-engineers', 'access-viewers']);
      for (const g of groups) {
        const statements = policyOf(named(run, 'aws:iam/groupPolicy:GroupPolicy', `${g.name}-policy`)).Statement;
        const deny = statements.find((s) => s.Sid === 'DenyAllWithoutMfa');
        expect(deny).toMatchObject({
          Effect: 'Deny',
          Resource: ['*'],
          Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
        });
        expect(deny.NotAction).toEqual(
          expect.arrayContaining(['iam:EnableMFADevice', 'iam:CreateVirtualMFADevice', 'sts:GetSessionToken']),
        );
      }
      const engineer = policyOf(named(run, 'aws:iam/groupPolicy:GroupPolicy', 'access-engineers-policy')).Statement.map(
        (s) => s.Sid,
      );
      const analyst = policyOf(named(run, 'aws:iam/groupPolicy:GroupPolicy', 'access-analysts-policy')).Statement.map(
        (s) => s.Sid,
      );
      const viewer = policyOf(named(run, 'aws:iam/groupPolicy:GroupPolicy', 'access-viewers-policy')).Statement.map(
        (s) => s.Sid,
      );
      expect(engineer).toEqual(
        expect.arrayContaining(['RedriveDeadLetterQueues', 'RunPipelineFunctions', 'QueryWarehouse']),
      );
      expect(analyst).toContain('QueryWarehouse');
      expect(analyst).not.toContain('RedriveDeadLetterQueues');
      expect(viewer).not.toContain('QueryWarehouse');
      expect(viewer).toContain('ViewPipelineDashboard');
      const readAlarms = policyOf(
        named(run, 'aws:iam/groupPolicy:GroupPolicy', 'access-viewers-policy'),
      ).Statement.find((st) => st.Sid === 'ReadAlarms');
      expect(readAlarms).toEqual({
        Sid: 'ReadAlarms',
        Effect: 'Allow',
        Action: ['cloudwatch:DescribeAlarms'],
        Resource: [`arn:aws:cloudwatch:us-east-1:${MOCK_ACCOUNT}:alarm:*`],
      });
      const users = ofType(run, 'aws:iam/user:User');
      expect(users.map((u) => u.inputs.name).sort()).toEqual(cfg.users.map((u) => u.name).sort());
      for (const m of ofType(run, 'aws:iam/userGroupMembership:UserGroupMembership'))
        expect(m.inputs.groups).toHaveLength(1);
      for (const type of ['aws:iam/accessKey:AccessKey', 'aws:iam/userLoginProfile:UserLoginProfile'])
        expect(ofType(run, type)).toEqual([]);
    });

    test('ops: an encrypted alarm topic and alarms on DLQs, queue age, consumer and producer errors', () => {
      const topic = named(run, 'aws:sns/topic:Topic', 'ops-alarms');
      expect(topic.inputs.kmsMasterKeyId).toBe(arnOf('aws:kms/key:Key', 'ops-alarms-key'));
      const alarms = ofType(run, 'aws:cloudwatch/metricAlarm:MetricAlarm');
      for (const a of alarms) expect(a.inputs.alarmActions).toEqual([topic.state.arn]);
      const byName = Object.fromEntries(alarms.map((a) => [a.name, a.inputs]));
      expect(byName['ops-sales-dlq-not-empty']).toMatchObject({
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: named(run, Q, 'streams-sales-dlq').state.name },
        threshold: 0,
      });
      expect(byName['ops-inventory-oldest-message']).toMatchObject({
        metricName: 'ApproximateAgeOfOldestMessage',
        threshold: cfg.oldestMessageAgeAlarmSeconds,
      });
      expect(byName['ops-sales-consumer-errors'].dimensions).toEqual({
        FunctionName: named(run, FN, 'functions-sales-consumer').state.name,
      });
      expect(byName['ops-producer-errors'].dimensions).toEqual({
        FunctionName: named(run, FN, 'functions-producer').state.name,
      });
      expect(byName['ops-schedule-dlq-not-empty']).toBeDefined();
      expect(byName['ops-producer-failed-windows']).toMatchObject({
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: named(run, Q, 'functions-producer-failures').state.name },
        threshold: 0,
      });
      // Auto-copy load errors: the migrator's scheduled check publishes them; the alarm watches the workgroup's count.
      expect(byName['ops-copy-job-load-errors']).toMatchObject({
        namespace: 'bfstream/Warehouse',
        metricName: 'CopyJobLoadErrors',
        dimensions: { Workgroup: `bfstream-${stack}` },
        statistic: 'Sum',
        threshold: 0,
      });
      expect(byName['ops-load-check-failures'].dimensions).toEqual({
        QueueName: named(run, Q, 'warehouse-load-check-failures').state.name,
      });
      const check = named(run, 'aws:scheduler/schedule:Schedule', 'warehouse-load-check');
      expect(check.inputs.target).toMatchObject({
        arn: arnOf(FN, 'warehouse-migrator'),
        input: JSON.stringify({ check: 'copyJobErrors', sinceMinutes: 5 }),
        deadLetterConfig: { arn: arnOf(Q, 'warehouse-load-check-failures') },
      });
      expect(check.inputs.scheduleExpression).toBe('rate(5 minutes)');
      expect(check.dependencies).toContain(named(run, 'aws:lambda/invocation:Invocation', 'warehouse-migrate').urn);
      for (const metricName of ['AsyncEventsDropped', 'DestinationDeliveryFailures']) {
        expect(alarms.find((a) => a.inputs.metricName === metricName)?.inputs).toMatchObject({
          namespace: 'AWS/Lambda',
          dimensions: { FunctionName: named(run, FN, 'functions-producer').state.name },
          threshold: 0,
        });
      }
      const subscriptions = ofType(run, 'aws:sns/topicSubscription:TopicSubscription');
      expect(subscriptions.map((s) => s.inputs.endpoint)).toEqual(cfg.alarmEmail ? [cfg.alarmEmail] : []);
      const body = JSON.parse(named(run, 'aws:cloudwatch/dashboard:Dashboard', 'ops-dashboard').inputs.dashboardBody);
      expect([...body.widgets[0].properties.alarms].sort()).toEqual(alarms.map((a) => a.state.arn).sort());
    });

    test('the QuickSight dashboard is off unless enabled', () => {
      expect(ofType(run, 'aws:quicksight/dataSource:DataSource')).toHaveLength(cfg.dashboardEnabled ? 1 : 0);
    });

    test('the policy pack finds zero violations', () => {
      expect(runPolicies(run.resources)).toEqual([]);
    });
  });
}

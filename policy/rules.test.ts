// Each rule of the policy pack fires on a deliberately broken resource, and stays
// quiet on a small well-formed graph. (Zero violations over the real program's graph
// of both stacks is asserted in test/program/.)
import { runPolicies, type RecordedResource } from './runLocal';
import { policies, resourceTypes, statementsOf } from './rules';
import { stackLifeTypes, WORKGROUP_CONFIG_KEYS } from './stackLife';

const urn = (type: string, name: string) => `urn:pulumi:test::bfstream::${type}::${name}`;

function res(
  type: string,
  name: string,
  inputs: Record<string, any>,
  deps: Record<string, RecordedResource[]> = {},
  outputs: Record<string, any> = {},
): RecordedResource {
  return {
    urn: urn(type, name),
    type,
    name,
    custom: true,
    inputs,
    state: { ...inputs, ...outputs },
    propertyDependencies: Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v.map((r) => r.urn)])),
    dependencies: Object.values(deps).flatMap((v) => v.map((r) => r.urn)),
  };
}

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const T = resourceTypes;
const L = stackLifeTypes;

type Overrides = Partial<Record<string, (r: RecordedResource) => RecordedResource>>;

/** A small graph shaped like the program's; `override` swaps one resource for a broken one. */
function graph(
  override: Overrides = {},
  extra: (g: Record<string, RecordedResource>) => RecordedResource[] = () => [],
): RecordedResource[] {
  const o = (key: string, r: RecordedResource) => (override[key] ? override[key]!(r) : r);
  const bucket = o(
    'bucket',
    res(T.bucket, 'landing-bucket', { forceDestroy: false }, {}, { arn: 'arn:aws:s3:::landing', bucket: 'landing' }),
  );
  const pab = o(
    'pab',
    res(
      T.publicAccessBlock,
      'landing-public-access',
      {
        bucket: 'landing',
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { bucket: [bucket] },
    ),
  );
  const sse = o(
    'sse',
    res(
      T.encryption,
      'landing-encryption',
      { bucket: 'landing', rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      { bucket: [bucket] },
    ),
  );
  const bucketPolicy = o(
    'bucketPolicy',
    res(
      T.bucketPolicy,
      'landing-policy',
      {
        bucket: 'landing',
        policy: doc(
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: ['s3:*'],
            Resource: ['arn:aws:s3:::landing'],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
          {
            Sid: 'AllowRedshiftEventIntegration',
            Effect: 'Allow',
            Principal: { Service: 'redshift.amazonaws.com' },
            Action: ['s3:GetBucketNotification', 's3:PutBucketNotification', 's3:GetBucketLocation'],
            Resource: ['arn:aws:s3:::landing'],
          },
        ),
      },
      { bucket: [bucket], policy: [bucket] },
    ),
  );
  const dlq = o(
    'dlq',
    res(T.queue, 'sales-dlq', { sqsManagedSseEnabled: true }, {}, { arn: 'arn:aws:sqs:us-east-1:1:sales-dlq' }),
  );
  const queue = o(
    'queue',
    res(
      T.queue,
      'sales',
      { sqsManagedSseEnabled: true, visibilityTimeoutSeconds: 365, redrivePolicy: '{"maxReceiveCount":5}' },
      { redrivePolicy: [dlq] },
      { arn: 'arn:aws:sqs:us-east-1:1:sales' },
    ),
  );
  const logGroup = o('logGroup', res(T.logGroup, 'consumer-logs', { retentionInDays: 14 }));
  const fn = o(
    'lambda',
    res(
      T.lambda,
      'consumer',
      { runtime: 'nodejs22.x', timeout: 60, loggingConfig: { logGroup: 'consumer-logs', logFormat: 'JSON' } },
      { loggingConfig: [logGroup] },
    ),
  );
  const mapping = o(
    'mapping',
    res(
      T.mapping,
      'consumer-mapping',
      {
        functionResponseTypes: ['ReportBatchItemFailures'],
        scalingConfig: { maximumConcurrency: 5 },
        maximumBatchingWindowInSeconds: 5,
      },
      { eventSourceArn: [queue], functionName: [fn] },
    ),
  );
  const scheduleDlq = o('scheduleDlq', res(T.queue, 'schedule-dlq', { sqsManagedSseEnabled: true }));
  const namespace = o(
    'namespace',
    res(
      T.namespace,
      'namespace',
      { manageAdminPassword: true },
      {},
      { arn: 'arn:aws:redshift-serverless:us-east-1:1:namespace/x' },
    ),
  );
  const workgroup = o(
    'workgroup',
    res(T.workgroup, 'workgroup', {
      publiclyAccessible: false,
      enhancedVpcRouting: true,
      baseCapacity: 8,
      maxCapacity: 32,
    }),
  );
  const redshiftPolicy = o(
    'redshiftPolicy',
    res(
      T.redshiftPolicy,
      'namespace-policy',
      { policy: doc({ Effect: 'Allow' }) },
      { resourceArn: [namespace], policy: [namespace, bucket] },
    ),
  );
  const integration = o(
    'integration',
    res(T.integration, 'integration', {}, { sourceArn: [bucket], targetArn: [namespace] }),
  );
  const rolePolicy = o(
    'rolePolicy',
    res(T.rolePolicy, 'consumer-policy', {
      policy: doc({
        Sid: 'Consume',
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage'],
        Resource: ['arn:aws:sqs:us-east-1:1:sales'],
      }),
    }),
  );
  const topic = o('topic', res(T.topic, 'alarms', { kmsMasterKeyId: 'arn:aws:kms:us-east-1:1:key/x' }));
  const migration = o('migration', res(L.invocation, 'warehouse-migrate', { input: '{}' }));
  const producer = o(
    'producer',
    res(
      T.lambda,
      'producer',
      { runtime: 'nodejs22.x', timeout: 60, loggingConfig: { logGroup: 'consumer-logs', logFormat: 'JSON' } },
      { loggingConfig: [logGroup] },
    ),
  );
  const failures = o(
    'failures',
    res(
      T.queue,
      'producer-failures',
      { sqsManagedSseEnabled: true },
      {},
      { arn: 'arn:aws:sqs:us-east-1:1:producer-failures' },
    ),
  );
  const asyncConfig = o(
    'asyncConfig',
    res(
      L.eventInvokeConfig,
      'producer-async',
      {
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: 300,
        destinationConfig: { onFailure: { destination: 'arn:aws:sqs:us-east-1:1:producer-failures' } },
      },
      { functionName: [producer], destinationConfig: [failures] },
    ),
  );
  const scheduleBase = res(
    T.schedule,
    'schedule',
    {
      scheduleExpression: 'rate(5 minutes)',
      startDate: '2027-11-25T05:00:00Z',
      endDate: '2027-11-30T05:00:00Z',
      target: {
        arn: 'arn:fn',
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 300 },
        deadLetterConfig: { arn: 'arn:aws:sqs:us-east-1:1:schedule-dlq' },
      },
    },
    { target: [scheduleDlq, producer] },
  );
  const schedule = o('schedule', { ...scheduleBase, dependencies: [...scheduleBase.dependencies, migration.urn] });
  const all = {
    bucket,
    pab,
    sse,
    bucketPolicy,
    dlq,
    queue,
    logGroup,
    fn,
    mapping,
    scheduleDlq,
    schedule,
    namespace,
    workgroup,
    redshiftPolicy,
    integration,
    rolePolicy,
    topic,
    migration,
    producer,
    failures,
    asyncConfig,
  };
  return [...Object.values(all), ...extra(all)];
}

const edit = (patch: (inputs: Record<string, any>) => Record<string, any>) => (r: RecordedResource) => {
  const inputs = patch(structuredClone(r.inputs));
  const outputs = Object.fromEntries(Object.entries(r.state).filter(([k]) => !(k in r.inputs)));
  return { ...r, inputs, state: { ...outputs, ...inputs } };
};
const dropDeps = (key: string) => (r: RecordedResource) => ({
  ...r,
  propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).filter(([k]) => k !== key)),
});

/** Broken variants, each expected to trip exactly the named rule. */
const broken: Record<string, { graph: () => RecordedResource[]; message: RegExp }[]> = {
  'iam-no-managed-policies': [
    {
      graph: () =>
        graph({}, () => [
          res('aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'default-role-s3', {
            role: 'r',
            policyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess',
          }),
        ]),
      message: /AmazonS3FullAccess \(full access\)/,
    },
    {
      graph: () =>
        graph({}, () => [
          res('aws:iam/role:Role', 'r', { managedPolicyArns: ['arn:aws:iam::aws:policy/AWSLambda_FullAccess'] }),
        ]),
      message: /AWSLambda_FullAccess/,
    },
  ],
  'iam-least-privilege': [
    {
      graph: () =>
        graph({
          rolePolicy: edit((i) => ({
            ...i,
            policy: doc({ Sid: 'All', Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::landing/*'] }),
          })),
        }),
      message: /wildcard action s3:\*/,
    },
    {
      graph: () =>
        graph({
          rolePolicy: edit((i) => ({
            ...i,
            policy: doc({ Sid: 'Any', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: '*' }),
          })),
        }),
      message: /sqs:SendMessage on Resource "\*"/,
    },
    {
      graph: () =>
        graph({
          rolePolicy: edit((i) => ({
            ...i,
            policy: doc({ Sid: 'Not', Effect: 'Allow', NotAction: ['iam:*'], Resource: ['arn:x'] }),
          })),
        }),
      message: /NotAction/,
    },
  ],
  'iam-no-long-lived-credentials': [
    {
      graph: () => graph({}, () => [res('aws:iam/accessKey:AccessKey', 'key', { user: 'bf-engineer' })]),
      message: /long-lived credential/,
    },
  ],
  'sqs-encrypted': [
    {
      graph: () => graph({ queue: edit((i) => ({ ...i, sqsManagedSseEnabled: false })) }),
      message: /neither sqsManagedSseEnabled/,
    },
  ],
  'sns-encrypted': [
    { graph: () => graph({ topic: edit(({ kmsMasterKeyId: _drop, ...i }) => i) }), message: /no kmsMasterKeyId/ },
  ],
  'log-retention': [
    { graph: () => graph({ logGroup: edit(({ retentionInDays: _drop, ...i }) => i) }), message: /retentionInDays/ },
  ],
  'lambda-supported-runtime': [
    { graph: () => graph({ lambda: edit((i) => ({ ...i, runtime: 'nodejs16.x' })) }), message: /nodejs16\.x/ },
  ],
  'sqs-partial-batch-responses': [
    {
      graph: () => graph({ mapping: edit(({ functionResponseTypes: _drop, ...i }) => i) }),
      message: /ReportBatchItemFailures/,
    },
    { graph: () => graph({ mapping: edit(({ scalingConfig: _drop, ...i }) => i) }), message: /maximumConcurrency/ },
  ],
  's3-current-resources': [
    { graph: () => graph({}, () => [res('aws:s3/bucketV2:BucketV2', 'old', {})]), message: /deprecated/ },
    { graph: () => graph({ bucket: edit((i) => ({ ...i, acl: 'public-read' })) }), message: /public/ },
  ],
  'redshift-private': [
    {
      graph: () => graph({ workgroup: edit((i) => ({ ...i, publiclyAccessible: true })) }),
      message: /publiclyAccessible: false/,
    },
    {
      graph: () => graph({ workgroup: edit(({ enhancedVpcRouting: _drop, ...i }) => i) }),
      message: /enhancedVpcRouting/,
    },
  ],
  'redshift-managed-password': [
    {
      graph: () => graph({ namespace: edit(() => ({ adminUsername: 'admin', adminUserPassword: 'hunter2hunter2' })) }),
      message: /manageAdminPassword|adminUserPassword/,
    },
  ],
  'quicksight-custom-sql-columns': [
    {
      graph: () =>
        graph({}, () => [
          res(L.dataSet, 'top-products', {
            dataSetId: 'bfstream-dev-top-products',
            importMode: 'DIRECT_QUERY',
            physicalTableMaps: [
              {
                physicalTableMapId: 'topProducts',
                customSql: { dataSourceArn: 'arn:ds', name: 'q', sqlQuery: 'SELECT 1' },
              },
            ],
          }),
        ]),
      message: /custom-SQL table topProducts declares no columns/,
    },
  ],
  'redshift-workgroup-config-parameters': [
    {
      // The program's original setting: one key of the set AWS returns (pulumi-aws #4405).
      graph: () =>
        graph({
          workgroup: edit((i) => ({
            ...i,
            configParameters: [{ parameterKey: 'require_ssl', parameterValue: 'true' }],
          })),
        }),
      message: /declares configParameters require_ssl but not auto_mv, datestyle/,
    },
  ],
  'redshift-workgroup-max-capacity': [
    {
      // The program's original setting with bfstream:maxCapacity 0: the key left out ("no cap").
      graph: () => graph({ workgroup: edit(({ maxCapacity: _drop, ...i }) => i) }),
      message: /declares no maxCapacity \(got undefined\): its compute has no cap/,
    },
    {
      graph: () => graph({ workgroup: edit((i) => ({ ...i, maxCapacity: -1 })) }),
      message: /no maxCapacity \(got -1\)/,
    },
    { graph: () => graph({ workgroup: edit((i) => ({ ...i, maxCapacity: 4 })) }), message: /below its baseCapacity 8/ },
  ],
  'schedule-bounded-by-calendar': [
    {
      // The program's original producer and load-check schedules: a rate with no dates, all year.
      graph: () => graph({ schedule: edit(({ startDate: _s, endDate: _e, ...i }) => i) }),
      message: /no endDate: it runs, and wakes the warehouse, every day of the year/,
    },
    {
      graph: () => graph({ schedule: edit((i) => ({ ...i, startDate: '2027-12-01T00:00:00Z' })) }),
      message: /starts \(2027-12-01T00:00:00Z\) at or after its end/,
    },
  ],
  'schedule-after-migration': [
    {
      graph: () => graph({ schedule: (r) => ({ ...r, dependencies: [] }) }),
      message: /does not depend on the migration Invocation/,
    },
  ],
  'scheduled-function-failure-destination': [
    { graph: () => graph({ asyncConfig: dropDeps('functionName') }), message: /no FunctionEventInvokeConfig/ },
    {
      // (the queue then needs its own DLQ, or the DLQ rule fires too)
      graph: () =>
        graph({
          asyncConfig: (r) => edit(({ destinationConfig: _drop, ...i }) => i)(dropDeps('destinationConfig')(r)),
          failures: edit((i) => ({ ...i, redrivePolicy: '{"maxReceiveCount":5}' })),
        }),
      message: /no on-failure destination/,
    },
    {
      graph: () => graph({ asyncConfig: edit((i) => ({ ...i, maximumEventAgeInSeconds: 3600 })) }),
      message: /3600 exceeds the schedule's 300/,
    },
  ],
  'scheduler-retries-and-dlq': [
    {
      graph: () => graph({ schedule: edit((i) => ({ ...i, target: { arn: 'arn:fn' } })) }),
      message: /retryPolicy|deadLetterConfig/,
    },
  ],
  's3-private-encrypted-tls-only': [
    {
      graph: () => graph({ pab: edit((i) => ({ ...i, restrictPublicBuckets: false })) }),
      message: /restrictPublicBuckets/,
    },
    { graph: () => graph({ sse: dropDeps('bucket') }), message: /default encryption/ },
    {
      graph: () => graph({ bucketPolicy: edit((i) => ({ ...i, policy: doc(JSON.parse(i.policy).Statement[1]) })) }),
      message: /SecureTransport/,
    },
  ],
  'sqs-dead-letter-queues': [
    { graph: () => graph({ queue: edit(({ redrivePolicy: _drop, ...i }) => i) }), message: /no DLQ/ },
  ],
  'sqs-visibility-covers-function': [
    {
      graph: () => graph({ queue: edit((i) => ({ ...i, visibilityTimeoutSeconds: 60 })) }),
      message: /60s < 6 x 60s \+ 5s = 365s/,
    },
  ],
  'lambda-own-log-group': [
    { graph: () => graph({ lambda: dropDeps('loggingConfig') }), message: /declared log group/ },
  ],
  'redshift-auto-copy-integration': [
    { graph: () => graph({ redshiftPolicy: dropDeps('resourceArn') }), message: /no redshift ResourcePolicy/ },
    {
      graph: () =>
        graph({ redshiftPolicy: (r) => ({ ...r, propertyDependencies: { ...r.propertyDependencies, policy: [] } }) }),
      message: /does not name the source bucket/,
    },
    {
      graph: () =>
        graph({}, (g) => [
          res(
            'aws:s3/bucketNotification:BucketNotification',
            'landing-events',
            { bucket: 'landing' },
            { bucket: [g.bucket] },
          ),
        ]),
      message: /integration owns/,
    },
    {
      graph: () => graph({ bucketPolicy: edit((i) => ({ ...i, policy: doc(JSON.parse(i.policy).Statement[0]) })) }),
      message: /redshift\.amazonaws\.com manage/,
    },
  ],
};

const trust = (service: string, condition?: object) =>
  doc({
    Sid: 'TrustService',
    Effect: 'Allow',
    Principal: { Service: service },
    Action: ['sts:AssumeRole'],
    ...(condition ? { Condition: condition } : {}),
  });
const sourceAccount = { StringEquals: { 'aws:SourceAccount': '1' } };
const role = (name: string, policy: string) => res(T.role, name, { assumeRolePolicy: policy });
const keyPolicy = (actions: string[]) =>
  doc({
    Sid: 'CloudWatchPublishes',
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: actions,
    Resource: ['*'],
  });
/** A topic under a key the graph declares. */
const topicUnderKey = (actions: string[]) => {
  const key = res(T.kmsKey, 'alarms-key', { policy: keyPolicy(actions) });
  return [
    key,
    res(T.topic, 'keyed-alarms', { kmsMasterKeyId: 'arn:aws:kms:us-east-1:1:key/y' }, { kmsMasterKeyId: [key] }),
  ];
};
const auditGraph = (logGroupNames: string[]) => [
  res(T.namespace, 'audited', {
    manageAdminPassword: true,
    namespaceName: 'bf',
    logExports: ['userlog', 'connectionlog'],
  }),
  ...logGroupNames.map((name) => res(T.logGroup, name, { name, retentionInDays: 90 })),
];

Object.assign(broken, {
  'iam-service-trust-source': [
    // Scheduler's example carries aws:SourceAccount; Lambda's, Redshift's and QuickSight's carry none.
    {
      graph: () => graph({}, () => [role('schedule-role', trust('scheduler.amazonaws.com'))]),
      message: /without aws:SourceAccount/,
    },
    {
      graph: () => graph({}, () => [role('vpc-role', trust('quicksight.amazonaws.com', sourceAccount))]),
      message: /does not send/,
    },
    { graph: () => graph({}, () => [role('x-role', trust('example.amazonaws.com'))]), message: /SERVICE_TRUST_SOURCE/ },
  ],
  'sns-key-lets-cloudwatch-publish': [
    {
      graph: () => graph({}, () => topicUnderKey(['kms:Decrypt', 'kms:GenerateDataKey'])),
      message: /GenerateDataKey\*/,
    },
  ],
  'redshift-audit-logs-expire': [
    { graph: () => graph({}, () => auditGraph(['/aws/redshift/bf/userlog'])), message: /connectionlog/ },
  ],
});

describe('policy pack rules', () => {
  test('trusts, topic keys and audit log groups as AWS documents them pass', () => {
    expect(
      runPolicies(
        graph({}, () => [
          role('schedule-role', trust('scheduler.amazonaws.com', sourceAccount)),
          role('fn-role', trust('lambda.amazonaws.com')),
          ...topicUnderKey(['kms:Decrypt', 'kms:GenerateDataKey*']),
          ...auditGraph(['/aws/redshift/bf/userlog', '/aws/redshift/bf/connectionlog']),
        ]),
      ),
    ).toEqual([]);
  });

  test('a well-formed graph passes every rule', () => {
    expect(runPolicies(graph())).toEqual([]);
  });

  test('every rule has at least one deliberately broken case', () => {
    expect(Object.keys(broken).sort()).toEqual(policies.map((p) => p.name).sort());
  });

  for (const [rule, cases] of Object.entries(broken)) {
    test.each(cases.map((c, i) => [i, c] as const))(
      `${rule} fires on broken case %i (and no other rule does)`,
      (_i, c) => {
        const violations = runPolicies(c.graph());
        expect(violations.length).toBeGreaterThan(0);
        expect([...new Set(violations.map((v) => v.policy))]).toEqual([rule]);
        expect(violations.map((v) => v.message).join('\n')).toMatch(c.message);
      },
    );
  }

  test('a workgroup that declares every config parameter, or none, passes', () => {
    const all = WORKGROUP_CONFIG_KEYS.map((parameterKey) => ({ parameterKey, parameterValue: 'x' }));
    expect(runPolicies(graph({ workgroup: edit((i) => ({ ...i, configParameters: all })) }))).toEqual([]);
    expect(runPolicies(graph({ workgroup: edit((i) => ({ ...i, configParameters: [] })) }))).toEqual([]);
  });

  test('unknown (preview-time) policy documents are skipped, not guessed', () => {
    expect(statementsOf(undefined)).toBeUndefined();
    expect(statementsOf('not json')).toBeUndefined();
    expect(runPolicies(graph({ rolePolicy: edit((i) => ({ ...i, policy: undefined })) }))).toEqual([]);
  });
});

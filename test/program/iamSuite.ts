// The service roles: each function's role allows exactly its statements on its ARNs; the
// scheduler's and the warehouse copy role's likewise; no managed policy anywhere.
import { MOCK_ACCOUNT, named, ofType } from '../../tools/mockGraph';
import { BUCKET, FN, NAMESPACE, Q, ROLE, ROLE_POLICY, WORKGROUP, policyOf, shape, type StackRun } from './stackRun';

type Statement = Record<string, unknown>;

const logs = (s: StackRun, fn: string): Statement => ({
  Sid: 'WriteOwnLogs',
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: [`${s.arnOf('aws:cloudwatch/logGroup:LogGroup', `${fn}-logs`)}:*`],
});

/** The landing prefixes the warehouse lists (`s3:prefix` condition of ListBucket). */
const listLanding = (bucketArn: string): Statement => ({
  Sid: 'ListLandingPrefixes',
  Effect: 'Allow',
  Action: ['s3:ListBucket'],
  Resource: [bucketArn],
  Condition: { StringLike: { 's3:prefix': ['sales/*', 'inventory/*'] } },
});

function producerStatements(s: StackRun): Statement[] {
  return [
    {
      Sid: 'SendToStreamQueues',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: [s.arnOf(Q, 'streams-inventory'), s.arnOf(Q, 'streams-sales')],
    },
    {
      Sid: 'RecordFailedWindows',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: [s.arnOf(Q, 'functions-producer-failures')],
    },
    logs(s, 'functions-producer'),
  ];
}

function consumerStatements(s: StackRun, stream: 'sales' | 'inventory'): Statement[] {
  const bucketArn = s.arnOf(BUCKET, 'landing-bucket');
  return [
    {
      Sid: 'ConsumeOwnQueue',
      Effect: 'Allow',
      Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
      Resource: [s.arnOf(Q, `streams-${stream}`)],
    },
    {
      Sid: 'WriteOwnPrefixes',
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: [`${bucketArn}/rejected/${stream}/*`, `${bucketArn}/${stream}/*`],
    },
    logs(s, `functions-${stream}-consumer`),
  ];
}

function migratorStatements(s: StackRun): Statement[] {
  const bucketArn = s.arnOf(BUCKET, 'landing-bucket');
  return [
    {
      Sid: 'RunStatements',
      Effect: 'Allow',
      Action: ['redshift-data:BatchExecuteStatement', 'redshift-data:ExecuteStatement'],
      Resource: [s.arnOf(WORKGROUP, 'warehouse-workgroup')],
    },
    {
      Sid: 'ReadOwnStatements',
      Effect: 'Allow',
      Action: ['redshift-data:CancelStatement', 'redshift-data:DescribeStatement', 'redshift-data:GetStatementResult'],
      Resource: ['*'],
      Condition: { StringEquals: { 'redshift-data:statement-owner-iam-userid': '${aws:userid}' } },
    },
    { Sid: 'FindOwnStatements', Effect: 'Allow', Action: ['redshift-data:ListStatements'], Resource: ['*'] },
    listLanding(bucketArn),
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
      Resource: [s.arnOf(Q, 'warehouse-load-check-failures')],
    },
    {
      Sid: 'ReadAdminSecret',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [named(s.run, NAMESPACE, 'warehouse-namespace').state.adminPasswordSecretArn],
    },
    logs(s, 'warehouse-migrator'),
  ];
}

function describeFunctionRoles(s: StackRun): void {
  test('each function has its own role, and each role allows exactly its actions on its ARNs', () => {
    const { run } = s;
    const expected: Record<string, Statement[]> = {
      'functions-producer': producerStatements(s),
      'functions-sales-consumer': consumerStatements(s, 'sales'),
      'functions-inventory-consumer': consumerStatements(s, 'inventory'),
      'warehouse-migrator': migratorStatements(s),
    };
    const roleArns = new Set<string>();
    for (const [fn, statements] of Object.entries(expected)) {
      const role = named(run, ROLE, `${fn}-role`);
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
}

function describeServiceRoles(s: StackRun): void {
  test('the scheduler role may invoke the producer only; the copy role may only read the landing stream prefixes', () => {
    const { run } = s;
    expect(shape(policyOf(named(run, ROLE_POLICY, 'schedule-policy')).Statement)).toEqual(
      shape([
        {
          Sid: 'InvokeProducer',
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction'],
          Resource: [s.arnOf(FN, 'functions-producer')],
        },
        { Sid: 'DeadLetter', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [s.arnOf(Q, 'schedule-dlq')] },
      ]),
    );
    const bucketArn = s.arnOf(BUCKET, 'landing-bucket');
    expect(shape(policyOf(named(run, ROLE_POLICY, 'warehouse-copy-policy')).Statement)).toEqual(
      shape([
        {
          Sid: 'ReadLandingFiles',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: [`${bucketArn}/sales/*`, `${bucketArn}/inventory/*`],
        },
        listLanding(bucketArn),
      ]),
    );
    const copyTrust = policyOf(named(run, ROLE, 'warehouse-copy-role'), 'assumeRolePolicy').Statement[0];
    expect(copyTrust.Principal.Service).toEqual(['redshift.amazonaws.com', 'redshift-serverless.amazonaws.com']);
    expect(copyTrust.Condition).toBeUndefined();
    const schedulerTrust = policyOf(named(run, ROLE, 'schedule-role'), 'assumeRolePolicy').Statement[0];
    expect(schedulerTrust).toMatchObject({
      Principal: { Service: 'scheduler.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': MOCK_ACCOUNT } },
    });
  });

  test('no managed *FullAccess policy (nor any managed policy) anywhere', () => {
    const { run } = s;
    const attachments = run.resources.filter((r) => /PolicyAttachment/.test(r.type));
    expect(attachments).toEqual([]);
    const text = JSON.stringify(run.resources.map((r) => r.inputs));
    expect(text).not.toMatch(/FullAccess/);
    expect(text).not.toMatch(/arn:aws:iam::aws:policy\//);
    for (const role of ofType(run, ROLE)) expect(role.inputs.managedPolicyArns ?? []).toEqual([]);
  });
}

export function describeServiceIam(s: StackRun): void {
  describeFunctionRoles(s);
  describeServiceRoles(s);
}

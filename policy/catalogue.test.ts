// The catalogue rule fires on each kind of broken statement, alone, and stays quiet on
// well-formed ones. (Every statement of both stacks passing is asserted in test/program/accessSuite.ts.)
import { catalogueProblems, iamCatalogue } from './catalogue';
import { runPolicies, type RecordedResource } from './runLocal';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:streams-sales';
const BUCKET = 'arn:aws:s3:::landing-bucket';
const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:producer';

function rolePolicy(...statements: object[]): RecordedResource {
  const inputs = { role: 'producer-role', policy: doc(...statements) };
  return {
    urn: 'urn:pulumi:test::bfstream::aws:iam/rolePolicy:RolePolicy::producer-policy',
    type: 'aws:iam/rolePolicy:RolePolicy',
    name: 'producer-policy',
    custom: true,
    inputs,
    state: inputs,
    propertyDependencies: {},
    dependencies: [],
  };
}
const violations = (...statements: object[]) =>
  runPolicies([rolePolicy(...statements)], [iamCatalogue]).map((v) => `${v.policy}: ${v.message}`);

describe('policy rule iam-catalogue', () => {
  test('fires on an action AWS does not define', () => {
    expect(violations({ Sid: 'Send', Effect: 'Allow', Action: ['sqs:SendMesage'], Resource: [QUEUE] })).toEqual([
      "iam-catalogue: statement Send: sqs:SendMesage is not an action of sqs (AWS's service authorization reference)",
    ]);
    expect(violations({ Sid: 'Send', Effect: 'Allow', Action: ['sqsx:SendMessage'], Resource: [QUEUE] })).toEqual([
      'iam-catalogue: statement Send: sqsx:SendMessage: AWS has no service "sqsx"',
    ]);
    expect(violations({ Sid: 'Deny', Effect: 'Deny', NotAction: ['iam:EnableMfaDevices'], Resource: ['*'] })).toEqual([
      "iam-catalogue: statement Deny: iam:EnableMfaDevices is not an action of iam (AWS's service authorization reference)",
    ]);
  });

  test('fires on an ARN of a resource type the action does not take', () => {
    const [invokeQueue] = violations({
      Sid: 'Invoke',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [QUEUE],
    });
    expect(invokeQueue).toMatch(
      /^iam-catalogue: statement Invoke: arn:aws:sqs:\S+ is not an ARN of a resource type lambda:InvokeFunction takes \(function: arn:\$\{Partition\}:lambda:/,
    );
    // An object action on the bucket's ARN, and a bucket action on an object's.
    expect(violations({ Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [BUCKET] })).toHaveLength(1);
    expect(
      violations({ Sid: 'List', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`${BUCKET}/sales/*`] }),
    ).toHaveLength(1);
    expect(
      violations({
        Sid: 'Mfa',
        Effect: 'Allow',
        Action: ['iam:EnableMFADevice'],
        Resource: ['arn:aws:iam::123456789012:mfa/${aws:username}'],
      }),
    ).toHaveLength(1);
  });

  test('fires on "*" for an action that names its resources, and on a named resource for an action that takes none', () => {
    expect(violations({ Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] })).toEqual([
      'iam-catalogue: statement Read: Resource "*" on s3:GetObject, a read (data) action that names its resources (accesspointobject, object); name the exact ARNs',
    ]);
    expect(
      violations({
        Sid: 'List',
        Effect: 'Allow',
        Action: ['iam:ListVirtualMFADevices'],
        Resource: ['arn:aws:iam::123456789012:user/bfstream/alice'],
      }),
    ).toEqual([
      'iam-catalogue: statement List: iam:ListVirtualMFADevices accepts only Resource "*" (it takes no resource in IAM), got arn:aws:iam::123456789012:user/bfstream/alice',
    ]);
  });

  test('stays quiet on well-formed statements: exact ARNs, path-aware self-service, "*" where IAM takes no resource, broad Denies', () => {
    expect(
      violations(
        { Sid: 'Send', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [QUEUE] },
        {
          Sid: 'Write',
          Effect: 'Allow',
          Action: ['s3:PutObject'],
          Resource: [`${BUCKET}/sales/*`, `${BUCKET}/rejected/sales/*`],
        },
        {
          Sid: 'List',
          Effect: 'Allow',
          Action: ['s3:ListBucket'],
          Resource: [BUCKET],
          Condition: { StringLike: { 's3:prefix': ['sales/*'] } },
        },
        { Sid: 'Invoke', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [FUNCTION] },
        {
          Sid: 'Own',
          Effect: 'Allow',
          Action: ['iam:EnableMFADevice', 'iam:ChangePassword'],
          Resource: ['arn:aws:iam::123456789012:user/bfstream/${aws:username}'],
        },
        {
          Sid: 'Enrol',
          Effect: 'Allow',
          Action: ['iam:CreateVirtualMFADevice'],
          Resource: ['arn:aws:iam::123456789012:mfa/*'],
        },
        {
          Sid: 'Logs',
          Effect: 'Allow',
          Action: ['logs:StartQuery', 'logs:GetQueryResults', 'logs:GetLogEvents'],
          Resource: ['arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/producer:*'],
        },
        {
          Sid: 'Resourceless',
          Effect: 'Allow',
          Action: ['iam:ListVirtualMFADevices', 'logs:DescribeLogGroups', 'redshift-data:GetStatementResult'],
          Resource: ['*'],
        },
        { Sid: 'Metrics', Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: ['*'] },
        {
          Sid: 'DenyAll',
          Effect: 'Deny',
          NotAction: ['iam:CreateVirtualMFADevice', 'sts:GetSessionToken'],
          Resource: ['*'],
        },
        { Sid: 'DenyHttp', Effect: 'Deny', Action: ['s3:*'], Resource: ['*'] },
      ),
    ).toEqual([]);
  });

  test('a key policy may say Resource "*" (it means the key); any other resource policy may not', () => {
    const keyPolicy = doc(
      {
        Sid: 'Admin',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::123456789012:root' },
        Action: ['kms:*'],
        Resource: ['*'],
      },
      {
        Sid: 'Publish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: ['*'],
      },
    );
    expect(catalogueProblems(keyPolicy, 'key')).toEqual([]);
    expect(catalogueProblems(keyPolicy, 'resource')).toHaveLength(2);
    // A trust policy names no resource: only its actions are checked.
    expect(
      catalogueProblems(
        doc({
          Sid: 'Trust',
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: ['sts:AssumeRole'],
        }),
        'resource',
      ),
    ).toEqual([]);
    expect(
      catalogueProblems(
        doc({
          Sid: 'Trust',
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: ['sts:AssumeRoles'],
        }),
        'resource',
      ),
    ).toHaveLength(1);
  });

  test('skips what a preview does not know yet', () => {
    expect(catalogueProblems(undefined, 'identity')).toEqual([]);
    expect(catalogueProblems('not json', 'identity')).toEqual([]);
  });
});

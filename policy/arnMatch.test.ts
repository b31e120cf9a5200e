import { resourceMatchesFormat } from './arnMatch';

const QUEUE = 'arn:${Partition}:sqs:${Region}:${Account}:${QueueName}';
const OBJECT = 'arn:${Partition}:s3:::${BucketName}/${ObjectName}';
const BUCKET = 'arn:${Partition}:s3:::${BucketName}';
const LOG_GROUP = 'arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}';
const SECRET = 'arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}';
const ROLE = 'arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}';

describe('resourceMatchesFormat: a policy resource against a catalogue ARN format', () => {
  test.each([
    ['arn:aws:sqs:us-east-1:123456789012:bfstream-sales', QUEUE],
    ['arn:aws:s3:::landing/sales/*', OBJECT],
    ['arn:aws:s3:::landing', BUCKET],
    ['arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/producer:*', LOG_GROUP],
    ['arn:aws:secretsmanager:us-east-1:123456789012:secret:bfstream-dev-dashboard-*', SECRET],
    ['arn:aws:iam::123456789012:role/service-role/x', ROLE],
    ['arn:aws-cn:sqs:cn-north-1:123456789012:q?', QUEUE],
    ['arn:aws:sqs:*:123456789012:*', QUEUE],
    ['*', QUEUE],
  ])('%s is an ARN of %s', (resource, format) => {
    expect(resourceMatchesFormat(resource, format)).toBe(true);
  });

  test.each([
    // The wrong service, or the wrong resource type inside one service.
    ['arn:aws:lambda:us-east-1:123456789012:function:producer', QUEUE],
    ['arn:aws:s3:::landing', OBJECT],
    ['arn:aws:s3:::landing/sales/x.csv', BUCKET],
    ['arn:aws:logs:us-east-1:123456789012:destination:x', LOG_GROUP],
    // A variable stands for at least one character; IAM's ARNs have an empty Region.
    ['arn:aws:sqs:us-east-1:123456789012:', QUEUE],
    ['arn:aws:iam:us-east-1:123456789012:role/x', ROLE],
    // Not an ARN at all.
    ['landing/sales/*', OBJECT],
  ])('%s is not an ARN of %s', (resource, format) => {
    expect(resourceMatchesFormat(resource, format)).toBe(false);
  });

  test('a wildcard in the resource meets a variable in the format, in either order', () => {
    expect(resourceMatchesFormat('arn:aws:s3:::*/sales/*', OBJECT)).toBe(true);
    expect(resourceMatchesFormat('arn:aws:s3:::land?ng', BUCKET)).toBe(true);
    expect(resourceMatchesFormat('arn:aws:s3:::*', OBJECT)).toBe(true);
    expect(
      resourceMatchesFormat('arn:aws:redshift:us-east-1:1:namespace:x', 'arn:${P}:redshift:${R}:${A}:namespace:${Id}'),
    ).toBe(true);
    expect(
      resourceMatchesFormat('arn:aws:redshift:us-east-1:1:namespace/x', 'arn:${P}:redshift:${R}:${A}:namespace:${Id}'),
    ).toBe(false);
  });
});

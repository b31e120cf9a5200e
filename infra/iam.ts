// IAM policy documents as plain data, so components, tests and the policy pack all
// read the same shape. Every statement names its actions and exact resources; no
// managed policies are attached anywhere in this program.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { arnIn, type AwsContext } from './awsContext';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action?: string[];
  NotAction?: string[];
  Resource?: pulumi.Input<string> | pulumi.Input<string>[] | pulumi.Output<string[]>;
  Principal?: Record<string, pulumi.Input<string> | pulumi.Input<string>[]> | '*';
  Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

export function policyDocument(statements: PolicyStatement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: '2012-10-17', Statement: statements });
}

/** Trust policy for a service principal, pinned to this account (confused-deputy guard). */
function trustPolicy(services: string[], accountId?: pulumi.Input<string>): pulumi.Output<string> {
  return policyDocument([
    {
      Sid: 'TrustService',
      Effect: 'Allow',
      Principal: { Service: services.length === 1 ? services[0] : services },
      Action: ['sts:AssumeRole'],
      ...(accountId ? { Condition: { StringEquals: { 'aws:SourceAccount': accountId } } } : {}),
    },
  ]);
}

/**
 * The first statement of every key policy: the account administers the key, which lets IAM
 * policies grant its use (AWS KMS developer guide, default key policy). In a key policy,
 * Resource "*" means this key and nothing else.
 */
export function accountAdministersKey(context: AwsContext): PolicyStatement {
  return {
    Sid: 'AccountAdministers',
    Effect: 'Allow',
    Principal: { AWS: arnIn(context, 'iam', 'root', false) },
    Action: ['kms:*'],
    Resource: ['*'],
  };
}

/** Writing to one log group; the group itself is declared by the program (no CreateLogGroup). */
export function logWriteStatement(logGroupArn: pulumi.Input<string>): PolicyStatement {
  return {
    Sid: 'WriteOwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: [pulumi.interpolate`${logGroupArn}:*`],
  };
}

export interface ServiceRoleArgs {
  /** Service principals allowed to assume the role, e.g. lambda.amazonaws.com. */
  services: string[];
  statements: PolicyStatement[];
  description: string;
  accountId?: pulumi.Input<string>;
}

/** A role plus its one inline policy. Children are named `${name}-role` and `${name}-policy`. */
export function serviceRole(
  name: string,
  args: ServiceRoleArgs,
  opts: pulumi.CustomResourceOptions,
): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
  // accountId adds an aws:SourceAccount condition, for services that send it (Scheduler);
  // Lambda and Redshift assume their roles directly and get none.
  const role = new aws.iam.Role(
    `${name}-role`,
    { description: args.description, assumeRolePolicy: trustPolicy(args.services, args.accountId) },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-policy`,
    { role: role.id, policy: policyDocument(args.statements) },
    opts,
  );
  return { role, policy };
}

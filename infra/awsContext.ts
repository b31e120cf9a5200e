// Where the stack deploys: the account, Region and partition every hand-written ARN is built from.
// The components take it whole, so no ARN is written against a hard-coded `aws` partition.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** The stack's account, Region and partition. */
export interface AwsContext {
  /** The deploying account's id (aws.getCallerIdentity). */
  accountId: pulumi.Input<string>;
  /** The stack's Region (`aws:region`): plain text, because the warehouse VPC takes its S3 endpoint's service name as plain data. */
  region: string;
  /** aws, aws-cn or aws-us-gov (aws.getPartition), never hard-coded. */
  partition: pulumi.Input<string>;
}

/** The running stack's context: the caller's account and partition, and the Region the config names. */
export function awsContext(region: string): AwsContext {
  return {
    accountId: aws.getCallerIdentityOutput().accountId,
    region,
    partition: aws.getPartitionOutput().partition,
  };
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>`; IAM's ARNs name no Region (`regional` false). */
export function arnIn(context: AwsContext, service: string, resource: string, regional = true): pulumi.Output<string> {
  const region = regional ? context.region : '';
  return pulumi.interpolate`arn:${context.partition}:${service}:${region}:${context.accountId}:${resource}`;
}

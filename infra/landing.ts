// The landing bucket: consumers write CSV files under one prefix per stream and the
// events they reject under rejected/<stream>/; Redshift auto-copy reads the stream
// prefixes. Private, encrypted, TLS-only.
//
// Versioning stays off: every key is derived from a chunk id, so a redelivered
// message rewrites identical bytes to the same key. Versions would only keep copies
// of the same file (and a delete marker per expiry) and cost storage; auto-copy
// tracks files by name, so an old version could never be reloaded anyway.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { rejectedStreamPrefix } from '../kernel/chunks';
import { rejectedPrefix, streamNames, streams, type StreamName } from '../kernel/contracts';
import { arnIn, type AwsContext } from './awsContext';
import { policyDocument, type PolicyStatement } from './iam';

/** Key prefixes a stream's consumer writes: its CSV files and its rejected events. */
export function landingPrefixes(stream: StreamName): { raw: string; rejected: string } {
  return { raw: streams[stream].prefix, rejected: rejectedStreamPrefix(stream) };
}

export interface LandingArgs {
  /** Let `pulumi destroy` delete the bucket with its objects (dev only). */
  forceDestroy: boolean;
  /** Days before CSV files under the stream prefixes expire (they are loaded within minutes). */
  rawRetentionDays: number;
  /** Days before rejected events expire: the time people have to look at them. */
  rejectedRetentionDays: number;
  /** The account and Region allowed to create the Redshift S3 event integration on this bucket. */
  aws: AwsContext;
}

export class Landing extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly policy: aws.s3.BucketPolicy;

  constructor(name: string, args: LandingArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bfstream:infra:Landing', name, {}, opts);
    this.bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: args.forceDestroy }, { parent: this });
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    const bucket = this.bucket.id;

    const ownership = new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } },
      { parent: this },
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      // SSE-S3: Redshift COPY and the consumers need no KMS grants.
      { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      { parent: this },
    );
    this.declareLifecycle(name, args);
    this.policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      { bucket, policy: policyDocument(bucketStatements(this.bucket.arn, args.aws)) },
      { parent: this, dependsOn: [publicAccess, ownership] },
    );

    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }

  /** Expiry of the stream files and of the rejected events, and of abandoned multipart uploads. */
  private declareLifecycle(name: string, args: LandingArgs): void {
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: this.bucket.id,
        rules: [
          ...streamNames.map((stream) => ({
            id: `expire-${stream}`,
            status: 'Enabled',
            filter: { prefix: landingPrefixes(stream).raw },
            expiration: { days: args.rawRetentionDays },
          })),
          {
            id: 'expire-rejected',
            status: 'Enabled',
            filter: { prefix: rejectedPrefix },
            expiration: { days: args.rejectedRetentionDays },
          },
          {
            id: 'abort-incomplete-uploads',
            status: 'Enabled',
            filter: { prefix: '' },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      { parent: this },
    );
  }
}

/** The bucket policy: TLS only, and Redshift may manage notifications for this account's integrations. */
function bucketStatements(bucketArn: pulumi.Output<string>, context: AwsContext): PolicyStatement[] {
  return [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:*'],
      Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      // The S3 event integration (created by the warehouse) manages this bucket's
      // notification configuration; that is why the program declares no BucketNotification.
      Sid: 'AllowRedshiftEventIntegration',
      Effect: 'Allow',
      Principal: { Service: 'redshift.amazonaws.com' },
      Action: ['s3:GetBucketNotification', 's3:PutBucketNotification', 's3:GetBucketLocation'],
      Resource: [bucketArn],
      Condition: {
        StringLike: { 'aws:SourceArn': arnIn(context, 'redshift', 'integration:*') },
        StringEquals: { 'aws:SourceAccount': context.accountId },
      },
    },
  ];
}

// The landing bucket: private, encrypted, TLS-only, with the config's lifecycle.
import { named, ofType } from '../../tools/mockGraph';
import { BUCKET, policyOf, type StackRun } from './stackRun';

export function describeLanding(s: StackRun): void {
  test('the landing bucket is private, encrypted, TLS-only, unversioned, with lifecycle from config and no BucketNotification', () => {
    const { run, cfg } = s;
    const bucket = named(run, BUCKET, 'landing-bucket');
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
      (st) => st.Sid === 'DenyInsecureTransport',
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
}

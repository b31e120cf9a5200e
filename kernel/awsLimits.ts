// AWS's limits and name patterns that the config, the components, the packing, the handlers,
// the twin and the policy pack all check: each is written here once, with the page it comes from.

/** SQS: a SendMessageBatch holds at most 10 entries and 1 MiB in all.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html */
export const SQS_BATCH_MAX_ENTRIES = 10;
export const SQS_BATCH_MAX_BYTES = 1024 * 1024;
/** SQS: a queue's MaximumMessageSize is 1,024..1,048,576 bytes, 262,144 unless set.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html */
export const SQS_MIN_MESSAGE_BYTES = 1024;
export const SQS_MAX_MESSAGE_BYTES = 1024 * 1024;
export const SQS_DEFAULT_MESSAGE_BYTES = 262_144;
/** SQS: a VisibilityTimeout is 0..43,200 s (12 hours).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html */
export const SQS_MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;
/** SQS: a redrive policy's maxReceiveCount is 1..1,000 (RedrivePolicy attribute).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html */
export const SQS_MAX_RECEIVE_COUNT = 1000;

/** Lambda: memory 128..10,240 MB, timeout 1..900 s, 6 MB synchronous payload (which also caps an SQS batch).
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const LAMBDA_MIN_MEMORY_MB = 128;
export const LAMBDA_MAX_MEMORY_MB = 10_240;
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;
/** Lambda's Node.js runtimes that are not deprecated (each provides @aws-sdk v3).
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html */
export const LAMBDA_NODE_RUNTIMES = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'] as const;

/** An SQS event source mapping: BatchSize up to 10,000 (above 10 only with a batching window) and
 * MaximumBatchingWindowInSeconds 0..300.
 * https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html */
export const SQS_MAPPING_MAX_BATCH_SIZE = 10_000;
export const SQS_MAPPING_MAX_BATCHING_WINDOW_SECONDS = 300;
export const SQS_MAPPING_MAX_BATCH_WITHOUT_WINDOW = 10;

/** Redshift Data API: one BatchExecuteStatement runs at most 40 statements.
 * https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_BatchExecuteStatement.html */
export const REDSHIFT_DATA_MAX_BATCH_STATEMENTS = 40;

/** A commercial, GovCloud or China Region name: `us-east-1`, `us-gov-west-1`, `cn-north-1`.
 * https://docs.aws.amazon.com/general/latest/gr/rande.html */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** An EventBridge rate expression, `rate(5 minutes)`; the unit is singular for a value of 1.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based */
export const RATE_EXPRESSION_PATTERN = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;

/** Zone IDs where Redshift Serverless places no workgroup: its subnets must lie in supported zone IDs,
 * and a zone name maps to a different ID in each account (us-east-1). The console's workgroup page lists
 * the supported IDs per Region; these are the ones it leaves out.
 * https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-usage-considerations.html */
export const REDSHIFT_SERVERLESS_UNSUPPORTED_AZ_IDS: readonly string[] = ['use1-az3', 'usw1-az2', 'apne2-az2'];

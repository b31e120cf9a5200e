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
/** SQS: a queue keeps a message at most 1,209,600 s (14 days; MessageRetentionPeriod).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html */
export const SQS_MAX_RETENTION_SECONDS = 1_209_600;
/** SQS: a redrive policy's maxReceiveCount is 1..1,000 (RedrivePolicy attribute).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html */
export const SQS_MAX_RECEIVE_COUNT = 1000;

/** Lambda: memory 128..10,240 MB, timeout 1..900 s, 6 MB synchronous payload (which also caps an SQS batch).
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const LAMBDA_MIN_MEMORY_MB = 128;
export const LAMBDA_MAX_MEMORY_MB = 10_240;
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;
/** Lambda's Node.js runtimes (each provides @aws-sdk v3), oldest first. */
export const LAMBDA_NODE_RUNTIMES = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'] as const;
export type LambdaNodeRuntime = (typeof LAMBDA_NODE_RUNTIMES)[number];

/** When AWS deprecates each runtime (no more patches), then blocks creating, then updating,
 * a function on it (UTC days). A blocked update fails `pulumi up` for every code or config change.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html (table "Lambda supports the
 * following Node.js runtimes"), https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html */
export const LAMBDA_NODE_RUNTIME_DATES: Record<
  LambdaNodeRuntime,
  { deprecation: string; blockCreate: string; blockUpdate: string }
> = {
  'nodejs20.x': { deprecation: '2026-04-30', blockCreate: '2026-08-31', blockUpdate: '2026-09-30' },
  'nodejs22.x': { deprecation: '2027-04-30', blockCreate: '2027-06-01', blockUpdate: '2027-07-01' },
  'nodejs24.x': { deprecation: '2028-04-30', blockCreate: '2028-06-01', blockUpdate: '2028-07-01' },
};

/** The Node.js major a runtime runs (`nodejs24.x` -> 24). */
export function lambdaNodeMajor(runtime: LambdaNodeRuntime): number {
  return Number(/^nodejs(\d+)\.x$/.exec(runtime)![1]);
}

/** What AWS allows for a runtime on a deploy day (YYYY-MM-DD, UTC): a problem once updates are blocked, a warning from deprecation on. */
export function lambdaRuntimeVerdict(runtime: LambdaNodeRuntime, day: string): { problem?: string; warning?: string } {
  const { deprecation, blockCreate, blockUpdate } = LAMBDA_NODE_RUNTIME_DATES[runtime];
  const newest = LAMBDA_NODE_RUNTIMES[LAMBDA_NODE_RUNTIMES.length - 1];
  if (day >= blockUpdate)
    return {
      problem: `${runtime}: AWS blocks function updates on it since ${blockUpdate} (deprecated ${deprecation}); use ${newest}`,
    };
  if (day >= deprecation)
    return {
      warning: `${runtime} is deprecated since ${deprecation}: AWS blocks creating functions on it from ${blockCreate} and updating them from ${blockUpdate}; move to ${newest}`,
    };
  return {};
}

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

/** Redshift Serverless: a workgroup's subnets must be in at least three supported Availability Zone
 * IDs; zone names map to IDs differently per account, so the check is by ID.
 * https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-usage-considerations.html
 * That page names no unsupported IDs; this list holds the ones known to refuse a workgroup, by
 * Region (use1-az3 is the us-east-1 zone AWS documents as constrained for newer services, e.g.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-msk-cluster-brokernodegroupinfo.html).
 * Add a zone here when CreateWorkgroup refuses it: the program then fails at preview, naming it. */
export const REDSHIFT_SERVERLESS_UNSUPPORTED_ZONE_IDS: Readonly<Record<string, readonly string[]>> = {
  'us-east-1': ['use1-az3'],
};
/** Redshift Serverless needs subnets in three zones (the same page). */
export const REDSHIFT_SERVERLESS_MIN_ZONES = 3;

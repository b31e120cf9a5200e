// Where the twin's SQS and S3 live: an embedded fauxqs on a free port, or the
// endpoint in AWS_ENDPOINT_URL. The twin creates the same shape of resources the
// Pulumi program declares: two queues, each with a DLQ and a redrive policy, and the
// landing bucket.
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { perStream, streamNames, type StreamName } from '../kernel/contracts';
import { streamNamings } from '../kernel/streamNaming';

export interface StreamQueues {
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
}

export interface TwinEndpoint {
  /** The URL the SDK clients talk to. */
  url: string;
  /** True when the twin started fauxqs itself. */
  embedded: boolean;
  region: string;
  /** Dummy credentials for the embedded emulator; undefined means the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Fresh client factories, so each role (producer, consumers, loader, chaos) gets its own middleware stack. */
  sqsClient(): SQSClient;
  s3Client(): S3Client;
  stop(): Promise<void>;
}

export interface QueueSettings {
  /** Prefix of every queue and bucket name, e.g. `twin`. */
  prefix: string;
  maxMessageBytes: number;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
}

const DUMMY_CREDENTIALS = { accessKeyId: 'twin', secretAccessKey: 'twin' };

/** Starts fauxqs unless `endpointUrl` (AWS_ENDPOINT_URL) names one. */
export async function openEndpoint(endpointUrl?: string, region = 'us-east-1'): Promise<TwinEndpoint> {
  let url = endpointUrl;
  let stop = async (): Promise<void> => {};
  if (!url) {
    // fauxqs ships ESM only; a dynamic import loads it from this CommonJS module.
    const { startFauxqs } = await import('fauxqs');
    const server = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
    url = `http://127.0.0.1:${server.port}`;
    stop = () => server.stop();
  }
  const endpoint = url;
  const credentials = endpointUrl ? undefined : DUMMY_CREDENTIALS;
  return {
    url: endpoint,
    embedded: !endpointUrl,
    region,
    credentials,
    sqsClient: () => new SQSClient({ endpoint, region, credentials }),
    s3Client: () => new S3Client({ endpoint, region, credentials, forcePathStyle: true }),
    stop,
  };
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/** The twin's queue of each stream, after its prefix: `sales-transactions`, `inventory-updates` (kernel/streamNaming.ts). */
export const queueNames: Record<StreamName, string> = perStream((s) => streamNamings[s].twinQueue);

export async function createStreamQueues(
  sqs: SQSClient,
  settings: QueueSettings,
): Promise<Record<StreamName, StreamQueues>> {
  const out = {} as Record<StreamName, StreamQueues>;
  for (const stream of streamNames) {
    const name = `${settings.prefix}-${queueNames[stream]}`;
    const dlq = await createQueue(sqs, `${name}-dlq`, {
      MessageRetentionPeriod: '1209600',
      MaximumMessageSize: String(settings.maxMessageBytes),
    });
    const queue = await createQueue(sqs, name, {
      MaximumMessageSize: String(settings.maxMessageBytes),
      VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: settings.maxReceiveCount }),
    });
    out[stream] = { url: queue.url, arn: queue.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
  }
  return out;
}

export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

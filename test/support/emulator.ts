// fauxqs started in-process for a test file: real SQS and S3 over loopback HTTP.
import { S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';

export interface Emulator {
  endpoint: string;
  sqs: SQSClient;
  s3: S3Client;
  createQueue(name: string, attributes?: Record<string, string>): Promise<{ url: string; arn: string }>;
  stop(): Promise<void>;
}

export async function startEmulator(): Promise<Emulator> {
  const server = await startFauxqs({ port: 0, logger: false });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const config = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const sqs = new SQSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  return {
    endpoint,
    sqs,
    s3,
    async createQueue(name, attributes = {}) {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      return { url: QueueUrl!, arn: attrs.Attributes!.QueueArn! };
    },
    async stop() {
      sqs.destroy();
      s3.destroy();
      await server.stop();
    },
  };
}

// fauxqs for one test file: started before its tests, stopped after, through the
// twin's own endpoint module (real SQS and S3 over loopback HTTP).
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { openEndpoint, type TwinEndpoint } from '../../local/endpoint';

export interface EmulatorClients {
  endpoint: TwinEndpoint;
  sqs: SQSClient;
  s3: S3Client;
}

/** Registers beforeAll/afterAll; read the clients inside tests, once they have started. */
export function useEmulator(): EmulatorClients {
  const clients = {} as EmulatorClients;
  beforeAll(async () => {
    clients.endpoint = await openEndpoint();
    clients.sqs = clients.endpoint.sqsClient();
    clients.s3 = clients.endpoint.s3Client();
  });
  afterAll(async () => {
    clients.sqs?.destroy();
    clients.s3?.destroy();
    await clients.endpoint?.stop();
  });
  return clients;
}

// The dashboard secret's adapter against a Secrets Manager endpoint on 127.0.0.1 speaking the
// service's JSON protocol to the real SDK client: a secret created with no value reads as none
// (GetSecretValue answers ResourceNotFoundException), a put value reads back, and a value that is
// not JSON stops with the reason.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { secretsManagerSecret } from './dashboardSecret';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bfstream-dev-dashboard-AbCdEf';
let server: Server;
let client: SecretsManagerClient;
let value: string | undefined;
const calls: { action: string; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const action =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      calls.push({ action, body });
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      if (body.SecretId !== ARN) return reply(400, { __type: 'ResourceNotFoundException', message: 'no such secret' });
      if (action === 'PutSecretValue') {
        value = body.SecretString as string;
        return reply(200, { ARN, VersionId: `v${calls.length}`, VersionStages: ['AWSCURRENT'] });
      }
      if (action === 'GetSecretValue') {
        if (value === undefined)
          return reply(400, {
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
          });
        return reply(200, { ARN, SecretString: value, VersionStages: ['AWSCURRENT'] });
      }
      return reply(400, { __type: 'InvalidRequestException', message: action });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new SecretsManagerClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

describe("the dashboard's secret in Secrets Manager", () => {
  test('no value yet reads as none; a put value reads back in the JSON shape QuickSight reads', async () => {
    const secret = secretsManagerSecret(client, ARN);
    expect(await secret.read()).toBeUndefined();
    await secret.write({ username: 'bfstream_dashboard', password: 'Abcdefgh12' });
    expect(JSON.parse(value!)).toEqual({ username: 'bfstream_dashboard', password: 'Abcdefgh12' });
    expect(await secret.read()).toEqual({ username: 'bfstream_dashboard', password: 'Abcdefgh12' });
    expect(calls.map((c) => c.action)).toEqual(['GetSecretValue', 'PutSecretValue', 'GetSecretValue']);
  });

  test("a value that is not JSON stops with the reason; a write to a secret that does not exist fails with the service's reason", async () => {
    value = 'hunter2';
    await expect(secretsManagerSecret(client, ARN).read()).rejects.toThrow(
      `the dashboard secret ${ARN} is not JSON {"username", "password"}`,
    );
    calls.length = 0;
    await expect(secretsManagerSecret(client, `${ARN}x`).write({ username: 'u', password: 'p' })).rejects.toThrow(
      'no such secret',
    );
  });
});

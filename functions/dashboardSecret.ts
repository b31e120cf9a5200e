// The dashboard's credentials in Secrets Manager. The stack creates the secret with no value (so
// no password is in Pulumi's state); GetSecretValue then fails with ResourceNotFoundException
// until the migrator puts the first one
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html).
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { DashboardCredentials, DashboardSecret } from '../warehouse/readers';

export function secretsManagerSecret(client: SecretsManagerClient, secretId: string): DashboardSecret {
  return {
    async read() {
      let text: string | undefined;
      try {
        text = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
      } catch (error) {
        if (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException')
          return undefined;
        throw error;
      }
      if (text === undefined) return undefined;
      try {
        return JSON.parse(text) as DashboardCredentials;
      } catch {
        throw new Error(`the dashboard secret ${secretId} is not JSON {"username", "password"}`);
      }
    },
    async write(value) {
      await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(value) }));
    },
  };
}

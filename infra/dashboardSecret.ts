// The dashboard's database identity: a Secrets Manager secret, under its own customer managed
// key, that the migrator fills with the credentials of database user bfstream_dashboard (it holds
// the analyst role: the views and nothing else). Pulumi declares the secret only, never a
// version: the password is made and written by the migrator, so it is in no config, no state
// and no migration text. QuickSight signs its data source in with this secret instead of the
// namespace's admin secret (the superuser).
//
// QuickSight reads the secret at view time as its own role, aws-quicksight-secretsmanager-role-v0,
// which QuickSight creates when an admin grants it secrets in its console (one step of the
// turn-on in docs/INFRA.md):
// https://docs.aws.amazon.com/quicksight/latest/user/secrets-manager-integration.html
// The key encrypts this secret and nothing else; its policy lets that role decrypt, through Secrets
// Manager only (where the role's console-granted policy names the secrets it may read), so the console
// grant is the only step: the role exists only after it, and a key policy that named it before
// would be refused (a principal must exist), hence aws:PrincipalArn rather than a Principal.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { arnIn, type AwsContext } from './awsContext';
import { accountAdministersKey, policyDocument, type PolicyStatement } from './iam';

/** The database user the migrator creates and writes into the secret. */
export const DASHBOARD_DB_USER = 'bfstream_dashboard';
/** The role QuickSight creates for the secrets an admin grants it (the page above). */
export const QUICKSIGHT_SECRETS_ROLE = 'aws-quicksight-secretsmanager-role-v0';

/** The role's ARN as aws:PrincipalArn shows it: QuickSight's docs name the role, not its path, so both. */
export const quicksightSecretsRoleArns = (context: AwsContext): pulumi.Output<string>[] => [
  arnIn(context, 'iam', `role/${QUICKSIGHT_SECRETS_ROLE}`, false),
  arnIn(context, 'iam', `role/service-role/${QUICKSIGHT_SECRETS_ROLE}`, false),
];

/** Secrets Manager calls KMS on the caller's behalf from this endpoint (kms:ViaService). */
export const secretsManagerEndpoint = (context: AwsContext): string => `secretsmanager.${context.region}.amazonaws.com`;

export interface DashboardSecret {
  key: aws.kms.Key;
  secret: aws.secretsmanager.Secret;
}

/** The key and the (empty) secret; the migrator writes the value. */
export function declareDashboardSecret(
  name: string,
  args: { namePrefix: string; aws: AwsContext },
  opts: pulumi.CustomResourceOptions,
): DashboardSecret {
  const { accountId } = args.aws;
  // Secrets Manager appends -<6 characters> to the name in the ARN; the prefix adds a suffix of its own.
  const namePrefix = `${args.namePrefix}-dashboard-`;
  const statements: PolicyStatement[] = [
    accountAdministersKey(args.aws),
    {
      Sid: 'QuickSightReadsDashboardSecret',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt'],
      Resource: ['*'],
      Condition: {
        StringEquals: { 'kms:CallerAccount': accountId, 'kms:ViaService': secretsManagerEndpoint(args.aws) },
        ArnEquals: { 'aws:PrincipalArn': quicksightSecretsRoleArns(args.aws) },
      },
    },
  ];
  const key = new aws.kms.Key(
    `${name}-dashboard-secret-key`,
    {
      description: "Encrypts the dashboard's database credentials (Secrets Manager)",
      enableKeyRotation: true,
      deletionWindowInDays: 7,
      // In a key policy, Resource "*" means this key and nothing else.
      policy: policyDocument(statements),
    },
    opts,
  );
  const secret = new aws.secretsmanager.Secret(
    `${name}-dashboard-secret`,
    {
      namePrefix,
      description: `Credentials of database user ${DASHBOARD_DB_USER} (QuickSight's data source); written by the migrator`,
      kmsKeyId: key.arn,
      recoveryWindowInDays: 7,
    },
    opts,
  );
  return { key, secret };
}

/** What the migrator may do with the secret: read it, write a new value, describe it; and the key only through Secrets Manager. */
export function dashboardSecretStatements(d: DashboardSecret, context: AwsContext): PolicyStatement[] {
  return [
    {
      Sid: 'WriteDashboardSecret',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret'],
      Resource: [d.secret.arn],
    },
    {
      // GetSecretValue decrypts; PutSecretValue asks for a new data key (Secrets Manager user guide, security-encryption).
      Sid: 'UseDashboardSecretKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: [d.key.arn],
      Condition: { StringEquals: { 'kms:ViaService': secretsManagerEndpoint(context) } },
    },
  ];
}

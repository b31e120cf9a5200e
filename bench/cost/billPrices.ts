// us-east-1 list prices of what a stack bills besides its ingest requests (bench/cost/prices.ts),
// each with the page it was read from and the day. `npm run cost` names both on every line.
import { PRICES } from './prices';

export interface Price {
  usd: number;
  unit: string;
  readOn: string;
  url: string;
}

export const BILL_PRICES = {
  redshiftRpuHour: {
    usd: PRICES.redshiftServerless.perRpuHour,
    unit: 'RPU-hour (per second, 60 s minimum a wake)',
    readOn: '2026-11-28',
    url: 'https://aws.amazon.com/redshift/pricing/',
  },
  redshiftStorageGbMonth: {
    usd: 0.024,
    unit: 'GB-month of managed storage',
    readOn: '2026-11-28',
    url: 'https://aws.amazon.com/redshift/pricing/',
  },
  s3StandardGbMonth: {
    usd: 0.023,
    unit: 'GB-month, S3 Standard',
    readOn: '2026-11-28',
    url: 'https://aws.amazon.com/s3/pricing/',
  },
  kmsKeyMonth: {
    usd: 1,
    unit: 'customer managed key-month',
    readOn: '2026-11-28',
    url: 'https://aws.amazon.com/kms/pricing/',
  },
  secretMonth: {
    usd: 0.4,
    unit: 'secret-month',
    readOn: '2026-11-28',
    url: 'https://aws.amazon.com/secrets-manager/pricing/',
  },
  alarmMonth: {
    usd: 0.1,
    unit: 'standard-resolution alarm-month',
    readOn: '2026-11-28',
    url: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  dashboardMonth: {
    usd: 3,
    unit: 'CloudWatch dashboard-month (an account has 3 free)',
    readOn: '2026-11-28',
    url: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  // Amazon Quick Suite (formerly QuickSight): "BI Reader ($3/month) to Professional ($20/month)".
  quickProfessionalMonth: {
    usd: 20,
    unit: 'Quick Suite Professional user-month (authors)',
    readOn: '2026-12-07',
    url: 'https://docs.aws.amazon.com/quick/latest/userguide/monitoring-upgrades.html',
  },
  quickReaderMonth: {
    usd: 3,
    unit: 'Quick Suite BI Reader user-month (viewers)',
    readOn: '2026-12-07',
    url: 'https://docs.aws.amazon.com/quick/latest/userguide/monitoring-upgrades.html',
  },
  ingest: {
    usd: NaN,
    unit: 'SQS, Lambda and S3 requests: bench/cost/prices.ts',
    readOn: PRICES.takenOn,
    url: 'https://aws.amazon.com/sqs/pricing/',
  },
} satisfies Record<string, Price>;

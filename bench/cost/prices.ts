// us-east-1 list prices (on-demand, first pricing tier, free tiers not deducted).
// The one place the cost model reads prices from. Update `takenOn` and the sources
// together when a price changes.

export interface PriceSource {
  what: string;
  url: string;
}

export interface PriceTable {
  region: 'us-east-1';
  /** When these prices were read (YYYY-MM-DD). */
  takenOn: string;
  sqs: {
    /** Standard queue, per million requests (first 100 billion requests a month). */
    standardPerMillionRequests: number;
    /** Each started chunk of this many payload bytes in one request bills as one request. */
    billingChunkBytes: number;
  };
  lambda: {
    perMillionRequests: number;
    /** Duration, per GB-second (first 6 billion GB-s a month on x86, 7.5 billion on arm64). */
    perGbSecond: { x86_64: number; arm64: number };
  };
  s3: {
    /** S3 Standard: PUT, COPY, POST and LIST requests, per 1,000. */
    putCopyPostListPer1000: number;
    /** S3 Standard: GET, SELECT and all other requests, per 1,000. */
    getPer1000: number;
  };
  redshiftServerless: {
    /** Compute, per RPU-hour (billed per second, 60 s minimum). Context only: not part of the ingest cost. */
    perRpuHour: number;
  };
  sources: readonly PriceSource[];
}

export const PRICES: PriceTable = {
  region: 'us-east-1',
  takenOn: '2026-11-25',
  sqs: { standardPerMillionRequests: 0.4, billingChunkBytes: 64 * 1024 },
  lambda: { perMillionRequests: 0.2, perGbSecond: { x86_64: 0.0000166667, arm64: 0.0000133334 } },
  s3: { putCopyPostListPer1000: 0.005, getPer1000: 0.0004 },
  redshiftServerless: { perRpuHour: 0.375 },
  sources: [
    {
      what: 'SQS standard $0.40 per million requests; every 64 KB chunk of a payload is billed as 1 request',
      url: 'https://aws.amazon.com/sqs/pricing/',
    },
    {
      what: 'Lambda $0.20 per million requests; $0.0000166667 (x86) and $0.0000133334 (Arm) per GB-second',
      url: 'https://aws.amazon.com/lambda/pricing/',
    },
    {
      what: 'S3 Standard $0.005 per 1,000 PUT, COPY, POST, LIST; $0.0004 per 1,000 GET, SELECT and others',
      url: 'https://aws.amazon.com/s3/pricing/',
    },
    {
      what: 'Redshift Serverless $0.375 per RPU-hour (US East, N. Virginia)',
      url: 'https://aws.amazon.com/redshift/pricing/',
    },
  ],
};

/** What the alternatives to this design would be billed for (us-east-1, on-demand, first tier). */
export interface StreamingPriceTable {
  takenOn: string;
  firehose: {
    /** Direct PUT ingestion, per GB (first 500 TB a month). */
    perGbIngested: number;
    /** Each record bills at least, and in steps of, this many bytes. */
    recordRoundingBytes: number;
  };
  kinesisOnDemand: {
    perStreamHour: number;
    /** Data in, per GB; each record rounded up to recordRoundingBytes. */
    perGbIngested: number;
    /** Data retrieved (here: by Redshift streaming ingestion), per GB. */
    perGbRetrieved: number;
    recordRoundingBytes: number;
  };
  /** How sure we are of the figures: the billing rules were read in AWS's pages; see caveat. */
  caveat: string;
  sources: readonly PriceSource[];
}

export const STREAMING_PRICES: StreamingPriceTable = {
  takenOn: '2026-11-28',
  firehose: { perGbIngested: 0.029, recordRoundingBytes: 5 * 1024 },
  kinesisOnDemand: { perStreamHour: 0.04, perGbIngested: 0.08, perGbRetrieved: 0.04, recordRoundingBytes: 1024 },
  caveat:
    "The billing units (Firehose: per GB ingested in 5 KB steps per record; Kinesis on-demand: per stream-hour, per GB in with each record rounded up to 1 KB, per GB retrieved) are quoted from AWS's pricing pages as stored on 2026-11-28; those pages render the dollar table from tokens that the stored copies do not resolve, so the dollar rates are AWS's long-standing us-east-1 list prices: check them on the pages before quoting.",
  sources: [
    {
      what: 'Firehose: ingestion per GB in 5 KB increments (a 3 KB record bills as 5 KB)',
      url: 'https://aws.amazon.com/kinesis/data-firehose/pricing/',
    },
    {
      what: 'Kinesis Data Streams on-demand: per stream-hour, per GB written (records rounded up to 1 KB), per GB read',
      url: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    },
  ],
};

// What Lambda gives a handler, as the twin gives it: the Context object of each invocation (in
// the event source and in the function workers, which load only this of the event source), and
// the environment that points an archive's SDK at the twin. A small module on purpose: every
// function worker loads it on its cold start.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** A Lambda Context good enough for handlers and Powertools. */
export function lambdaContext(functionName: string, timeoutMs: number, region = 'us-east-1'): Context {
  const deadline = Date.now() + timeoutMs;
  const requestId = randomUUID();
  const unsupported = () => {
    throw new Error('callback-style completion is not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `twin/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** What the SDK inside an archive reads to reach the twin's endpoint (AWS_ENDPOINT_URL), its region and credentials; and the log level. */
export function endpointEnvironment(data: {
  endpoint: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: data.endpoint,
    AWS_REGION: data.region,
    ...(data.credentials
      ? { AWS_ACCESS_KEY_ID: data.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: data.credentials.secretAccessKey }
      : {}),
    // The functions' per-invocation JSON logs would bury the twin's progress; its report carries the counts.
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
}

// Replays producer windows that failed every async attempt. Lambda sends each such
// invocation's record to the producer's on-failure queue, with the original event as
// `requestPayload` (Lambda "Capturing records of asynchronous invocations"). This reads
// the queue, invokes the producer again with that event, synchronously, and deletes a
// record only once its window was produced.
//
// Replaying is safe to repeat: the window, its seed and so its chunk ids come from the
// event's scheduledTime, so a window produced twice writes the same landing keys, which
// auto-copy (and the twin's loader) load once by name.
//
//   npm run replay-windows -- --queue-url <producer failure queue URL> --function <producer name> [--region us-east-1] [--dry-run]
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseArgs } from 'node:util';
import { LAMBDA_MAX_TIMEOUT_SECONDS } from '../kernel/awsLimits';
import { checkProducerEvent, type ProducerEvent } from '../handlers/producer';

/** What the replay needs of one on-failure record. */
export interface FailedWindow {
  event: ProducerEvent;
  /** RetriesExhausted, EventAgeExceeded, ... */
  condition?: string;
}

/** The original event of a Lambda on-failure record, or every reason it cannot be replayed. */
export function parseFailureRecord(body: string): FailedWindow | { problems: string[] } {
  let record: { requestPayload?: unknown; requestContext?: { condition?: string } };
  try {
    record = JSON.parse(body);
  } catch {
    return { problems: ['not JSON'] };
  }
  if (!record || typeof record !== 'object' || !('requestPayload' in record))
    return { problems: ['no requestPayload: not a Lambda invocation record'] };
  const problems = checkProducerEvent(record.requestPayload);
  const event = record.requestPayload as ProducerEvent;
  if (!problems.length && event?.scheduledTime === undefined && event?.start === undefined)
    problems.push('the event names no window (scheduledTime or start)');
  if (problems.length) return { problems };
  return { event, condition: record.requestContext?.condition };
}

export interface ReplayDeps {
  sqs: SQSClient;
  queueUrl: string;
  /** Runs the producer on one event and resolves once the window was sent; throws when it failed. */
  invoke: (event: ProducerEvent) => Promise<void>;
  /** How long a record stays hidden while it is replayed; default 900 s (the Lambda maximum). */
  visibilityTimeoutSeconds?: number;
  dryRun?: boolean;
}

export interface ReplayReport {
  replayed: FailedWindow[];
  /** Left in the queue (they reappear after the visibility timeout), with the reason. */
  failed: { messageId: string; problems: string[] }[];
}

export async function replayFailedWindows(deps: ReplayDeps): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: [], failed: [] };
  for (;;) {
    const { Messages = [] } = await deps.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deps.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: deps.visibilityTimeoutSeconds ?? LAMBDA_MAX_TIMEOUT_SECONDS,
      }),
    );
    if (Messages.length === 0) return report;
    for (const m of Messages) {
      const parsed = parseFailureRecord(m.Body ?? '');
      if ('problems' in parsed) {
        report.failed.push({ messageId: m.MessageId!, problems: parsed.problems });
        continue;
      }
      if (!deps.dryRun) {
        try {
          await deps.invoke(parsed.event);
        } catch (error) {
          report.failed.push({ messageId: m.MessageId!, problems: [(error as Error).message] });
          continue;
        }
        await deps.sqs.send(new DeleteMessageCommand({ QueueUrl: deps.queueUrl, ReceiptHandle: m.ReceiptHandle! }));
      }
      report.replayed.push(parsed);
    }
  }
}

/** Invokes a deployed producer synchronously; a function error becomes an exception. */
function lambdaInvoker(lambda: LambdaClient, functionName: string): (event: ProducerEvent) => Promise<void> {
  return async (event) => {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    if (out.FunctionError)
      throw new Error(
        `producer failed again (${out.FunctionError}): ${new TextDecoder().decode(out.Payload ?? new Uint8Array())}`,
      );
  };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'queue-url': { type: 'string' },
      function: { type: 'string' },
      region: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const missing = [!values['queue-url'] && '--queue-url', !values.function && '--function'].filter(Boolean);
  if (missing.length) {
    process.stderr.write(
      `replay-windows: missing ${missing.join(', ')}\nusage: npm run replay-windows -- --queue-url <producer failure queue URL> --function <producer name> [--region r] [--dry-run]\n`,
    );
    return 2;
  }
  const sqs = new SQSClient({ region: values.region });
  const lambda = new LambdaClient({ region: values.region });
  const report = await replayFailedWindows({
    sqs,
    queueUrl: values['queue-url']!,
    invoke: lambdaInvoker(lambda, values.function!),
    dryRun: values['dry-run'],
  });
  for (const r of report.replayed)
    process.stdout.write(
      `${values['dry-run'] ? 'would replay' : 'replayed'} ${JSON.stringify(r.event)} (${r.condition ?? 'no condition'})\n`,
    );
  for (const f of report.failed) process.stdout.write(`left in the queue ${f.messageId}: ${f.problems.join('; ')}\n`);
  return report.failed.length ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
}

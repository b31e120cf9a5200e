// Replays producer windows that failed every async attempt. Lambda sends each such
// invocation's record to the producer's on-failure queue, with the original event as
// `requestPayload` (Lambda "Capturing records of asynchronous invocations"). This reads
// the queue, invokes the producer again with that event, synchronously, and deletes a
// record only once the producer's answer shows that it produced the record's window.
//
// Replaying is safe to repeat: the window, its seed and so its chunk ids come from the
// event's scheduledTime, so a window produced twice writes the same landing keys, which
// auto-copy (and the twin's loader) load once by name.
//
//   npm run replay-windows -- --queue-url <producer failure queue URL> --function <producer name> [--region us-east-1] [--dry-run]
//
// Bad usage (an unknown option, a missing flag or region) is one line and exit 2.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { parseArgs } from 'node:util';
import { LAMBDA_MAX_TIMEOUT_SECONDS } from '../kernel/awsLimits';
import { checkProducerEvent, resolveWindow, type ProducerEvent } from '../functions/producer';

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
  /** Runs the producer on one event; resolves with its answer (a ProducerResult) and throws when it failed. */
  invoke: (event: ProducerEvent) => Promise<unknown>;
  /** How long a record stays hidden while it is replayed; default 900 s (the Lambda maximum). */
  visibilityTimeoutSeconds?: number;
  /** List what would be replayed, and leave every record visible. */
  dryRun?: boolean;
}

export interface ReplayReport {
  replayed: FailedWindow[];
  /** Left in the queue (they reappear after the visibility timeout), with the reason. */
  failed: { messageId: string; problems: string[] }[];
}

/**
 * Why an answer does not show that the producer produced the event's window, or undefined when it
 * does: a producer's answer names its window, and the event's must resolve to that same window.
 */
export function answerProblem(event: ProducerEvent, answer: unknown): string | undefined {
  const window = (answer as { window?: { start?: unknown; minutes?: unknown; seed?: unknown } } | null)?.window;
  if (
    !window ||
    typeof window.start !== 'string' ||
    !Number.isInteger(window.minutes) ||
    !Number.isInteger(window.seed)
  )
    return `the answer is not a producer's (no window in it): ${JSON.stringify(answer)?.slice(0, 200)}`;
  const expected = resolveWindow({ windowMinutes: window.minutes as number, seed: window.seed as number }, event);
  if (expected.start !== window.start || expected.seed !== window.seed)
    return `the producer answered for window ${window.start} (seed ${window.seed}), not the record's ${expected.start} (seed ${expected.seed})`;
  return undefined;
}

/** Replays one record; the reason it stays in the queue, or undefined once its window was produced. */
async function replayOne(deps: ReplayDeps, event: ProducerEvent): Promise<string | undefined> {
  let answer: unknown;
  try {
    answer = await deps.invoke(event);
  } catch (error) {
    return (error as Error).message;
  }
  return answerProblem(event, answer);
}

export async function replayFailedWindows(deps: ReplayDeps): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: [], failed: [] };
  // A dry run hides what it reads only while it reads the queue (so each record is listed once), then shows it again.
  const seen: Message[] = [];
  // A record back within the same pass (a short visibility timeout) was already answered for: the pass ends there.
  const ids = new Set<string>();
  try {
    for (;;) {
      const { Messages: received = [] } = await deps.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: deps.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: deps.visibilityTimeoutSeconds ?? LAMBDA_MAX_TIMEOUT_SECONDS,
        }),
      );
      const Messages = received.filter((m) => !ids.has(m.MessageId!));
      if (Messages.length === 0) return report;
      for (const m of Messages) ids.add(m.MessageId!);
      if (deps.dryRun) seen.push(...Messages);
      for (const m of Messages) {
        const parsed = parseFailureRecord(m.Body ?? '');
        if ('problems' in parsed) {
          report.failed.push({ messageId: m.MessageId!, problems: parsed.problems });
          continue;
        }
        const problem = deps.dryRun ? undefined : await replayOne(deps, parsed.event);
        if (problem !== undefined) {
          report.failed.push({ messageId: m.MessageId!, problems: [problem] });
          continue;
        }
        if (!deps.dryRun)
          await deps.sqs.send(new DeleteMessageCommand({ QueueUrl: deps.queueUrl, ReceiptHandle: m.ReceiptHandle! }));
        report.replayed.push(parsed);
      }
    }
  } finally {
    await showAgain(deps, seen);
  }
}

/** Makes received records visible again at once (VisibilityTimeout 0), ten at a time. */
async function showAgain(deps: ReplayDeps, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    await deps.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: deps.queueUrl,
        Entries: messages.slice(i, i + 10).map((m, j) => ({
          Id: String(j),
          ReceiptHandle: m.ReceiptHandle!,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

/** Invokes a deployed producer synchronously: its answer, or an exception for a function error. */
function lambdaInvoker(lambda: LambdaClient, functionName: string): (event: ProducerEvent) => Promise<unknown> {
  return async (event) => {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    const payload = new TextDecoder().decode(out.Payload ?? new Uint8Array());
    if (out.FunctionError) throw new Error(`producer failed again (${out.FunctionError}): ${payload}`);
    try {
      return JSON.parse(payload) as unknown;
    } catch {
      return payload;
    }
  };
}

const USAGE =
  'usage: npm run replay-windows -- --queue-url <producer failure queue URL> --function <producer name> [--region r] [--dry-run]';

/** A usage error: one line, exit 2. */
class UsageError extends Error {}

/** The flags, or a UsageError naming what is wrong. */
function flagsOf(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'queue-url': { type: 'string' },
        function: { type: 'string' },
        region: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
  if (values.help) return { ...values, help: true as const };
  const missing = [!values['queue-url'] && '--queue-url', !values.function && '--function'].filter(Boolean);
  if (missing.length) throw new UsageError(`missing ${missing.join(', ')}`);
  return { ...values, queueUrl: values['queue-url']!, functionName: values.function!, help: false as const };
}

async function main(argv: string[]): Promise<number> {
  const flags = flagsOf(argv);
  if (flags.help) {
    process.stdout.write(
      `${USAGE}\nReplays the producer windows in its on-failure queue; --dry-run lists them and leaves them there.\n`,
    );
    return 0;
  }
  const sqs = new SQSClient({ region: flags.region });
  const lambda = new LambdaClient({ region: flags.region });
  // The SDK's own resolution (flag, AWS_REGION, profile): without a region nothing can be called.
  await sqs.config.region().catch(() => {
    throw new UsageError('no AWS region: give --region, or set AWS_REGION');
  });
  const report = await replayFailedWindows({
    sqs,
    queueUrl: flags.queueUrl,
    invoke: lambdaInvoker(lambda, flags.functionName),
    dryRun: flags['dry-run'],
  });
  for (const r of report.replayed)
    process.stdout.write(
      `${flags['dry-run'] ? 'would replay' : 'replayed'} ${JSON.stringify(r.event)} (${r.condition ?? 'no condition'})\n`,
    );
  for (const f of report.failed) process.stdout.write(`left in the queue ${f.messageId}: ${f.problems.join('; ')}\n`);
  return report.failed.length ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      const usage = error instanceof UsageError;
      const text = process.env.TWIN_DEBUG ? String((error as Error).stack ?? error) : (error as Error).message;
      process.stderr.write(`replay-windows: ${text}${usage ? ' (npm run replay-windows -- --help for usage)' : ''}\n`);
      process.exit(usage ? 2 : 1);
    },
  );
}

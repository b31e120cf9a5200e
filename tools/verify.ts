// `npm run verify -- --stack dev|prod`: after `pulumi up`, proves the deployed stack end to end
// with the caller's credentials (docs/INFRA.md, "Verify a deployment", gives the policy the
// verify identity needs). One line per step, a verdict, exit 0 only when every step passed;
// `--json FILE` writes what it saw, to attach to an issue. The steps are in tools/verifySteps.ts.
//
//   npm run verify -- --stack dev [--outputs outputs.json] [--json report.json] [--timeout 900]
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { QuickSightClient } from '@aws-sdk/client-quicksight';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { REGION_PATTERN } from '../kernel/awsLimits';
import { parseStackOutputs, type DeployedStack } from './verifyOutputs';
import { verifyPolicy } from './verifyPolicy';
import { verifyDeployment, type StepReport, type VerifyClients, type VerifyReport } from './verifySteps';

const USAGE =
  'usage: npm run verify -- --stack dev|prod [--outputs FILE] [--json FILE] [--timeout SECONDS] [--region REGION] [--policy]';

/** A mistake in how the command was called: one line and exit 2. */
export class UsageError extends Error {}

export interface VerifyArgs {
  stack: string;
  outputs?: string;
  json?: string;
  timeoutSeconds: number;
  region?: string;
  /** Print the verify identity's IAM policy for this stack instead of verifying. */
  policy: boolean;
  help: boolean;
}

export function parseVerifyArgs(argv: string[]): VerifyArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        stack: { type: 'string' },
        outputs: { type: 'string' },
        json: { type: 'string' },
        timeout: { type: 'string' },
        region: { type: 'string' },
        policy: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
  if (values.help) return { stack: '', timeoutSeconds: 0, policy: false, help: true };
  if (!values.stack || !/^[\w.-]+$/.test(values.stack)) throw new UsageError('--stack NAME is required (dev or prod)');
  const timeoutSeconds = values.timeout === undefined ? 900 : Number(values.timeout);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 10 || timeoutSeconds > 3600)
    throw new UsageError(`--timeout must be a whole number of seconds 10..3600, got ${JSON.stringify(values.timeout)}`);
  if (values.region !== undefined && !REGION_PATTERN.test(values.region))
    throw new UsageError(`--region must look like us-east-1, got ${JSON.stringify(values.region)}`);
  for (const flag of ['outputs', 'json'] as const)
    if (values[flag] === '') throw new UsageError(`--${flag} needs a file name`);
  return {
    stack: values.stack,
    outputs: values.outputs,
    json: values.json,
    timeoutSeconds,
    region: values.region,
    policy: values.policy === true,
    help: false,
  };
}

/** The stack's outputs: the file the user saved, or `pulumi stack output --json` run here. */
export function readOutputs(args: Pick<VerifyArgs, 'stack' | 'outputs'>, cwd = process.cwd()): unknown {
  let text: string;
  if (args.outputs) {
    try {
      text = readFileSync(args.outputs, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --outputs ${args.outputs}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
  } else {
    try {
      text = execFileSync('pulumi', ['stack', 'output', '--json', '--stack', args.stack], {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: string };
      throw new UsageError(
        e.code === 'ENOENT'
          ? `the pulumi CLI is not on PATH: save the outputs where it is (pulumi stack output --json --stack ${args.stack} > outputs.json) and pass --outputs outputs.json`
          : `pulumi stack output failed: ${
              String(e.stderr ?? e.message)
                .trim()
                .split('\n')[0]
            }`,
      );
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`the stack outputs are not JSON${args.outputs ? ` (${args.outputs})` : ''}`);
  }
}

/** Real clients for the stack's Region; the SDK's own AWS_ENDPOINT_URL_* settings still apply. */
export function awsClients(region: string): VerifyClients {
  const config = { region };
  return {
    lambda: new LambdaClient(config),
    sqs: new SQSClient(config),
    s3: new S3Client(config),
    redshiftData: new RedshiftDataClient(config),
    cloudwatch: new CloudWatchClient(config),
    serverless: new RedshiftServerlessClient(config),
    ec2: new EC2Client(config),
    quicksight: new QuickSightClient(config),
  };
}

export function verdictLine(report: VerifyReport, stack: string): string {
  const failed = report.steps.filter((s) => s.status === 'fail').map((s) => s.step);
  return report.verdict === 'PASS'
    ? `VERIFIED: the ${stack} stack works end to end (${report.steps.length} steps).`
    : `NOT VERIFIED: ${failed.length} step(s) failed (${failed.join(', ')}); each line above says what to do.`;
}

export interface VerifyIo {
  out: (line: string) => void;
  clients?: (region: string) => VerifyClients;
  cwd?: string;
  /** Test settings: faster polls, and a clock (each test run gets a window of its own). */
  timing?: { pollMs?: number; dataApiPollMs?: number; now?: () => Date };
}

/** The whole command; resolves to its exit code. */
export async function runVerify(argv: string[], io: VerifyIo): Promise<number> {
  const args = parseVerifyArgs(argv);
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  const parsed = parseStackOutputs(readOutputs(args, io.cwd));
  if (args.policy && 'stack' in parsed) {
    io.out(JSON.stringify(verifyPolicy(parsed.stack), null, 2));
    return 0;
  }
  let report: VerifyReport;
  if ('problems' in parsed) {
    const steps: StepReport[] = parsed.problems.map((p) => ({
      step: 'outputs',
      status: 'fail',
      line: `outputs: FAILED: ${p}`,
    }));
    for (const s of steps) io.out(s.line);
    const at = new Date().toISOString();
    report = { verdict: 'FAIL', startedAt: at, finishedAt: at, steps };
  } else {
    const stack: DeployedStack = { ...parsed.stack, region: args.region ?? parsed.stack.region };
    report = await verifyDeployment(stack, (io.clients ?? awsClients)(stack.region), {
      timeoutMs: args.timeoutSeconds * 1000,
      ...io.timing,
      onStep: (s) => io.out(s.line),
    });
  }
  io.out(verdictLine(report, args.stack));
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ stack: args.stack, ...report }, null, 2)}\n`);
  return report.verdict === 'PASS' ? 0 : 1;
}

if (require.main === module) {
  runVerify(process.argv.slice(2), { out: (line) => console.log(line) }).then(
    (code) => process.exit(code),
    (error) => {
      if (error instanceof UsageError) {
        console.error(`verify: ${error.message} (${USAGE})`);
        process.exit(2);
      }
      console.error(error);
      process.exit(1);
    },
  );
}

// Loads again the landing files a deployed stack's COPY JOBs failed to load. Auto-copy marks
// such a file E and never tries it again, and a replayed window rewrites the same key, which
// it skips too. Once the cause is fixed (see SYS_LOAD_ERROR_DETAIL), this invokes the migrator
// with {"action":"reloadFailed"}: it COPYs each such file by name, once, and records it in the
// landing ledger (warehouse/reloadFailed.ts). Running it again loads nothing twice.
//
//   npm run reload-failed -- --function <migrator function name> [--region us-east-1] [--dry-run]
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { parseArgs } from 'node:util';
import type { MigratorEvent } from '../functions/migrator';
import type { ReloadFailedResult } from '../warehouse/reloadFailed';

const USAGE = 'usage: npm run reload-failed -- --function <migrator function name> [--region <region>] [--dry-run]';

/** Invokes the migrator synchronously with one event; its answer must be a reloadFailed result. */
export async function invokeReloadFailed(
  lambda: LambdaClient,
  functionName: string,
  dryRun: boolean,
): Promise<ReloadFailedResult> {
  const event: MigratorEvent = { action: 'reloadFailed', dryRun };
  const out = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  const text = new TextDecoder().decode(out.Payload ?? new Uint8Array());
  if (out.FunctionError) throw new Error(`the migrator failed (${out.FunctionError}): ${text.slice(0, 500)}`);
  let answer: Partial<ReloadFailedResult> | undefined;
  try {
    answer = JSON.parse(text) as Partial<ReloadFailedResult>;
  } catch {
    answer = undefined;
  }
  if (answer?.action !== 'reloadFailed' || !Array.isArray(answer.reloaded) || !Array.isArray(answer.failed))
    throw new Error(
      `${functionName} did not answer as the migrator's reloadFailed action (is it the migrator, deployed from this version?): ${text.slice(0, 300)}`,
    );
  return { alreadyLoaded: [], dryRun, ...answer } as ReloadFailedResult;
}

/** What the run did, one line per file. */
export function formatReload(result: ReloadFailedResult): string[] {
  const lines = [
    ...result.reloaded.map((k) => `${result.dryRun ? 'would reload' : 'reloaded'} ${k}`),
    ...result.alreadyLoaded.map((k) => `already loaded by another run ${k}`),
    ...result.failed.map((f) => `failed again ${f.key}: ${f.error}`),
  ];
  if (!lines.length) lines.push('no failed file to reload');
  return lines;
}

/** The command line: exit 0 when every file loaded (or on --help), 1 when one failed again, 2 on bad usage (one line). */
export async function main(argv: string[]): Promise<number> {
  let values: { function?: string; region?: string; 'dry-run'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        function: { type: 'string' },
        region: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`reload-failed: ${(error as Error).message.split('\n')[0]}; ${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.function) {
    process.stderr.write(`reload-failed: missing --function; ${USAGE}\n`);
    return 2;
  }
  const lambda = new LambdaClient({ region: values.region });
  const result = await invokeReloadFailed(lambda, values.function, values['dry-run'] === true);
  for (const line of formatReload(result)) process.stdout.write(`${line}\n`);
  return result.failed.length ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`reload-failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}

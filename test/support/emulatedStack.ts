// One stack's shipped archives deployed onto the emulators: the archives taken from the
// program's resource graph under mocks (what `pulumi up` uploads; built once per change of their
// inputs and cached, local/archives.ts), its bucket and queues (with
// their dead-letter queues and redrive) created in fauxqs under the names the program gave
// them, and each function started as a bare Lambda with its declared environment, the queue
// URLs' host swapped for the emulator's. The archive tests and the verify tests share it.
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LambdaNodeRuntime } from '../../kernel/awsLimits';
import { streamNames, type StreamName } from '../../kernel/contracts';
import type { FunctionName } from '../../infra/lambdaPackaging';
import { named, type MockRun } from '../../tools/mockGraph';
import type { ArchiveManifest } from '../../tools/shippedArchives';
import { cachedArchives } from '../../local/archives';
import { makeRuntimeModules, scratchDir, startBareFunction, type BareFunction } from '../../local/bareLambda';
import type { EmulatorClients } from './emulator';

export interface QueuePair {
  url: string;
  arn: string;
  deadLetterUrl: string;
}

export interface EmulatedStack {
  run: MockRun;
  shipped: ArchiveManifest['functions'];
  archivesDir: string;
  bucket: string;
  queues: Record<StreamName, QueuePair>;
  /** The declared queue URLs, each mapped to its emulator URL. */
  urlRewrites: Map<string, string>;
  /** One execution environment of a shipped function: its declared environment (rewritten), plus `env`. */
  start(name: FunctionName, env?: Record<string, string>): Promise<BareFunction>;
  close(): Promise<void>;
}

async function arnOf(sqs: SQSClient, url: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return Attributes!.QueueArn!;
}

/** A stream's queue and its dead-letter queue, as the program declares them. */
async function createQueues(em: EmulatorClients, run: MockRun, stream: StreamName): Promise<QueuePair> {
  const declared = named(run, 'aws:sqs/queue:Queue', `streams-${stream}`);
  const dlq = named(run, 'aws:sqs/queue:Queue', `streams-${stream}-dlq`);
  const deadLetterUrl = (await em.sqs.send(new CreateQueueCommand({ QueueName: dlq.state.name }))).QueueUrl!;
  const { maxReceiveCount } = JSON.parse(declared.inputs.redrivePolicy);
  const url = (
    await em.sqs.send(
      new CreateQueueCommand({
        QueueName: declared.state.name,
        Attributes: {
          MaximumMessageSize: String(declared.inputs.maxMessageSize),
          VisibilityTimeout: String(declared.inputs.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(em.sqs, deadLetterUrl), maxReceiveCount }),
        },
      }),
    )
  ).QueueUrl!;
  return { url, arn: await arnOf(em.sqs, url), deadLetterUrl };
}

export async function emulateStack(stack: 'dev' | 'prod', em: EmulatorClients, prefix: string): Promise<EmulatedStack> {
  const scratch = scratchDir(prefix);
  const built = await cachedArchives(stack);
  const run = built.graph;
  const shipped = built.manifest.functions;
  const runtimeModules = makeRuntimeModules(join(scratch, 'runtime'));
  const bucket = named(run, 'aws:s3/bucket:Bucket', 'landing-bucket').state.bucket;
  await em.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const queues = {} as Record<StreamName, QueuePair>;
  const urlRewrites = new Map<string, string>();
  for (const stream of streamNames) {
    queues[stream] = await createQueues(em, run, stream);
    urlRewrites.set(named(run, 'aws:sqs/queue:Queue', `streams-${stream}`).state.url, queues[stream].url);
    urlRewrites.set(named(run, 'aws:sqs/queue:Queue', `streams-${stream}-dlq`).state.url, queues[stream].deadLetterUrl);
  }
  const running: BareFunction[] = [];
  return {
    run,
    shipped,
    archivesDir: built.dir,
    bucket,
    queues,
    urlRewrites,
    async start(name, env = {}) {
      const fn = shipped[name];
      const resource = named(run, 'aws:lambda/function:Function', fn.resourceName);
      const declared = Object.fromEntries(Object.entries(fn.environment).map(([k, v]) => [k, urlRewrites.get(v) ?? v]));
      const bare = await startBareFunction({
        taskRoot: join(built.dir, fn.dir),
        runtimeModules,
        handler: fn.handler,
        functionName: fn.resourceName,
        memoryMb: resource.inputs.memorySize,
        timeoutMs: resource.inputs.timeout * 1000,
        // On the runtime's own Node major, whatever Node runs the tests (local/lambdaNode.ts).
        runtime: fn.runtime as LambdaNodeRuntime,
        env: {
          AWS_REGION: 'us-east-1',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          ...declared,
          ...env,
        },
      });
      running.push(bare);
      return bare;
    },
    async close() {
      await Promise.all(running.map((f) => f.close()));
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

// Lambda archive size, cold-start init time and first-invocation time per function:
// the dev stack's shipped archives, built from the program as the archive tests build
// them (tools/shippedArchives.ts) and run in a bare process (local/bareLambda.ts),
// against CallbackFunction's default packaging of the same handler (no
// codePathOptions: every `dependencies` package, whole), which is how the program
// shipped them before the esbuild bundles (infra/lambdaPackaging.ts).
//
// The baseline archive is built as CallbackFunction builds it: a callbackFactory serialized
// with pulumi.runtime.serializeFunction into __index.js, plus pulumi.runtime.computeCodePaths
// (with 'aws-sdk' excluded, as CallbackFunction adds). Init time is loading __index.js
// (which runs the callbackFactory) in a fresh Node process whose cwd holds the
// archive's files and nothing else; @aws-sdk/* resolves through NODE_PATH, as the
// Lambda runtime provides it. The first invocation follows in the same process.
import * as pulumi from '@pulumi/pulumi';
import { optionalDependencies } from '../package.json';
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { buildCatalog } from '../kernel/catalog';
import { perStream, type StreamName } from '../kernel/contracts';
import { generateWindow } from '../kernel/generator';
import { packMessages } from '../kernel/packing';
import { producerDefaults, producerSettingsEnvironment } from '../kernel/producerSettings';
import type { Catalog } from '../kernel/catalog';
import { createConsumerHandler } from '../functions/consumer';
import { createProducerHandler } from '../functions/producer';
import { byConsumerFunction, functionNames, type FunctionName, type Migrations } from '../infra/lambdaPackaging';
import { queueUrlVariables, streamNamings } from '../kernel/streamNaming';
import { createMigratorHandler } from '../functions/migrator';
import { named, type MockRun } from '../tools/mockGraph';
import { buildArchives } from '../tools/shippedArchives';
import { makeRuntimeModules, scratchDir, startBareFunction } from '../local/bareLambda';
import { createStreamQueues, ensureBucket, openEndpoint } from '../local/endpoint';
import { toSqsRecord } from '../local/eventSource';
import { startFakeRedshiftData } from '../test/support/fakeRedshiftData';
import { blankDataDir, createPglite } from '../warehouse/drivers/pglite';
import { buildMigrations } from '../warehouse/migrations';
import { median } from './generator';
import type { BenchEntries, SectionOptions } from './sections';
import { zip, type ZipEntry } from './zip';

const PROJECT_DIR = join(__dirname, '..');

export interface PackagedFunction {
  files: ZipEntry[];
  zipBytes: number;
}

/** Each handler as a CallbackFunction callbackFactory (the data captured as JSON strings): the baseline's closures. */
// Handlers of four different event types, called by the bench with the event each expects.
export function callbackFactories(
  catalog: Catalog,
  migrations: Migrations,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler takes its own event type (SQS, schedule, deploy input)
): Record<FunctionName, () => (...args: any[]) => Promise<unknown>> {
  const generatorCatalog = JSON.stringify({
    products: catalog.products.map((p) => ({ product_id: p.product_id, price: p.price })),
    stores: catalog.stores.map((s) => ({ store_id: s.store_id, size: s.size })),
  });
  const dims = JSON.stringify({ products: catalog.products, stores: catalog.stores });
  const rendered = JSON.stringify(migrations);
  return {
    producer: () => createProducerHandler(JSON.parse(generatorCatalog)),
    ...byConsumerFunction((stream) => () => createConsumerHandler(stream, JSON.parse(dims))),
    migrator: () => createMigratorHandler({ migrations: JSON.parse(rendered) }),
  };
}

/** The files of one archive, as CallbackFunction would put them in the zip. */
export async function packageFunction(
  callbackFactory: () => unknown,
  codePathOptions: pulumi.runtime.CodePathOptions | undefined,
): Promise<PackagedFunction> {
  const closure = await pulumi.runtime.serializeFunction(callbackFactory, {
    serialize: () => true,
    exportName: 'handler',
    isFactoryFunction: true,
    allowSecrets: true,
  });
  const options = { ...(codePathOptions ?? {}) };
  // computeCodePaths counts optionalDependencies as dependencies (normalize-package-data): leave out
  // the Node builds package.json installs for the npm scripts (189 MB), which no handler needs.
  const tooling = Object.keys(optionalDependencies);
  options.extraExcludePackages = [...(options.extraExcludePackages ?? []), 'aws-sdk', ...tooling];
  const previous = process.cwd();
  process.chdir(PROJECT_DIR); // computeCodePaths reads package.json and node_modules from the working directory
  let paths: Map<string, pulumi.asset.Asset | pulumi.asset.Archive>;
  try {
    paths = await pulumi.runtime.computeCodePaths(options);
  } finally {
    process.chdir(previous);
  }
  const files: ZipEntry[] = [{ name: '__index.js', data: Buffer.from(closure.text) }];
  for (const path of paths.keys()) {
    const full = join(PROJECT_DIR, path);
    if (statSync(full).isDirectory())
      for (const file of walk(full))
        files.push({ name: relative(PROJECT_DIR, file).split('\\').join('/'), data: readFileSync(file) });
    else files.push({ name: path.split('\\').join('/'), data: readFileSync(full) });
  }
  files.sort((a, b) => a.name.localeCompare(b.name));
  return { files, zipBytes: zip(files).length };
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

// What the functions' environments hold in the cloud (placeholders: nothing is called at init).
const LAMBDA_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  ...queueUrlVariables(
    perStream((s) => `https://sqs.us-east-1.amazonaws.com/123456789012/${streamNamings[s].twinQueue}`),
  ),
  LANDING_BUCKET: 'bench-landing',
  WORKGROUP_NAME: 'bench',
  DATABASE: 'sales',
  SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench',
};

// Runs in the fresh process: time from before the require to a handler in hand.
const INIT_SCRIPT = `
const cpu = process.cpuUsage();
const started = process.hrtime.bigint();
const mod = require(process.cwd() + '/__index.js');
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const used = process.cpuUsage(cpu);
if (typeof mod.handler !== 'function') { console.error('no handler exported'); process.exit(3); }
process.stdout.write(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000 }));
`;

export interface InitTiming {
  /** Wall clock from require to handler. */
  ms: number;
  /** CPU time of the same span: what the wall clock is on an idle core with the files cached. */
  cpuMs: number;
}

/** Writes the archive's files into a fresh directory and times loading the handler `runs` times, each in a new process. */
export function measureInit(files: readonly ZipEntry[], sdkDir: string, runs: number, warmUp = true): InitTiming[] {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lambda-'));
  try {
    for (const f of files) {
      mkdirSync(dirname(join(dir, f.name)), { recursive: true });
      writeFileSync(join(dir, f.name), f.data);
    }
    const times: InitTiming[] = [];
    for (let i = warmUp ? 0 : 1; i <= runs; i++) {
      const child = spawnSync(process.execPath, ['-e', INIT_SCRIPT], {
        cwd: dir,
        env: { ...LAMBDA_ENV, NODE_PATH: sdkDir, PATH: process.env.PATH ?? '' },
        encoding: 'utf8',
      });
      if (child.status !== 0)
        throw new Error(
          `loading the handler failed (exit ${child.status}): ${child.stderr.trim().split('\n').slice(0, 8).join(' | ')}`,
        );
      if (i > 0) times.push(JSON.parse(child.stdout) as InitTiming); // the first run warms the disk cache
    }
    return times;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A directory holding only @aws-sdk (linked to the repo's), for NODE_PATH: what the Lambda runtime provides. */
function runtimeSdkDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lambda-runtime-'));
  symlinkSync(join(PROJECT_DIR, 'node_modules', '@aws-sdk'), join(dir, '@aws-sdk'), 'dir');
  return dir;
}

/** The events of a first invocation: small, so the figure is the first-call cost more than the work. */
async function firstInvocationSetup(graph: MockRun): Promise<{
  env: Record<FunctionName, Record<string, string>>;
  events: Record<FunctionName, unknown>;
  freshWarehouse(): Promise<{ env: Record<string, string>; stop(): Promise<void> }>;
  stop(): Promise<void>;
}> {
  const endpoint = await openEndpoint();
  const sqs = endpoint.sqsClient();
  const s3 = endpoint.s3Client();
  const bucket = named(graph, 'aws:s3/bucket:Bucket', 'landing-bucket').state.bucket as string;
  await ensureBucket(s3, bucket);
  // The stacks' default producer settings (kernel/producerSettings.ts), in its environment as a deploy sets them.
  const producer = producerDefaults();
  const queues = await createStreamQueues(sqs, {
    prefix: 'bench',
    maxMessageBytes: producer.maxMessageBytes,
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 30,
  });
  const sdk = {
    AWS_ENDPOINT_URL: endpoint.url,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  const catalog = buildCatalog();
  const chunk = (stream: StreamName) => {
    const window = generateWindow(catalog, { start: '2026-11-27T06:00:00Z', minutes: 1, seed: 1, saleLines: 200 });
    const [message] = packMessages(window[stream], {
      stream,
      windowStart: '2026-11-27T06:00:00Z',
      seed: 1,
      eventsPerMessage: producer.eventsPerMessage,
      maxMessageBytes: producer.maxMessageBytes,
      compression: producer.compression,
    });
    const record = toSqsRecord(
      { MessageId: `bench-${stream}`, ReceiptHandle: 'bench', Body: message.body },
      queues[stream].arn,
      'us-east-1',
    );
    return { Records: [record] };
  };
  const invocation = named(graph, 'aws:lambda/invocation:Invocation', 'warehouse-migrate');
  return {
    env: {
      producer: {
        ...sdk,
        ...LAMBDA_ENV,
        ...producerSettingsEnvironment(producer),
        ...queueUrlVariables(perStream((s) => queues[s].url)),
      },
      ...byConsumerFunction(() => ({ ...sdk, ...LAMBDA_ENV, LANDING_BUCKET: bucket })),
      // The migrator lists the landing bucket (fauxqs) and runs statements through the local Data API.
      migrator: { ...sdk, ...LAMBDA_ENV, LANDING_BUCKET: bucket },
    },
    events: {
      producer: { start: '2026-11-27T06:00:00Z', count: 200 },
      ...byConsumerFunction(chunk),
      migrator: JSON.parse(invocation.inputs.input),
    },
    // Each migrator cold start applies the migrations to an empty warehouse: PGlite behind a local Data API
    // (the migrator reads SYS_COPY_JOB and its COPY JOB generations back, as from Redshift).
    async freshWarehouse() {
      const db = await createPglite({ loadDataDir: await blankDataDir() });
      const fake = await startFakeRedshiftData(db, { pollsBeforeDone: 0, s3 });
      return {
        env: { AWS_ENDPOINT_URL_REDSHIFT_DATA: fake.endpoint },
        async stop() {
          await fake.stop();
          await db.close();
        },
      };
    },
    async stop() {
      sqs.destroy();
      s3.destroy();
      await endpoint.stop();
    },
  };
}

interface ColdStart {
  initCpuMs: number;
  initMs: number;
  firstCpuMs: number;
  firstMs: number;
  secondCpuMs: number;
}

/** Starts the archive in a fresh process, then invokes it twice: Lambda's init, its first (cold) and a warm invocation. */
async function coldStart(
  dir: string,
  handler: string,
  name: FunctionName,
  runtimeModules: string,
  env: Record<string, string>,
  event: unknown,
): Promise<ColdStart> {
  const fn = await startBareFunction({ taskRoot: dir, runtimeModules, handler, functionName: name, env });
  try {
    const first = await fn.invoke(event);
    if (first.error) throw new Error(`${name} failed on its first invocation: ${first.error.stack}\n${fn.output()}`);
    const second = await fn.invoke(event);
    if (second.error) throw new Error(`${name} failed on its second invocation: ${second.error.stack}`);
    return {
      initCpuMs: fn.initCpuMs,
      initMs: fn.initMs,
      firstCpuMs: first.cpuMs,
      firstMs: first.ms,
      secondCpuMs: second.cpuMs,
    };
  } finally {
    await fn.close();
  }
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** What every function's measurement shares: the shipped archives, the bare runtime, the first invocations' services. */
interface LambdaBenchRun {
  shipped: Awaited<ReturnType<typeof buildArchives>>;
  runtimeModules: ReturnType<typeof makeRuntimeModules>;
  invocations: Awaited<ReturnType<typeof firstInvocationSetup>>;
  baselines: ReturnType<typeof callbackFactories>;
  sdkDir: string;
  runs: number;
  quick: boolean;
}

interface FunctionMeasurement {
  files: number;
  zipBytes: number;
  /** The same handler packaged as CallbackFunction's default would. */
  full: PackagedFunction;
  starts: ColdStart[];
  fullInit: InitTiming[];
}

/** One function: its shipped archive's size, then `runs` cold starts of it and of the default packaging. */
async function measureFunction(fn: FunctionName, run: LambdaBenchRun): Promise<FunctionMeasurement> {
  const built = run.shipped.manifest.functions[fn];
  const dir = join(run.shipped.dir, built.dir);
  const files = [...walk(dir)]
    .map((file) => ({ name: relative(dir, file).split('\\').join('/'), data: readFileSync(file) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const full = await packageFunction(run.baselines[fn], undefined);
  const start = async () => {
    const warehouse = fn === 'migrator' ? await run.invocations.freshWarehouse() : undefined;
    try {
      const env = { ...run.invocations.env[fn], ...warehouse?.env };
      return await coldStart(dir, built.handler, fn, run.runtimeModules, env, run.invocations.events[fn]);
    } finally {
      await warehouse?.stop();
    }
  };
  if (!run.quick) await start(); // warms the disk cache
  const starts: ColdStart[] = [];
  for (let i = 0; i < run.runs; i++) starts.push(await start());
  const fullInit = measureInit(full.files, run.sdkDir, run.runs, !run.quick);
  return { files: files.length, zipBytes: zip(files).length, full, starts, fullInit };
}

/** lambda.zip_bytes, lambda.init_ms and lambda.first_invoke_ms of one function. */
function functionEntries(fn: FunctionName, m: FunctionMeasurement, runs: number): BenchEntries {
  const { zipBytes, full, starts, fullInit } = m;
  const initMs = median(starts.map((t) => t.initCpuMs));
  const fullMs = median(fullInit.map((t) => t.cpuMs));
  const firstMs = median(starts.map((t) => t.firstCpuMs));
  const warmMs = median(starts.map((t) => t.secondCpuMs));
  const wall = (values: number[]) => Math.round(median(values));
  return {
    [`lambda.zip_bytes.${fn}`]: {
      value: zipBytes,
      unit: 'bytes',
      baseline: full.zipBytes,
      ratio: Math.round((full.zipBytes / zipBytes) * 10) / 10,
      note: `the dev stack's shipped archive, ${m.files} files (the esbuild bundle and its data, infra/lambdaPackaging.ts), vs ${full.files.length} files with CallbackFunction's default packaging; deflate level 6; ratio = default / ours. Target <= 300 KB.`,
    },
    [`lambda.init_ms.${fn}`]: {
      value: round1(initMs),
      unit: 'ms',
      baseline: round1(fullMs),
      ratio: Math.round((fullMs / initMs) * 100) / 100,
      note:
        `CPU time of loading the dev stack's shipped archive (the one test/archives.*.test.ts runs) to a handler, in a fresh ${process.version} process holding only the archive, @aws-sdk via NODE_PATH; ` +
        `median of ${runs} (wall clock ${wall(starts.map((t) => t.initMs))} ms vs ${wall(fullInit.map((t) => t.ms))} ms on this shared machine); baseline: CallbackFunction's default packaging; ratio = default / ours. Target <= 150 ms.`,
    },
    [`lambda.first_invoke_ms.${fn}`]: {
      value: round1(firstMs),
      unit: 'ms',
      baseline: round1(warmMs),
      ratio: Math.round((warmMs / firstMs) * 100) / 100,
      note:
        `CPU time of the first invocation right after that init, in the same process (${fn === 'producer' ? '200 sale lines to two fauxqs queues' : fn === 'migrator' ? "the deploy's {hash} input against a local Data API" : 'one 200-event chunk to fauxqs S3'}); ` +
        `median of ${runs} (wall clock ${wall(starts.map((t) => t.firstMs))} ms); baseline: the second, warm invocation of the same event, so the ratio shows what moved into the first call.`,
    },
  };
}

export async function runLambdaBench(options: SectionOptions): Promise<BenchEntries> {
  const catalog = buildCatalog();
  const migrations = buildMigrations(
    {
      dialect: 'redshift',
      copyRoleArn: 'arn:aws:iam::123456789012:role/bench-copy',
      bucket: 'bench-landing',
      region: 'us-east-1',
    },
    catalog,
  );
  const runs = options.quick ? 1 : 7;
  const sdkDir = runtimeSdkDir();
  const scratch = scratchDir('bench-lambda-shipped-');
  // The archives exactly as the archive tests build and run them: the dev stack's program, in a child process.
  const shipped = await buildArchives('dev', join(scratch, 'archives'), PROJECT_DIR);
  const run: LambdaBenchRun = {
    shipped,
    runtimeModules: makeRuntimeModules(join(scratch, 'runtime'), PROJECT_DIR),
    invocations: await firstInvocationSetup(shipped.graph),
    baselines: callbackFactories(catalog, migrations),
    sdkDir,
    runs,
    quick: options.quick,
  };
  const entries: BenchEntries = {};
  try {
    for (const fn of functionNames) Object.assign(entries, functionEntries(fn, await measureFunction(fn, run), runs));
  } finally {
    await run.invocations.stop();
    rmSync(sdkDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
  return entries;
}

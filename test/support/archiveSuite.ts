// What ships is what runs: the four Lambda archives of one stack, taken from the
// program's resource graph under mocks (exactly what `pulumi up` would upload), each
// extracted to a temp dir and run in its own Node process that has nothing but the
// archive and the AWS SDK (local/bareLambda.ts). The pipeline then runs as AWS would:
// the schedule's input invokes the producer, its messages land on real queues in
// fauxqs, the consumers get SQSEvents built with their mappings' settings, the
// loader loads the landing files into PGlite and the views answer; the migrator
// applies the stack's migrations through a Redshift Data API endpoint on loopback.
import { Logger } from '@aws-lambda-powertools/logger';
import type { PGlite } from '@electric-sql/pglite';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildCatalog, type Catalog } from '../../kernel/catalog';
import { knownIdsOf, perStream, streamNames, streams, type StreamName } from '../../kernel/contracts';
import { streamNamings } from '../../kernel/streamNaming';
import { consumeBatch } from '../../functions/consumer';
import { generateWindow } from '../../kernel/generator';
import { resolveWindow, type ProducerResult } from '../../functions/producer';
import { unpackMessage } from '../../kernel/packing';
import { configFields, parseStackConfig } from '../../infra/config';
import { lambdaNodeMajor, type LambdaNodeRuntime } from '../../kernel/awsLimits';
import { functionNames, type FunctionName } from '../../infra/lambdaPackaging';
import { named, ofType, stackConfigUnderTest, type MockRun } from '../../tools/mockGraph';
import type { ArchiveManifest } from '../../tools/shippedArchives';
import type { BareFunction } from '../../local/bareLambda';
import { SqsEventSource, toSqsRecord } from '../../local/eventSource';
import { startFakeRedshiftData, type FakeRedshiftData } from './fakeRedshiftData';
import { loadLandingFiles } from '../../warehouse/loader';
import type { MigratorResult } from '../../functions/migrator';
import type { CopyDriver } from '../../warehouse/runner';
import { qualified } from '../../warehouse/schema';
import { blankDataDir, TEST_PGLITE, openTestWarehouse } from './warehouse';
import { useEmulator } from './emulator';
import { emulateStack, type EmulatedStack } from './emulatedStack';
import { malformedCorpus } from './malformedCorpus';
import { createPglite } from '../../warehouse/drivers/pglite';

const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';
const consumerOf = perStream((s) => streamNamings[s].consumerFunction);
/** The functions the pipeline runs: the producer and every consumer. */
const pipelineFunctions = functionNames.filter((n): n is Exclude<FunctionName, 'migrator'> => n !== 'migrator');

export function describeArchives(stack: 'dev' | 'prod', scheduledTime: string): void {
  describe(`the ${stack} stack's Lambda archives, run as Lambda runs them`, () => {
    const em = useEmulator();
    const cfg = parseStackConfig(stackConfigUnderTest(stack));
    const catalog: Catalog = buildCatalog(cfg.catalogSeed, {
      products: cfg.catalogProducts,
      stores: cfg.catalogStores,
    });
    let stackOnEmulator: EmulatedStack;
    let run: MockRun;
    let shipped: ArchiveManifest['functions'];
    let archivesDir: string;
    let bucket: string;
    const queues = {} as Record<StreamName, { url: string; arn: string }>;
    const fns = {} as Record<Exclude<FunctionName, 'migrator'>, BareFunction>;
    let fake: FakeRedshiftData | undefined;
    let migratorDb: PGlite | undefined;
    let warehouse: (CopyDriver & { close(): Promise<void> }) | undefined;

    beforeAll(async () => {
      stackOnEmulator = await emulateStack(stack, em, `archives-${stack}-`);
      ({ run, shipped, archivesDir, bucket } = stackOnEmulator);
      Object.assign(queues, stackOnEmulator.queues);
      const started = await Promise.all(
        pipelineFunctions.map((name) => stackOnEmulator.start(name, { AWS_ENDPOINT_URL: em.endpoint.url })),
      );
      pipelineFunctions.forEach((name, i) => (fns[name] = started[i]));
    }, 120_000);

    afterAll(async () => {
      await stackOnEmulator?.close();
      await fake?.stop();
      await migratorDb?.close();
      await warehouse?.close();
    });

    test("each archive is the program's bundle: index.js with the handler it names, and its JSON data", () => {
      for (const name of functionNames) {
        const fn = shipped[name];
        expect(fn.handler).toBe('index.handler');
        expect(fn.runtime).toBe(cfg.lambdaRuntime);
        expect(fn.runtime).toBe(configFields.lambdaRuntime.default);
        const files = readdirSync(join(archivesDir, fn.dir), { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => join(e.parentPath, e.name).slice(join(archivesDir, fn.dir).length + 1));
        expect(files).toHaveLength(fn.files);
        expect(files).toContain('index.js');
        for (const file of files) expect(file).toMatch(/^(index\.js|[a-z]+\.json)$/);
      }
    });

    test("each function runs on its runtime's own Node major, not the Node that runs the tests", () => {
      for (const name of pipelineFunctions) {
        const major = lambdaNodeMajor(shipped[name].runtime as LambdaNodeRuntime);
        expect([name, fns[name].nodeVersion.split('.')[0]]).toEqual([name, `v${major}`]);
      }
    });

    test("the schedule's input runs the producer, the consumers land every event, the loader loads them and the views answer: produced = loaded + rejected, by id", async () => {
      const schedule = ofType(run, 'aws:scheduler/schedule:Schedule').find((r) => r.name.startsWith('schedule-sale-'))!;
      expect(schedule.inputs.target.arn).toBe(
        named(run, 'aws:lambda/function:Function', shipped.producer.resourceName).state.arn,
      );
      const input = String(schedule.inputs.target.input);
      expect(input).toContain(SCHEDULED_TIME);
      const event = JSON.parse(input.replaceAll(SCHEDULED_TIME, scheduledTime));

      const produced = await fns.producer.invoke<ProducerResult>(event);
      if (produced.error)
        throw new Error(`the producer archive failed: ${produced.error.stack}\n${fns.producer.output()}`);
      const result = produced.result!;
      // The same window and events as the source generator makes from the same settings.
      const window = resolveWindow({ windowMinutes: cfg.windowMinutes, seed: cfg.generatorSeed }, event);
      expect(result.window).toEqual(window);
      const fromSource = generateWindow(
        { products: catalog.products, stores: catalog.stores },
        { start: window.start, minutes: window.minutes, seed: window.seed, peakLinesPerMinute: cfg.peakLinesPerMinute },
      );
      expect(result.events).toEqual(perStream((s) => fromSource[s].length));
      expect(result.events.sales).toBeGreaterThan(100);

      // Each consumer archive behind its mapping's event source: batch size and partial batch responses as declared.
      const sent = perStream(() => new Map<string, Record<string, unknown>>());
      await Promise.all(
        streamNames.map(async (stream) => {
          const mapping = named(run, 'aws:lambda/eventSourceMapping:EventSourceMapping', `functions-${stream}-mapping`);
          // The event source below deletes only what the response does not list: ReportBatchItemFailures.
          expect(mapping.inputs.functionResponseTypes).toEqual(['ReportBatchItemFailures']);
          const fn = fns[consumerOf[stream]];
          const source = new SqsEventSource({
            sqs: em.sqs,
            queueUrl: queues[stream].url,
            queueArn: queues[stream].arn,
            functionName: shipped[consumerOf[stream]].resourceName,
            batchSize: mapping.inputs.batchSize,
            concurrency: 2,
            functionTimeoutMs:
              named(run, 'aws:lambda/function:Function', shipped[consumerOf[stream]].resourceName).inputs.timeout *
              1000,
            handler: async (e) => {
              const answer = await fn.invoke<SQSBatchResponse>(e);
              if (answer.error) throw new Error(`${stream} consumer archive failed: ${answer.error.stack}`);
              return answer.result;
            },
            onReceive: async (messages) => {
              for (const m of messages)
                for (const e of unpackMessage(m.Body!).events as Record<string, unknown>[])
                  sent[stream].set(String(e[streams[stream].contract.key]), e);
            },
          });
          const stats = await source.drain(() => true);
          expect(stats.handlerErrors).toBe(0);
          expect(stats.messagesFailed).toBe(0);
          expect(stats.messagesDeleted).toBe(result.messages[stream]);
        }),
      );
      expect(sent.sales.size).toBe(result.events.sales);
      expect(sent.inventory.size).toBe(result.events.inventory);
      expect([...sent.sales.keys()].sort()).toEqual(fromSource.sales.map((s) => s.transaction_id).sort());

      warehouse = await openTestWarehouse();
      const load = await loadLandingFiles({ driver: warehouse, s3: em.s3, bucket });
      expect(load.failures).toEqual([]);
      const rejected = await rejectedIds(bucket, 'rejected/');
      for (const stream of streamNames) {
        const { table, key } = streams[stream].contract;
        const loaded = (await warehouse.query<{ id: string }>(`SELECT ${key} AS id FROM ${qualified(table)}`)).map(
          (r) => r.id,
        );
        expect(loaded.length).toBe(new Set(loaded).size);
        expect([...loaded, ...(rejected.get(stream) ?? [])].sort()).toEqual([...sent[stream].keys()].sort());
      }
      const [overall] = await warehouse.query<{ sale_lines: string; units: string }>(
        `SELECT sale_lines, units FROM ${qualified('v_revenue_overall')}`,
      );
      const units = [...sent.sales.values()].reduce((n, e) => n + Number(e.quantity), 0);
      expect({ lines: Number(overall.sale_lines), units: Number(overall.units) }).toEqual({
        lines: result.events.sales,
        units,
      });
    }, 120_000);

    test('the malformed-message corpus gets the same answers from each consumer archive as from the source module', async () => {
      const known = knownIdsOf(catalog);
      const quiet = new Logger({ logLevel: 'SILENT' });
      const sourceBucket = `${bucket}-source`;
      await em.s3.send(new CreateBucketCommand({ Bucket: sourceBucket }));
      const corpus = malformedCorpus();
      // The mixed message twice, as SQS may deliver it.
      const bodies = [...Object.entries(corpus), ['mixedAgain', corpus.mixed]];
      for (const stream of streamNames) {
        // A queue of its own, with the stack's message size limit, so the records are real receives.
        const declared = named(run, 'aws:sqs/queue:Queue', `streams-${stream}`);
        const url = (
          await em.sqs.send(
            new CreateQueueCommand({
              QueueName: `corpus-${stream}`,
              Attributes: { MaximumMessageSize: String(declared.inputs.maxMessageSize) },
            }),
          )
        ).QueueUrl!;
        const arn = (await em.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
          .Attributes!.QueueArn!;
        const nameOf = new Map<string, string>();
        for (const [name, body] of bodies)
          nameOf.set(
            (await em.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }))).MessageId!,
            name,
          );
        const messages: Message[] = [];
        while (messages.length < bodies.length) {
          const { Messages = [] } = await em.sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: url,
              MaxNumberOfMessages: 10,
              MessageSystemAttributeNames: ['All'],
              VisibilityTimeout: 60,
            }),
          );
          messages.push(...Messages);
        }
        const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(m, arn, 'us-east-1')) };

        const consumer = fns[consumerOf[stream]];
        const fromArchive = await consumer.invoke<SQSBatchResponse>(event);
        expect(fromArchive.error).toBeUndefined();
        const fromSource = await consumeBatch(
          { s3: em.s3, known, settings: { stream, bucket: sourceBucket }, logger: quiet },
          event,
        );
        const failed = (r: SQSBatchResponse) => r.batchItemFailures.map((f) => nameOf.get(f.itemIdentifier)).sort();
        const answers = { stream, shipped: failed(fromArchive.result!), source: failed(fromSource) };
        if (answers.shipped.join() !== answers.source.join())
          throw new Error(`different answers ${JSON.stringify(answers)}; the archive printed:\n${consumer.output()}`);
        expect(answers.source).toEqual(
          stream === 'sales' ? ['invalidJson', 'wrongStream'] : ['invalidJson', 'mixed', 'mixedAgain', 'tooLarge'],
        );
      }
      // The same objects, byte for byte, under the prefixes the corpus writes to (the pipeline test wrote only 2026-11-27).
      for (const prefix of ['sales/dt=2026-11-28/', 'rejected/']) {
        const shippedObjects = await objects(bucket, prefix);
        expect(shippedObjects.size).toBeGreaterThan(0);
        expect(shippedObjects).toEqual(await objects(sourceBucket, prefix));
      }
    }, 60_000);

    test("the migrator archive applies the stack's migrations through the Redshift Data API, for the hash the deploy invokes it with", async () => {
      // A real database behind the Data API (PGlite playing Redshift), so the migrator's reads
      // (SYS_COPY_JOB, its COPY JOB generations) are answered as Redshift would answer them.
      migratorDb = await createPglite({ loadDataDir: await blankDataDir() }, TEST_PGLITE.sharedBuffers);
      fake = await startFakeRedshiftData(migratorDb, { pollsBeforeDone: 0, s3: em.s3 });
      // The Data API is the fake; S3 (files that predate a COPY JOB, smoke-test canaries) is fauxqs.
      const migrator = await stackOnEmulator.start('migrator', {
        AWS_ENDPOINT_URL: em.endpoint.url,
        AWS_ENDPOINT_URL_REDSHIFT_DATA: fake.endpoint,
      });
      const invocation = named(run, 'aws:lambda/invocation:Invocation', 'warehouse-migrate');
      expect(invocation.inputs.functionName).toBe(
        named(run, 'aws:lambda/function:Function', shipped.migrator.resourceName).state.name,
      );
      const answer = await migrator.invoke<MigratorResult>(JSON.parse(invocation.inputs.input));
      if (answer.error) throw new Error(`the migrator archive failed: ${answer.error.stack}\n${migrator.output()}`);
      expect(answer.result!.hash).toBe((run.outputs as { migrationsHash: string }).migrationsHash);
      expect(answer.result!.skipped).toEqual([]);
      expect(answer.result!.applied.length).toBeGreaterThan(3);
      const sql = fake.sent().flat().join('\n');
      for (const { contract } of Object.values(streams)) {
        expect(sql).toContain(`CREATE TABLE IF NOT EXISTS ${qualified(contract.table)}`);
        expect(sql).toMatch(
          new RegExp(`COPY ${qualified(contract.table).replace('.', '\\.')}[\\s\\S]*?s3://${bucket}/`),
        );
      }
      expect(
        new Set(fake.calls.map((c) => (c.body as { WorkgroupName?: string }).WorkgroupName).filter(Boolean)),
      ).toEqual(new Set([shipped.migrator.environment.WORKGROUP_NAME]));
    }, 60_000);

    async function objects(inBucket: string, prefix: string): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      let token: string | undefined;
      do {
        const page = await em.s3.send(
          new ListObjectsV2Command({ Bucket: inBucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? [])
          out.set(
            o.Key!,
            await (await em.s3.send(new GetObjectCommand({ Bucket: inBucket, Key: o.Key! }))).Body!.transformToString(),
          );
        token = page.NextContinuationToken;
      } while (token);
      return out;
    }

    /** Ids of the events set aside under rejected/<stream>/, per stream. */
    async function rejectedIds(inBucket: string, prefix: string): Promise<Map<StreamName, string[]>> {
      const out = new Map<StreamName, string[]>();
      for (const [key, text] of await objects(inBucket, prefix)) {
        const stream = key.split('/')[1] as StreamName;
        for (const line of text.trim().split('\n'))
          out.set(stream, [...(out.get(stream) ?? []), String(JSON.parse(line).event[streams[stream].contract.key])]);
      }
      return out;
    }
  });
}

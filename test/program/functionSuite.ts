// The four functions: runtime, sizes and logging from the config, and what their archives hold.
import * as pulumi from '@pulumi/pulumi';
import { producerSettingsFromEnv } from '../../functions/producer';
import { producerSettingsOf } from '../../infra/config';
import { BUNDLE_FILE, HANDLER, isProvidedByRuntime } from '../../infra/lambdaPackaging';
import { PRODUCER_SETTINGS, producerDefaults, producerSettingNames } from '../../kernel/producerSettings';
import { twinProducerEnvironment } from '../support/producerSettings';
import { named, ofType } from '../../tools/mockGraph';
import { FN, type StackRun } from './stackRun';

/** Each function's resource name and the one data file its archive carries beside the bundle. */
const ARCHIVE_DATA = {
  'functions-producer': 'catalog.json',
  'functions-sales-consumer': 'dims.json',
  'functions-inventory-consumer': 'dims.json',
  'warehouse-migrator': 'migrations.json',
} as const;

export function describeFunctions(s: StackRun): void {
  test('functions: runtime and sizes from config, JSON logs to their own log group with the configured retention', () => {
    const { run, cfg } = s;
    for (const fn of ofType(run, FN)) {
      expect(fn.inputs.runtime).toBe(cfg.lambdaRuntime);
      const group = ofType(run, 'aws:cloudwatch/logGroup:LogGroup').find(
        (g) => g.state.name === fn.inputs.loggingConfig.logGroup,
      );
      expect(group?.name).toBe(`${fn.name}-logs`);
      expect(group?.inputs.retentionInDays).toBe(cfg.logRetentionDays);
      expect(fn.inputs.loggingConfig.logFormat).toBe('JSON');
    }
    expect(named(run, FN, 'functions-producer').inputs).toMatchObject({
      memorySize: cfg.producerMemoryMb,
      timeout: cfg.producerTimeoutSeconds,
    });
    expect(named(run, FN, 'functions-sales-consumer').inputs).toMatchObject({
      memorySize: cfg.consumerMemoryMb,
      timeout: cfg.consumerTimeoutSeconds,
      environment: { variables: { LANDING_BUCKET: (run.outputs as any).landingBucket } },
    });
  });

  test('each archive is the bundled handler (index.js) and its data; every module it requires is one the runtime provides', async () => {
    for (const [resource, data] of Object.entries(ARCHIVE_DATA)) {
      const fn = named(s.run, FN, resource);
      expect(fn.inputs.handler).toBe(HANDLER);
      const assets = await fn.inputs.code.assets;
      expect(Object.keys(assets).sort()).toEqual([data, BUNDLE_FILE].sort());
      const text: string = await assets[BUNDLE_FILE].text;
      expect(text).not.toMatch(/faker/i);
      const required = [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
      for (const mod of required) expect([resource, mod, isProvidedByRuntime(mod)]).toEqual([resource, mod, true]);
    }
  });

  test("the producer's environment holds every setting of kernel/producerSettings.ts as the config sets it, and the twin's shipped producer gets the same", () => {
    const env: Record<string, string> = named(s.run, FN, 'functions-producer').inputs.environment.variables;
    const settings = producerSettingsFromEnv(env);
    expect(settings).toEqual({ queueUrls: settings.queueUrls, ...producerSettingsOf(s.cfg) });
    for (const name of producerSettingNames) expect(env).toHaveProperty(PRODUCER_SETTINGS[name].env);
    const twin = twinProducerEnvironment(settings);
    expect(twin).toMatchObject(env);
  });

  // The bench packages each handler as a CallbackFunction would (bench/lambda.ts), serializing what it captures.
  test("the producer's settings survive Pulumi's closure serializer, which takes an object with a `default` key for an import", async () => {
    const closure = await pulumi.runtime.serializeFunction(() => producerDefaults(), { serialize: () => true });
    expect(closure.text).toContain('LOST_SALES_RATE');
  });
}

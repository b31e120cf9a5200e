// `pulumi up` twice under mocks: the program run again with the same config declares every
// resource with the same inputs (so the engine plans no update: no refused no-op, no re-run
// Invocation), and a config change touches only what derives from it. Each run gets fresh
// modules (jest.isolateModules), so the mocks hand out the same ids as a real stack's state would.
import type { MockRun } from '../../tools/mockGraph';
import { stackYamlConfig } from '../../infra/config';

async function deploy(config: Record<string, string>): Promise<MockRun> {
  let run!: MockRun;
  // @pulumi/pulumi keeps its runtime state on `global`: a fresh run needs a fresh store.
  delete (global as { globalStore?: unknown }).globalStore;
  await jest.isolateModulesAsync(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- each deploy loads the harness and the program afresh inside jest.isolateModulesAsync
    const { runUnderMocks } = require('../../tools/mockGraph') as typeof import('../../tools/mockGraph');
    run = await runUnderMocks({ stack: 'dev', config });
  });
  return run;
}

/**
 * The mocks number the ids they hand out (zero-padded hex) in registration order, which varies
 * with timing on a busy machine; a real stack's ids do not change between deploys. So those
 * counters are blanked before comparing (a real hash or checksum is the same text in both runs).
 */
const blankMockIds = (text: string) => text.replace(/0{3,}[0-9a-f]{1,4}/g, '#');

/** Each custom resource's inputs by URN; a function's code as the text of its files (the bundle and its data). */
async function inputsByUrn(run: MockRun): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const r of run.resources.filter((x) => x.custom)) {
    const { code, ...rest } = r.inputs;
    const assets = r.type === 'aws:lambda/function:Function' ? await code.assets : undefined;
    const files = assets
      ? Object.fromEntries(
          await Promise.all(
            Object.keys(assets)
              .sort()
              .map(async (f) => [f, await assets[f].text]),
          ),
        )
      : undefined;
    out.set(r.urn, blankMockIds(JSON.stringify({ ...rest, ...(files ? { files } : {}) })));
  }
  return out;
}

const changed = (a: Map<string, string>, b: Map<string, string>) =>
  [...new Set([...a.keys(), ...b.keys()])]
    .filter((urn) => a.get(urn) !== b.get(urn))
    .map((urn) => urn.split('::').pop()!)
    .sort();

describe('the dev stack deployed again under mocks', () => {
  const config = stackYamlConfig('dev');
  let first: Map<string, string>;
  beforeAll(async () => {
    const run = await deploy(config);
    expect(run.errors).toEqual([]);
    first = await inputsByUrn(run);
  }, 180_000);

  test('unchanged config: every resource has the same inputs', async () => {
    const again = await deploy(config);
    expect(again.errors).toEqual([]);
    expect(again.resources.length).toBe(first.size + again.resources.filter((r) => !r.custom).length);
    expect(changed(first, await inputsByUrn(again))).toEqual([]);
  }, 180_000);

  test('a new catalogProducts changes the functions that carry the catalog and the migration, nothing else', async () => {
    const products = Number(JSON.parse(config['bfstream:catalogProducts'] ?? '200'));
    const run = await deploy({ ...config, 'bfstream:catalogProducts': String(products - 10) });
    expect(run.errors).toEqual([]);
    expect(changed(first, await inputsByUrn(run))).toEqual([
      'functions-inventory-consumer',
      'functions-producer',
      'functions-sales-consumer',
      'warehouse-migrate',
      'warehouse-migrator',
    ]);
  }, 180_000);
});

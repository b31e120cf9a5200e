// npm run reload-failed: bad usage is one line and exit 2; only the migrator's own answer counts.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { formatReload, invokeReloadFailed, main } from './reloadFailed';

/** A Lambda that answers with this payload: the failure to force is a function that is not the migrator. */
const answering = (payload: unknown, functionError?: string) =>
  ({
    send: async () => ({
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
      ...(functionError ? { FunctionError: functionError } : {}),
    }),
  }) as unknown as LambdaClient;

describe('reload-failed', () => {
  let err: jest.SpyInstance;
  beforeEach(() => (err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true)));
  afterEach(() => err.mockRestore());

  it.each([[[]], [['--function']], [['--functoin', 'x']], [['--function', 'f', 'extra']]])(
    'exits 2 with one line on bad usage %j',
    async (argv) => {
      expect(await main(argv)).toBe(2);
      expect(err).toHaveBeenCalledTimes(1);
      const line = String(err.mock.calls[0][0]);
      expect(line).toMatch(/^reload-failed: .*usage: npm run reload-failed -- --function <migrator function name>/);
      expect(line.trimEnd().split('\n')).toHaveLength(1);
    },
  );

  it('prints its usage on --help and -h, exits 0, and calls nothing', async () => {
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      for (const flag of ['--help', '-h']) {
        out.mockClear();
        expect(await main([flag])).toBe(0);
        expect(out.mock.calls.map((c) => String(c[0]))).toEqual([
          'usage: npm run reload-failed -- --function <migrator function name> [--region <region>] [--dry-run]\n',
        ]);
      }
      expect(err).not.toHaveBeenCalled();
    } finally {
      out.mockRestore();
    }
  });

  it('accepts only the reloadFailed result, and says what the function answered otherwise', async () => {
    const result = { action: 'reloadFailed', dryRun: false, reloaded: ['sales/a.csv'], failed: [], alreadyLoaded: [] };
    await expect(invokeReloadFailed(answering(result), 'm', false)).resolves.toEqual(result);
    await expect(invokeReloadFailed(answering({ window: 'x' }), 'producer', false)).rejects.toThrow(
      /producer did not answer as the migrator's reloadFailed action/,
    );
    await expect(invokeReloadFailed(answering({ errorMessage: 'boom' }, 'Unhandled'), 'm', false)).rejects.toThrow(
      'the migrator failed (Unhandled): {"errorMessage":"boom"}',
    );
  });

  it('prints a line per file', () => {
    expect(
      formatReload({
        action: 'reloadFailed',
        dryRun: false,
        reloaded: ['sales/a.csv'],
        alreadyLoaded: ['sales/b.csv'],
        failed: [{ key: 'sales/c.csv', error: 'bad row' }],
      }),
    ).toEqual([
      'reloaded sales/a.csv',
      'already loaded by another run sales/b.csv',
      'failed again sales/c.csv: bad row',
    ]);
    expect(formatReload({ action: 'reloadFailed', dryRun: true, reloaded: [], alreadyLoaded: [], failed: [] })).toEqual(
      ['no failed file to reload'],
    );
  });
});

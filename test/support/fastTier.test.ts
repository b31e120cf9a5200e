import { forbidSlowParts, PGlite } from './fastTier';

describe("the fast tier's guard", () => {
  it('makes every way of starting a child process, a server, a worker thread or PGlite fail with the fix named', () => {
    const parts = {
      childProcess: {} as Record<string, unknown>,
      net: { Server: { prototype: { listen: undefined as unknown } } },
      workerThreads: {} as Record<string, unknown>,
    };
    forbidSlowParts(parts);
    const fix = 'List the suite in slowSuites of test/tiers.js (npm test still runs it).';
    for (const name of ['spawn', 'spawnSync', 'fork', 'exec', 'execSync', 'execFile', 'execFileSync'])
      expect(() => (parts.childProcess[name] as () => void)()).toThrow(
        `fast tier: this suite starts a child process (child_process.${name}); the fast tier runs pure units only. ${fix}`,
      );
    expect(() => (parts.net.Server.prototype.listen as () => void)()).toThrow(
      'fast tier: this suite starts a server (net.Server.listen)',
    );
    const Worker = parts.workerThreads.Worker as new () => unknown;
    expect(() => new Worker()).toThrow('fast tier: this suite starts a worker thread');
    expect(() => PGlite.create()).toThrow('fast tier: this suite opens PGlite');
    expect(() => new PGlite()).toThrow(fix);
  });
});

// The fast tier (`npm run test:fast`) runs pure units only. Its jest config installs this guard
// in every suite, so a suite that starts a server, a child process, a worker thread or PGlite
// fails there with a message naming the fix, instead of slowing the tier down unnoticed.
// Membership is therefore mechanical: test/tiers.js lists the suites that need those parts.

/** The node modules whose slow parts the guard closes; the test hands in copies. */
export interface SlowParts {
  childProcess: Record<string, unknown>;
  net: { Server: { prototype: { listen: unknown } } };
  workerThreads: Record<string, unknown>;
}

const CHILD_PROCESS_STARTERS = ['spawn', 'spawnSync', 'fork', 'exec', 'execSync', 'execFile', 'execFileSync'];

/** The one error a fast suite gets when it reaches for a slow part. */
export function slowPartError(what: string): Error {
  return new Error(
    `fast tier: this suite ${what}; the fast tier runs pure units only. ` +
      'List the suite in slowSuites of test/tiers.js (npm test still runs it).',
  );
}

/** Replace every way of starting a slow part with one that throws slowPartError. */
export function forbidSlowParts(parts: SlowParts): void {
  for (const name of CHILD_PROCESS_STARTERS)
    parts.childProcess[name] = () => {
      throw slowPartError(`starts a child process (child_process.${name})`);
    };
  parts.net.Server.prototype.listen = () => {
    throw slowPartError('starts a server (net.Server.listen)');
  };
  parts.workerThreads.Worker = class {
    constructor() {
      throw slowPartError('starts a worker thread');
    }
  };
}

/** Stands in for @electric-sql/pglite in the fast tier (fastTierSetup.ts mocks it with this). */
export class PGlite {
  constructor() {
    throw slowPartError('opens PGlite');
  }
  static create(): never {
    throw slowPartError('opens PGlite');
  }
}

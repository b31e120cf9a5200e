// setupFilesAfterEnv of the fast tier: close the slow parts before the suite loads (see fastTier.ts).
import { forbidSlowParts } from './fastTier';

// The node modules themselves (jest hands out the real core modules), not namespace copies.
forbidSlowParts({
  childProcess: jest.requireActual('node:child_process'),
  net: jest.requireActual('node:net'),
  workerThreads: jest.requireActual('node:worker_threads'),
});

// No PGlite here: the stand-in throws, so a suite that opens one fails with the fix named.
jest.mock('@electric-sql/pglite', () => jest.requireActual('./fastTier'));

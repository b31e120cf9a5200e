// The fast tier: pure units, in seconds, while editing (`npm run test:fast`). See test/tiers.js.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS config, loaded by jest with require
const base = require('./jest.config.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the same: CommonJS, as jest loads it
const { slowSuites } = require('./test/tiers.js');

const escape = (path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testPathIgnorePatterns: [...base.testPathIgnorePatterns, ...slowSuites.map((p) => `<rootDir>/${escape(p)}$`)],
  setupFilesAfterEnv: ['<rootDir>/test/support/fastTierSetup.ts'],
};

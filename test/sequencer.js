// Jest's order of suites, with one change: when jest has no times for them (a fresh clone), the
// heaviest suites (test/tiers.js) start first, so that no long suite is left to run alone at the end.
// With times, jest's own order (failed first, then longest first) stands.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS module, loaded by jest with require
const Sequencer = require('@jest/test-sequencer').default;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the same: CommonJS, as jest loads it
const { heaviestSuites } = require('./tiers.js');

class HeaviestFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    if (sorted.some((test) => test.duration != null)) return sorted;
    const rank = (test) => {
      const i = heaviestSuites.findIndex((path) => test.path.endsWith(`/${path}`));
      return i < 0 ? heaviestSuites.length : i;
    };
    // A stable sort: the rest keep jest's order (by file size).
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = HeaviestFirst;

// Flags typed after `npm start` without `--` are npm's, not the twin's: named, with the right command.
import { npmSwallowedFlags } from './npmFlags';

const known = [
  { long: '--fresh', usage: '--fresh' },
  { long: '--seed', usage: '--seed <n>' },
  { long: '--progress', usage: '--progress <mode>' },
];

it('names the twin flags npm exported as npm_config_*, only under npm', () => {
  const env = { npm_lifecycle_event: 'start', npm_config_fresh: 'true', npm_config_seed: '7' };
  expect(npmSwallowedFlags(env, known)).toBe(
    'npm kept --fresh, --seed for itself (npm passes flags to the twin only after --), so nothing ran: run npm start -- --fresh --seed <n>',
  );
  expect(npmSwallowedFlags({ npm_config_fresh: 'true' }, known)).toBeUndefined();
});

it("leaves npm's own settings alone unless a flag set them", () => {
  // CI often sets NPM_CONFIG_PROGRESS=false; `npm start --progress` sets true.
  expect(npmSwallowedFlags({ npm_lifecycle_event: 'start', npm_config_progress: 'false' }, known)).toBeUndefined();
  expect(npmSwallowedFlags({ npm_lifecycle_event: 'twin', npm_config_progress: 'true' }, known)).toMatch(
    /run npm run twin -- --progress <mode>$/,
  );
});

// `npm start --fresh`, without `--`, never reaches the twin: npm reads --fresh as its own
// configuration, exports it as npm_config_fresh and runs the script without it, so the run
// would quietly add to the old data. The twin spots its own flags there and refuses, naming
// the command that does what was meant.

/** Flags npm itself also knows; in npm's environment they count only as `true`, what a flag typed after `npm start` sets. */
const NPM_OWN = new Set(['json', 'progress']);

/** A flag of the twin, as commander declares it: `--fresh`, `--runs <n>`, `--serve [port]`. */
export interface KnownFlag {
  long: string;
  /** The flag with its value placeholder, e.g. `--runs <n>`. */
  usage: string;
}

/**
 * The problem when npm swallowed some of the twin's flags, or undefined. Only under npm
 * (npm_lifecycle_event set), where each flag typed before `--` became npm_config_<name>.
 */
export function npmSwallowedFlags(env: NodeJS.ProcessEnv, known: readonly KnownFlag[]): string | undefined {
  if (!env.npm_lifecycle_event) return undefined;
  const swallowed = known.filter((flag) => {
    const value = env[`npm_config_${flag.long.replace(/^--/, '').replace(/-/g, '_')}`];
    if (value === undefined) return false;
    return !NPM_OWN.has(flag.long.slice(2)) || value === 'true';
  });
  if (!swallowed.length) return undefined;
  const script = env.npm_lifecycle_event === 'start' ? 'npm start' : `npm run ${env.npm_lifecycle_event}`;
  return (
    `npm kept ${swallowed.map((f) => f.long).join(', ')} for itself (npm passes flags to the twin only after --), ` +
    `so nothing ran: run ${script} -- ${swallowed.map((f) => f.usage).join(' ')}`
  );
}

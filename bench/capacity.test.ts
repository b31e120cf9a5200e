// `npm run capacity`: both stacks print their hops; bad flags exit 2 with a clear error.
import { formatCapacity, main, readStack } from './capacity';
import { measuredCosts } from '../infra/capacity';

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(
    argv,
    (s) => void (out += s),
    (s) => void (err += s),
  );
  return { code, out, err };
}

it.each(['dev', 'prod'])('models the %s stack hop by hop, with the first hop to give', (stack) => {
  const { code, out, err } = run('--stack', stack);
  expect(err).toBe('');
  expect(code).toBe(0);
  for (const hop of [
    'producer run time',
    'producer memory',
    'sales consumers',
    'inventory consumers',
    'SQS',
    'S3 event integration + COPY JOB',
  ])
    expect(out).toContain(`  ${hop}`);
  expect(out).toMatch(
    /First hop to give: .+, at [\d,]+ sale lines\/min: [\d.]+x the configured peak \(goal: 10x, met\)/,
  );
  expect(out).toMatch(
    /To hold [\d,]+ sale lines\/min \(the configured peak; --peak N for another\):\n {2}no change needed\./,
  );
});

it('names the keys to change, and to what, for a peak the stack cannot hold', () => {
  const { code, out } = run('--stack', 'dev', '--peak', '5000000');
  expect(code).toBe(0);
  expect(out).toMatch(
    /To hold 5,000,000 sale lines\/min:\n( {2}- bfstream:\w+: \S+ -> \S+ \(.+\)\n| {2}- cannot: .+\n?)+/,
  );
});

it.each([
  [['--stack', 'nope'], /--stack: no Pulumi\.nope\.yaml/],
  [['--stack', 'prod', '--peak', 'lots'], /--peak.*must be a whole number 1\.\.100000000, got "lots"/],
  [['--stack', 'prod', '--peak', '0'], /must be a whole number/],
  [[], /required option '--stack <name>' not specified/],
  [['--stack', 'prod', '--bogus'], /unknown option '--bogus'/],
  [
    ['--stack', 'prod', '--results', '/nonexistent/results.json'],
    /--results: \/nonexistent\/results\.json does not exist/,
  ],
])('refuses %j with exit code 2', (argv, message) => {
  const { code, out, err } = run(...(argv as string[]));
  expect(code).toBe(2);
  expect(out).toBe('');
  expect(err).toMatch(message as RegExp);
});

it('names the streams costed by stand-ins because the reviewed costs have no figures for them', () => {
  const costs = { ...measuredCosts(), unmeasured: ['inventory' as const] };
  expect(formatCapacity('dev', readStack('dev'), costs, 1000)).toContain(
    '  not measured yet: inventory, costed as the costliest measured stream',
  );
  expect(formatCapacity('dev', readStack('dev'), { ...measuredCosts(), unmeasured: undefined }, 1000)).not.toContain(
    'not measured yet',
  );
});

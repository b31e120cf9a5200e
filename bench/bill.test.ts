// The season's bill: npm run cost against a second, independent count of the same graph, the
// goals of issue 23, the README's copy, and the CLI's refusals.
import { readFileSync } from 'node:fs';
import { ofType, type MockRun } from '../tools/mockGraph';
import { billedSeconds, main, monthOf, stackGraph, type Month, type StackBill } from './bill';
import { BILL_BLOCKS, BILL_CASES, costBlockOf, readmeBills } from './readmeBill';
import { README_PATH } from './readmeFigures';

/**
 * A second count, written apart from bench/bill.ts: walk every second of the month, mark the seconds
 * a trigger of a warehouse-waking schedule keeps it busy (60 s from each trigger), plus the
 * migration's 300 s at the deploy, and count the marked seconds.
 */
function independentBilledSeconds(run: MockRun, month: Month): { seconds: number; triggers: number } {
  const arnOf = (name: string) => run.resources.find((r) => r.name === name)!.state.arn;
  const wakers = new Set([arnOf('functions-producer'), arnOf('warehouse-migrator')]);
  const monthStart = +month.start / 1000;
  const total = (+month.end - +month.start) / 1000;
  const busy = new Uint8Array(total + 300);
  const mark = (from: number, length: number) => busy.fill(1, from, Math.min(total, from + length));
  mark(0, 300);
  let triggers = 0;
  for (const s of run.resources.filter((r) => r.type === 'aws:scheduler/schedule:Schedule')) {
    if (!wakers.has(s.inputs.target.arn) || (s.inputs.state ?? 'ENABLED') !== 'ENABLED') continue;
    const [, count, unit] = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(s.inputs.scheduleExpression)!;
    const stepSeconds = Number(count) * { minute: 60, hour: 3600, day: 86_400 }[unit as 'minute']!;
    const first = s.inputs.startDate ? Date.parse(s.inputs.startDate) / 1000 : monthStart;
    const end = s.inputs.endDate ? Date.parse(s.inputs.endDate) / 1000 : Infinity;
    for (let second = 0; second < total; second++) {
      const t = monthStart + second;
      if (t >= first && t < end && (t - first) % stepSeconds === 0) {
        mark(second, 60);
        triggers++;
      }
    }
  }
  return { seconds: busy.reduce((a, b) => a + b, 0), triggers };
}

/**
 * Each stack's graph for a month, run under mocks once and shared by every bill and count that reads
 * it: a run takes seconds, and the README's bills already hold two of the months counted below.
 */
const graphs = new Map<string, ReturnType<typeof stackGraph>>();
const sharedGraph: typeof stackGraph = (stack, month, overrides = {}) => {
  const key = JSON.stringify([stack, month.label, overrides]);
  if (!graphs.has(key)) graphs.set(key, stackGraph(stack, month, overrides));
  return graphs.get(key)!;
};

describe("a season's bill", () => {
  let bills: StackBill[] = [];
  beforeAll(async () => {
    bills = await readmeBills(sharedGraph);
  }, 600_000);
  const billOf = (label: string) => bills[BILL_CASES.findIndex((c) => c.label.startsWith(label))];

  it.each([
    ['prod', '2027-11'],
    ['dev', '2027-11'],
    ['dev', '2030-12'],
  ])(
    '%s %s: an independent count of every trigger in the graph bills the same warehouse seconds',
    async (stack, label) => {
      const month = monthOf(label);
      const { run } = await sharedGraph(stack, month);
      const independent = independentBilledSeconds(run, month);
      const { stackBill } = await import('./bill');
      const bill = await stackBill(stack, month, { graphOf: sharedGraph });
      expect(bill.warehouse.billedSeconds).toBe(independent.seconds);
      expect(bill.schedules.reduce((t, s) => t + s.triggers.length, 0)).toBe(independent.triggers);
      expect(ofType(run, 'aws:scheduler/schedule:Schedule').every((s) => s.inputs.endDate)).toBe(true);
    },
    300_000,
  );

  it('meets the goals: November ≤ $400 of compute, a month without a sale ≤ $20, dev ≤ $150 on and ≤ $10 off', () => {
    const november = billOf('prod, November');
    expect(november.warehouse.usd).toBeLessThanOrEqual(400);
    // Thanksgiving to Cyber Monday is 120 hours; the load check's tail adds its last minutes.
    expect(november.warehouse.billedSeconds / 3600).toBeGreaterThanOrEqual(120);
    expect(billOf('prod, January 2027 (no sale)').total).toBeLessThanOrEqual(20);
    expect(billOf('dev, November').total).toBeLessThanOrEqual(150);
    expect(billOf('dev, January 2027, schedule off').total).toBeLessThanOrEqual(10);
    // The dashboard's seats and view wakes are lines of their own.
    const withDashboard = billOf('prod, January 2027, dashboard on');
    expect(withDashboard.lines.map((l) => l.item)).toEqual(
      expect.arrayContaining([
        'Quick Suite authors (one user per principal)',
        'Redshift compute: dashboard views (DIRECT_QUERY)',
      ]),
    );
    for (const line of november.lines) expect(line.price.readOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it.each(Object.keys(BILL_BLOCKS))(
    "the README's %s block is what npm run cost renders (npm run cost -- --readme)",
    (name) => {
      const readme = readFileSync(README_PATH, 'utf8');
      expect(costBlockOf(readme, name)).toBe(BILL_BLOCKS[name as keyof typeof BILL_BLOCKS](bills));
    },
  );
});

describe('billed seconds', () => {
  it('merge overlapping wakes and bill each busy span at least 60 s', () => {
    expect(billedSeconds([])).toBe(0);
    expect(billedSeconds([{ at: 0, seconds: 1 }])).toBe(60);
    // Triggers a minute apart keep it busy without a break: 3 minutes, not 3 x 60 s apart.
    expect(billedSeconds([0, 60_000, 120_000].map((at) => ({ at, seconds: 60 })))).toBe(180);
    expect(billedSeconds([0, 30_000, 600_000].map((at) => ({ at, seconds: 60 })))).toBe(150);
  });
});

describe('npm run cost', () => {
  const runCli = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      argv,
      (s) => out.push(s),
      (s) => err.push(s),
      new Date('2027-11-27T00:00:00Z'),
    );
    return { code, out: out.join(''), err: err.join('') };
  };

  it.each([
    [
      ['--stack', 'qa'],
      `error: option '--stack <name>' argument 'qa' is invalid. must be one of dev, prod, got "qa" (run with --help for all flags)\n`,
    ],
    [
      ['--stack', 'dev', '--month', '2027-13'],
      `error: option '--month <YYYY-MM>' argument '2027-13' is invalid. must be YYYY-MM, got "2027-13" (run with --help for all flags)\n`,
    ],
    [['--month', '2027-11'], `error: required option '--stack <name>' not specified (run with --help for all flags)\n`],
    [['--stack', 'dev', '--colour'], `error: unknown option '--colour' (run with --help for all flags)\n`],
  ])('refuses %j with exit 2 and one line', async (argv, message) => {
    const { code, err, out } = await runCli(...argv);
    expect([code, err, out]).toEqual([2, message, '']);
  });

  it('bills this month when no month is given, naming each price and its date', async () => {
    const { code, out } = await runCli('--stack', 'dev', '--config', 'scheduleEnabled=false');
    expect(code).toBe(0);
    expect(out).toMatch(/^Bill of stack dev, 2027-11 \(deployed 2027-11-01T00:00:00Z/);
    expect(out).toMatch(/KMS keys +\$1\.00 +1; \$1 per customer managed key-month, read 2026-11-28/);
    expect(out).toMatch(/DISABLED: 0 triggers this month/);
  }, 120_000);
});

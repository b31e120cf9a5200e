// The README's bill and its freshness sentence, rendered by `npm run cost` (bench/bill.ts) between
// `<!-- cost:<name> -->` and `<!-- /cost:<name> -->`. `npm run cost -- --readme` rewrites them;
// bench/bill.test.ts fails when the README's copy differs from what the program's graph bills.
import { readFileSync, writeFileSync } from 'node:fs';
import { measuredCosts } from '../infra/capacity';
import { readStack } from './capacity';
import { BILL_ASSUMPTIONS, monthOf, stackBill, type BillOptions, type StackBill } from './bill';
import { BILL_PRICES } from './cost/billPrices';
import { freshnessBudget } from './freshnessBudget';
import { blockOf, README_PATH, withBlocks } from './readmeFigures';

/** A dashboard for the bill's "with it on" row: one analysts' group (author) and one viewers' group. */
const DASHBOARD_ON = {
  'bfstream:dashboardEnabled': 'true',
  'bfstream:quicksightPrincipalArn': 'arn:aws:quicksight:us-east-1:123456789012:group/default/bf-analysts',
  'bfstream:quicksightViewerArn': 'arn:aws:quicksight:us-east-1:123456789012:group/default/bf-viewers',
};

/** The months the README bills, with the figures from before the calendar (issue 23) to compare. */
export const BILL_CASES = [
  { label: 'prod, November 2027 (the sale at 1-minute windows)', stack: 'prod', month: '2027-11', before: '$8,640' },
  { label: 'prod, January 2027 (no sale), dashboard off', stack: 'prod', month: '2027-01', before: '$8,640' },
  {
    label: 'prod, January 2027, dashboard on',
    stack: 'prod',
    month: '2027-01',
    overrides: DASHBOARD_ON,
    before: '-',
  },
  {
    label: 'prod, January 2027, schedule off',
    stack: 'prod',
    month: '2027-01',
    overrides: { 'bfstream:scheduleEnabled': 'false' },
    before: '$1,728',
  },
  { label: 'dev, November 2027 (schedule on all month)', stack: 'dev', month: '2027-11', before: '$432' },
  { label: 'dev, January 2027 (trickle only)', stack: 'dev', month: '2027-01', before: '$432' },
  {
    label: 'dev, January 2027, schedule off',
    stack: 'dev',
    month: '2027-01',
    overrides: { 'bfstream:scheduleEnabled': 'false' },
    before: '-',
  },
] as const;

const money = (x: number) => `$${x.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`;
const hours = (s: number) => (s / 3600).toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

/** Every bill the README shows, in BILL_CASES order (`graphOf`: see BillOptions). */
export async function readmeBills(graphOf?: BillOptions['graphOf']): Promise<StackBill[]> {
  const bills: StackBill[] = [];
  for (const c of BILL_CASES)
    bills.push(await stackBill(c.stack, monthOf(c.month), { overrides: 'overrides' in c ? c.overrides : {}, graphOf }));
  return bills;
}

/** The bill table: one row per case. */
export function billTable(bills: StackBill[]): string {
  const rows = bills.map((b, i) => {
    const c = BILL_CASES[i];
    const quick = b.lines.filter((l) => /Quick Suite|dashboard views/.test(l.item)).reduce((t, l) => t + l.usd, 0);
    return `| ${c.label} | ${hours(b.warehouse.billedSeconds)} h at ${b.config.baseCapacity} RPU | ${money(b.warehouse.usd)} | ${quick ? `${money(quick)} (seats and view wakes)` : '-'} | ${money(b.total)} | ${c.before} |`;
  });
  return [
    '| stack and month | warehouse billed | warehouse compute | dashboard | whole bill | warehouse before the calendar |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/** The two sentences: how old the data is during the sale, and what a November costs. */
export function freshnessSentences(bills: StackBill[]): string {
  const prod = readStack('prod');
  const budget = freshnessBudget(prod, measuredCosts());
  const november = bills[0];
  const s = (x: number) => `${Math.round(x)} s`;
  return [
    `During the sale prod's dashboard shows data ${s(budget.sumP50)} old at p50 and ${s(budget.sumWorst)} at worst,`,
    `plus the auto-copy and auto-refresh delays AWS does not bound ([hop by hop](docs/BENCHMARKS.md#data-age)).`,
    `A November costs ${money(november.total)} in all, ${money(november.warehouse.usd)} of it warehouse compute`,
    `(${hours(november.warehouse.billedSeconds)} billed hours at ${november.config.baseCapacity} RPUs, $${BILL_PRICES.redshiftRpuHour.usd} per RPU-hour read ${BILL_PRICES.redshiftRpuHour.readOn});`,
    `a month without a sale costs ${money(bills[1].total)}. Assumed where AWS documents nothing: each wake lasts the`,
    `${BILL_ASSUMPTIONS.minimumWakeSeconds}-second minimum, one deploy a month migrates for ${BILL_ASSUMPTIONS.migrationSeconds / 60} minutes, auto refresh of the views runs`,
    `inside the load's wake, and a query that reads only system views counts as a wake.`,
  ].join('\n');
}

export const BILL_BLOCKS = {
  bill: billTable,
  'sale-freshness': freshnessSentences,
} as const;

/** What is between a `<!-- cost:name -->` block's markers now. */
export const costBlockOf = (readme: string, name: string) => blockOf(readme, name, 'cost');

export function withBill(readme: string, bills: StackBill[]): string {
  return withBlocks(
    readme,
    'cost',
    Object.fromEntries(Object.entries(BILL_BLOCKS).map(([name, render]) => [name, () => render(bills)])),
  );
}

export async function writeReadmeBill(path = README_PATH): Promise<void> {
  writeFileSync(path, withBill(readFileSync(path, 'utf8'), await readmeBills()));
}

// The docs/BENCHMARKS.md sections on data age, capacity and the alternatives, rendered
// from results.json (the measured figures) and the stacks' config (the models).
import { changesToHold, costsFromResults, modelCapacity } from '../infra/capacity';
import { compareAlternatives } from './cost/alternatives';
import { STREAMING_PRICES } from './cost/prices';
import { costComparison } from './cost';
import { GOAL_HEADROOM, readStack, STACKS, changeList } from './capacity';
import { budgetTable, freshnessBudget, proposals } from './freshnessBudget';
import type { BenchResult } from './results';

const num = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const usd = (x: number) => `$${num(x, 2)}`;
const s = (ms: number | undefined) => (ms === undefined ? '-' : `${num(ms / 1000, 1)} s`);

export function freshnessSection(results: Record<string, BenchResult>): string {
  const costs = costsFromResults(results);
  if ('missing' in costs)
    return `_No measured costs (${costs.missing.join(', ')}): run \`npm run bench -- --only freshness,capacity\`._\n`;
  const r = (m: string) => results[m];
  const twin = r('twin.freshness_p95_ms');
  const out: string[] = [];
  out.push(
    '### Measured in the twin',
    '',
    `For every chunk the twin records when the producer sent it (SQS's SentTimestamp) and when the first view refresh that included its rows ended (\`local/freshness.ts\`): a chunk whose files landed before a load pass started is in the tables when that pass ends and in the views when the next refresh ends. The run summary, the JSON report (\`freshness\`) and the dashboard's "Data age" panel show it; \`npm run bench -- --only freshness\` measures it at the prod stack's settings.`,
    '',
    "| at the prod stack's settings | p50 | p95 | max | queue + consumer (p50) | loader (p50) | refresh (p50) |",
    '|---|---:|---:|---:|---:|---:|---:|',
    `| configured peak | ${s(r('twin.freshness_p50_ms')?.value)} | ${s(twin?.value)} | ${s(r('twin.freshness_max_ms')?.value)} | ${s(r('twin.freshness_consume_p50_ms')?.value)} | ${s(r('twin.freshness_load_p50_ms')?.value)} | ${s(r('twin.freshness_refresh_p50_ms')?.value)} |`,
    `| 10x the peak | ${s(r('twin.freshness_p50_ms')?.baseline)} | ${s(twin?.baseline)} | ${s(r('twin.freshness_max_ms')?.baseline)} | | | |`,
    `| configured peak in 5-minute windows (prod before) | | ${s(r('twin.freshness_p95_ms_5min_window')?.value)} | | | | |`,
    '',
    `Settings and machine load of that run: ${twin?.note ?? 'not measured'}`,
    '',
    "The twin compresses time (a window every few seconds, not every few minutes) but sends each window in one burst as the producer does in Lambda, so these are the pipeline's own delays from send to view, on two shared cores; the window itself and the AWS services' delays are in the budget below.",
    '',
  );
  out.push('### Budgeted for AWS, hop by hop', '');
  for (const stack of STACKS) {
    const config = readStack(stack);
    const b = freshnessBudget(config, costs);
    out.push(
      budgetTable(stack, b),
      '',
      `**${stack}**: p50 at least ${num(b.sumP50)} s, worst case at least ${num(b.sumWorst)} s; it is dominated by the ${b.dominant.split(':')[0]}.`,
      '',
    );
    for (const p of proposals(config)) {
      const pb = freshnessBudget(p.config, costs);
      out.push(
        `- ${stack} with ${p.change}: p50 ${num(pb.sumP50)} s, worst case ${num(pb.sumWorst)} s (from ${num(b.sumWorst)} s).`,
      );
    }
    out.push('');
  }
  out.push(
    'What would cut it, exactly once intact:',
    '',
    '- **A shorter window** (`bfstream:schedule: rate(1 minute)`, the shortest rate EventBridge Scheduler takes; **prod now runs it**, from rate(5 minutes)): the window is most of the budget. Chunk ids still come from the scheduled window, so a retry still rewrites the same keys. Costs: five times the producer invocations (cents) and smaller files for the COPY JOB (at the prod peak one message a stream a minute, 120 files an hour). dev keeps 15 minutes: it is not watched live.',
    '- **A batching window of 1 s** (prod now, from 10 s): a window sends fewer messages than a batch holds, so each batch waits out `batchWindowSeconds`.',
    "- **An explicit refresh path**: auto refresh has no bound and yields to queries; a scheduled `REFRESH MATERIALIZED VIEW` after the COPY JOB loads (for example EventBridge Scheduler every minute calling the Redshift Data API) would bound that hop. The twin's refresh stage above is what such a refresh costs on PGlite; Redshift's incremental refresh is measured in `warehouse.refresh_ms_*`.",
    "- **Smaller files under load** do not help here: at the prod peak a 5-minute window is two messages a stream, and the consumer's time per message is already small next to the window.",
    '',
  );
  return out.join('\n');
}

export function capacitySection(results: Record<string, BenchResult>): string {
  const costs = costsFromResults(results);
  if ('missing' in costs) return '';
  const rows = STACKS.map((stack) => {
    const config = readStack(stack);
    const r = modelCapacity(config, costs);
    const hop = (name: string) => r.hops.find((h) => h.hop === name)!;
    const { changes } = changesToHold(config, costs, GOAL_HEADROOM * config.peakLinesPerMinute);
    return `| ${stack} | ${num(config.peakLinesPerMinute)} | ${num(hop('producer run time').maxPeak)} | ${num(hop('producer memory').maxPeak)} | ${num(Math.min(hop('sales consumers').maxPeak, hop('inventory consumers').maxPeak))} | ${r.first.hop} | **${num(r.headroom, 1)}x** | ${changes.length ? changeList(changes) : 'none'} |`;
  });
  return [
    '## Capacity per stack',
    '',
    "`npm run capacity -- --stack dev|prod [--peak N]` prints the model hop by hop (infra/capacity.ts): producer time per sale line against 50% of its timeout, at its memory (Lambda gives 1 vCPU at 1,769 MB and that share below it; our handlers use one thread, so no more above it), a window's events against 50% of its memory, each consumer's events per second at its memory times `maxConcurrency`, SQS in-flight and Lambda concurrency quotas, and files per hour for the COPY JOB (AWS documents no throughput bound for SQS standard queues or auto-copy). The costs are the twin's, measured on one core of this shared machine, so they are pessimistic. The stack config refuses a configured peak any hop cannot hold (the capacity guard in infra/config.ts).",
    '',
    '| stack | configured peak (sale lines/min) | producer time holds | producer memory holds | consumers hold | first to give | headroom | to hold 10x |',
    '|---|---:|---:|---:|---:|---|---:|---|',
    ...rows,
    '',
    "`test/capacity-twin.test.ts` checks the model against the twin: at five times what the model says one consumer per stream drains, the twin's backlog grows run after run.",
    '',
  ].join('\n');
}

export function alternativesSection(outDir: string, results: Record<string, BenchResult>): string {
  const costs = costsFromResults(results);
  const eventBytes = results['cost.event_json_bytes']?.value;
  if ('missing' in costs || eventBytes === undefined)
    return '_Alternatives not priced: run `npm run bench -- --only freshness,capacity,cost`._\n';
  const prod = readStack('prod');
  const bills = compareAlternatives({
    comparison: costComparison(outDir),
    inventoryPerSaleLine: costs.eventsPerSaleLine.inventory,
    eventJsonBytes: eventBytes,
    eventsPerFirehoseRecord: Math.floor((1000 * 1024) / eventBytes),
    firehoseBufferSeconds: 60,
    oursWorstSeconds: freshnessBudget(prod, costs).sumWorst,
    oursWindowMinutes: prod.windowMinutes,
  });
  const parts = [...new Set(bills.flatMap((b) => b.parts.map((p) => p.part)))];
  const cell = (b: (typeof bills)[number], part: string) => {
    const p = b.parts.find((x) => x.part === part);
    return p ? `${usd(p.usd)}<br><small>${p.detail}</small>` : '-';
  };
  return [
    '### Against the alternatives',
    '',
    `The same month (the load above) through each design. Ours and the original are the twin's counts priced above; Firehose and Kinesis are priced from the same sale lines, ${num(costs.eventsPerSaleLine.inventory, 3)} inventory updates per sale line and ${num(eventBytes)} bytes per event as a JSON line (measured from the generator), with the same producer Lambda. The Redshift workgroup is not in these bills: every design keeps it loading or refreshing all sale day (prod's base ${prod.baseCapacity} RPU is ${usd(prod.baseCapacity * 0.375)} an hour), which is more than any ingest line here.`,
    '',
    `| part (a month) | ${bills.map((b) => b.design).join(' | ')} |`,
    `|---|${bills.map(() => '---:').join('|')}|`,
    ...parts.map((part) => `| ${part} | ${bills.map((b) => cell(b, part)).join(' | ')} |`),
    `| **ingest total** | ${bills.map((b) => `**${usd(b.total)}**`).join(' | ')} |`,
    `| freshness | ${bills.map((b) => b.freshness).join(' | ')} |`,
    `| duplicates | ${bills.map((b) => b.exactlyOnce).join(' | ')} |`,
    `| where it wins | ${bills.map((b) => b.wins).join(' | ')} |`,
    '',
    `Prices (us-east-1, ${STREAMING_PRICES.takenOn}): Firehose $${STREAMING_PRICES.firehose.perGbIngested}/GB ingested (5 KB steps per record); Kinesis on-demand $${STREAMING_PRICES.kinesisOnDemand.perStreamHour}/stream-hour, $${STREAMING_PRICES.kinesisOnDemand.perGbIngested}/GB in (records rounded up to 1 KB), $${STREAMING_PRICES.kinesisOnDemand.perGbRetrieved}/GB read. ${STREAMING_PRICES.caveat} Sources: ${STREAMING_PRICES.sources.map((x) => `[${x.url.replace('https://', '')}](${x.url})`).join(', ')}.`,
    '',
    `**Plainly**: Kinesis with streaming ingestion beats this design on freshness (seconds against the ${prod.windowMinutes}-minute window), the dimension a Black Friday dashboard is watched for, and Firehose at a 60 s buffer is about even with it; both give up exactly once, and Kinesis costs about ${num(bills[3].total / bills[0].total, 0)} times as much to ingest. This design closed most of the gap by moving prod to \`rate(1 minute)\` and a 1 s batching window (budget above) and keeps exactly once; what it cannot remove is the window itself, since its producer generates a window at a time. Where sales arrive from tills as they happen, sending them straight to the queues in small chunks with ids from the till's own batch would drop the window hop too.`,
    '',
  ].join('\n');
}

// What a twin run prints: the counts, the books and a few key metrics as small tables.
import { streamNames, streams, streamTotal, type StreamName } from '../kernel/contracts';
import { andList } from '../kernel/streamNaming';
import type { Books } from './books';
import type { WarehouseBooks } from './warehouse';
import type { TwinReport } from './twin';
import { STOCKOUT_RISK_SHARE } from '../warehouse/schema';

const n = (v: number) => Math.round(v).toLocaleString('en-US');
const money = (v: string | number) =>
  '$' + Number(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const secs = (ms: number) => (ms / 1000).toFixed(1) + ' s';
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1) + ' MB';
/** `12 and 5`: a count per stream, in stream order. */
const eachStream = (values: Record<StreamName, number>) => andList(streamNames.map((s) => n(values[s])));
export { streamTotal };

/** A plain text table; numbers align right. */
export function textTable(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || /^[$-]?[\d,.]+%?$/.test(String(r[i]))),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) =>
    '  ' +
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** The books in words, one line per check. */
export function formatBooks(books: Books): string {
  const lines: string[] = [];
  for (const st of streamNames) {
    const b = books.streams[st];
    const table = streams[st].contract.table;
    lines.push(
      `  ${st.padEnd(9)} produced ${n(b.produced)} = in ${table} ${n(b.loaded)}, exactly once by id` +
        (b.missing || b.doubled || b.unexpected
          ? `  (missing ${n(b.missing)}, doubled ${n(b.doubled)}, unexpected ${n(b.unexpected)}${b.examples.length ? ': ' + b.examples.join(', ') : ''})`
          : ''),
    );
  }
  const r = books.rejected;
  lines.push(
    `  malformed injected ${n(r.injected)} = in rejected/ with their reason ${n(r.withReason)}` +
      (r.missing || r.unexpected ? `  (missing ${n(r.missing)}, unexplained rejects ${n(r.unexpected)})` : ''),
  );
  lines.push(
    `  poison injected ${n(books.poison.injected)} = in a DLQ ${n(books.poison.inDlq)}` +
      (books.dlq.unexpected ? `  (other DLQ messages ${n(books.dlq.unexpected)})` : ''),
  );
  lines.push(
    `  left in queues ${n(streamTotal(books.queuesLeft))}, landing files not loaded ${n(books.files.pending)} of ${n(books.files.landing)}`,
  );
  lines.push(
    books.balanced
      ? '  BALANCED: nothing lost, nothing doubled.'
      : '  NOT BALANCED:\n' + books.problems.map((p) => '    - ' + p).join('\n'),
  );
  return lines.join('\n');
}

/** The whole warehouse's books: every window ever produced, against the load log and the tables. */
function formatWarehouseBooks(w: WarehouseBooks): string {
  const lines = [
    `  ${n(w.windows)} window(s) produced ${andList(streamNames.map((s) => `${n(w.produced[s])} ${s}`))} events; the load log says ${eachStream(w.loadLog)} loaded; the tables hold ${eachStream(w.tables)}`,
  ];
  lines.push(
    w.balanced
      ? '  BALANCED: every window ever produced is in the warehouse, once.'
      : '  NOT BALANCED:\n' + w.problems.map((p) => '    - ' + p).join('\n'),
  );
  return lines.join('\n');
}

type Lines = string[];

/** The settings of the run: its windows, where it ran, the functions and the packing. */
function settingsLines(report: TwinReport): Lines {
  const s = report.settings;
  const minute = (iso: string) => iso.replace('T', ' ').slice(0, 16);
  return [
    `Black Friday twin, this run: ${s.runs} window(s) x ${s.windowMinutes} min, ${minute(s.start)} to ${minute(s.end)} UTC, seed ${s.seed}`,
    `  endpoint ${s.endpoint}; warehouse ${s.warehouse}`,
    s.archives
      ? `  functions: the dev stack's shipped Lambda archives (${s.archives.cached ? 'cached' : 'built'} in ${n(s.archives.ms)} ms, ${s.archives.dir})`
      : '  functions: the source modules',
    `  packing ${s.eventsPerMessage === 'fill' ? `fill (up to ${n(s.maxMessageBytes)} bytes, ${s.compression})` : `${s.eventsPerMessage} event(s) per message (${s.compression})`}, consumer batch size ${s.batchSize}, a CSV per ${s.filePer}`,
  ];
}

/** This run's counts per stream, with their total. */
function countsTable(report: TwinReport): string {
  const row = (label: string, values: Record<StreamName, number>, format: (v: number) => string = n) => [
    label,
    ...streamNames.map((s) => format(values[s])),
    format(streamTotal(values)),
  ];
  return textTable(
    ['this run', ...streamNames, 'total'],
    [
      row('events', report.events),
      row('messages', report.messages),
      row('message bytes', report.messageBytes, mb),
      row('rows loaded', report.rowsLoaded),
      row('DLQ depth', report.dlqDepth),
    ],
  );
}

/** Files, demand, time and data age of the run, and a warning when consumers outlasted the visibility timeout. */
function runLines(report: TwinReport): Lines {
  const t = report.timings;
  const out = [
    `  files: ${n(report.files.written)} written, ${n(report.files.loaded)} loaded by this run` +
      (report.loader.failures.length ? `, ${n(report.loader.failures.length)} refused by the loader` : '') +
      `; rejects: ${n(report.rejects)}`,
    `  demand: ${n(report.events.sales + report.lostSales)} sale lines = ${n(report.events.sales)} sold + ${n(report.lostSales)} lost to stockouts (not events: a lost sale is never sent)`,
    `  time: ${secs(t.pipelineMs)} from first send to views refreshed (${n(report.eventsPerSecond)} events/s): stream ${secs(t.streamMs)}, load ${secs(t.loadMs)}, refresh ${secs(t.refreshMs)}; setup ${secs(t.setupMs)}, books ${secs(t.booksMs)}, total ${secs(t.totalMs)}`,
  ];
  const slow = streamNames.reduce((sum, s) => sum + report.consumers[s].slowInvocations, 0);
  if (slow)
    out.push(
      `  warning: ${n(slow)} consumer invocation(s) outlasted the visibility timeout, so their messages could be delivered twice; raise --visibility-timeout`,
    );
  return out;
}

/** What chaos injected, and why consumed then passes produced. */
function chaosLines(report: TwinReport): Lines {
  const c = report.chaos;
  if (!c) return [];
  const received = streamNames.reduce((sum, s) => sum + report.consumers[s].messagesReceived, 0);
  return [
    `  consumed counts every delivery: under chaos, redeliveries after crashes and failed puts, duplicate deliveries and injected messages make it pass produced (${n(received)} messages received for ${n(streamTotal(report.messages))} sent)`,
    '',
    'Chaos injected:',
    `  consumer crashes after the S3 write ${n(c.consumerCrashes)}, S3 put failures ${n(c.s3PutFailures)}, duplicate deliveries ${n(c.duplicateDeliveries)},`,
    `  malformed events ${n(c.malformedEvents)}, poison messages ${n(c.poisonMessages)}, loader crashes mid-file ${n(c.loaderCrashes)}` +
      (c.sparedLastReceives ? ` (faults skipped on ${n(c.sparedLastReceives)} last-receive invocation(s))` : ''),
  ];
}

type Dashboard = NonNullable<TwinReport['dashboard']>;

/** The stores with the most product x store pairs out of stock or at risk. */
function stockoutTable(d: Dashboard, limit: number): string {
  const byStore = new Map<string, { region: string; atRisk: number; out: number; worst: string }>();
  for (const r of d.stockAtRisk) {
    const e = byStore.get(r.store_id) ?? {
      region: r.region,
      atRisk: 0,
      out: 0,
      worst: `${r.product_id} (${r.on_hand} left)`,
    };
    if (r.stockout_risk === 'out_of_stock') e.out++;
    else e.atRisk++;
    byStore.set(r.store_id, e);
  }
  const risky = [...byStore]
    .sort((a, b) => b[1].out + b[1].atRisk - (a[1].out + a[1].atRisk) || a[0].localeCompare(b[0]))
    .slice(0, limit);
  return textTable(
    ['store', 'region', 'out of stock', 'at risk', 'lowest'],
    risky.map(([id, e]) => [id, e.region, e.out, e.atRisk, e.worst]),
  );
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });
const shortMoney = (v: string | number) => '$' + compact.format(Number(v));
const pct = (v: string | number | null) => (v === null ? '-' : (Number(v) * 100).toFixed(1) + '%');
const utcMinute = (d: Date | null) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '-');

/** 1. Where the revenue came from: the total, each region with its share, the top three stores. */
function revenueLines(d: Dashboard): Lines {
  const all = d.revenueOverall[0];
  const total = Number(all?.revenue ?? 0);
  const share = (v: string) => (total > 0 ? ` (${pct(Number(v) / total)})` : '');
  return [
    `1. Revenue: ${money(all?.revenue ?? 0)} from ${n(all?.units ?? 0)} units in ${n(all?.sale_lines ?? 0)} sale lines`,
    `   by region: ${d.revenueByRegion.map((r) => `${r.region} ${shortMoney(r.revenue)}${share(r.revenue)}`).join(', ')}`,
    `   top stores: ${d.storeRanking
      .slice(0, 3)
      .map((r) => `#${r.revenue_rank} ${r.store_id} ${r.city} ${shortMoney(r.revenue)}`)
      .join(', ')}`,
  ];
}

/** 4. Sell-through: the middle product, the slowest and the fastest. */
function sellThroughLine(d: Dashboard): string {
  const rated = d.sellThrough.filter((r) => r.sell_through_rate !== null);
  if (rated.length === 0) return '4. Sell-through: nothing received yet';
  const byRate = [...rated].sort((a, b) => Number(a.sell_through_rate) - Number(b.sell_through_rate));
  const [slow, fast] = [byRate[0], byRate[byRate.length - 1]];
  const median = byRate[Math.floor((byRate.length - 1) / 2)];
  return `4. Sell-through (sold / received): median ${pct(median.sell_through_rate)} over ${n(rated.length)} products; slowest ${slow.name} ${pct(slow.sell_through_rate)}, fastest ${fast.name} ${pct(fast.sell_through_rate)}`;
}

/** 5. How old the data is: the newest sale in the warehouse, and this run's data age. */
function dataAgeLine(d: Dashboard, report: TwinReport): string {
  const age = report.freshness;
  const run =
    age.chunks > 0
      ? `; this run's data age (producer send to rows in the views) p50 ${secs(age.p50Ms)}, p95 ${secs(age.p95Ms)}, max ${secs(age.maxMs)} over ${n(age.chunks)} chunks`
      : '';
  const st = age.chunks > 0 ? age.stages : undefined;
  const split = st
    ? `\n   (p50 by stage: queue + consumer ${secs(st.consume.p50Ms)}, loader ${secs(st.load.p50Ms)}, refresh ${secs(st.refresh.p50Ms)})`
    : '';
  return `5. Data age: sales from ${utcMinute(d.revenueOverall[0]?.first_sale_at ?? null)} to ${utcMinute(d.revenueOverall[0]?.last_sale_at ?? null)}${run}${split}`;
}

/**
 * The analyst's five questions, answered from the warehouse's dashboard queries (all runs): where
 * the revenue came from, what sold best, what ran out, how fast stock sells through, how old the
 * data is. A dozen lines, so the whole summary fits one screen; the dashboard has the rest.
 */
export function analystLines(d: Dashboard | undefined, report: TwinReport): Lines {
  if (!d) return [];
  const out = d.stockAtRisk.filter((r) => r.stockout_risk === 'out_of_stock').length;
  return [
    '',
    "The analyst's five questions (warehouse, all runs):",
    ...revenueLines(d),
    `2. Top products by revenue: ${d.topProductsByRevenue
      .slice(0, 3)
      .map((p) => `#${p.revenue_rank} ${p.name} ${shortMoney(p.revenue)}`)
      .join(', ')}`,
    `3. Stock: ${n(out)} product x store pairs out of stock, ${n(d.stockAtRisk.length - out)} at risk (at most ${STOCKOUT_RISK_SHARE * 100}% of what was received left)` +
      (d.stockAtRisk.length ? '; the stores with most:' : ''),
    ...(d.stockAtRisk.length ? [stockoutTable(d, 3)] : []),
    sellThroughLine(d),
    dataAgeLine(d, report),
  ];
}

export function formatSummary(report: TwinReport, extras: { dashboardPath?: string } = {}): string {
  const out = [...settingsLines(report), '', countsTable(report), '', ...runLines(report), ...chaosLines(report)];
  out.push(...analystLines(report.dashboard, report));
  if (report.books) out.push('', 'Books, this run:', formatBooks(report.books));
  if (report.warehouseBooks) out.push('', 'Books, warehouse (all runs):', formatWarehouseBooks(report.warehouseBooks));
  if (report.notes.length) out.push('', ...report.notes.map((note) => `Note: ${note}`));
  if (extras.dashboardPath) out.push('', `Dashboard: ${extras.dashboardPath}`);
  return out.join('\n');
}

// What a twin run prints: the counts, the books and a few key metrics as small tables.
import { streamNames, streams, type StreamName } from '../kernel/contracts';
import type { Books } from './books';
import type { WarehouseBooks } from './warehouse';
import type { TwinReport } from './twin';

const n = (v: number) => Math.round(v).toLocaleString('en-US');
const money = (v: string | number) =>
  '$' + Number(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const secs = (ms: number) => (ms / 1000).toFixed(1) + ' s';
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1) + ' MB';
/** A count summed over the streams. */
export function streamTotal(values: Record<StreamName, number>): number {
  return streamNames.reduce((sum, s) => sum + values[s], 0);
}

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
    `  ${n(w.windows)} window(s) produced ${n(w.produced.sales)} sales and ${n(w.produced.inventory)} inventory events; the load log says ${n(w.loadLog.sales)} and ${n(w.loadLog.inventory)} loaded; the tables hold ${n(w.tables.sales)} and ${n(w.tables.inventory)}`,
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
  const age = report.freshness;
  if (age.chunks > 0) {
    const st = age.stages;
    out.push(
      `  data age (producer send to rows in the views, per chunk): p50 ${secs(age.p50Ms)}, p95 ${secs(age.p95Ms)}, max ${secs(age.maxMs)} over ${n(age.chunks)} chunks` +
        (st
          ? ` (p50: queue + consumer ${secs(st.consume.p50Ms)}, loader ${secs(st.load.p50Ms)}, refresh ${secs(st.refresh.p50Ms)})`
          : ''),
    );
  }
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

/** The five stores with the most product x store pairs out of stock or at risk. */
function stockoutTable(d: Dashboard): string {
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
    .slice(0, 5);
  return risky.length
    ? textTable(
        ['store', 'region', 'out of stock', 'at risk', 'lowest'],
        risky.map(([id, e]) => [id, e.region, e.out, e.atRisk, e.worst]),
      )
    : '  none';
}

/** A few key metrics from the warehouse's dashboard queries. */
function dashboardLines(d: Dashboard | undefined): Lines {
  if (!d) return [];
  return [
    '',
    'Top products by revenue (warehouse, all runs):',
    textTable(
      ['#', 'product', 'name', 'category', 'units', 'revenue'],
      d.topProductsByRevenue
        .slice(0, 5)
        .map((p) => [p.revenue_rank, p.product_id, p.name.slice(0, 32), p.category, n(p.units), money(p.revenue)]),
    ),
    '',
    'Revenue by category (warehouse, all runs):',
    textTable(
      ['category', 'units', 'revenue', 'share'],
      d.revenueByCategory.map((c) => [
        c.category,
        n(c.units),
        money(c.revenue),
        c.revenue_share === null ? '-' : (Number(c.revenue_share) * 100).toFixed(1) + '%',
      ]),
    ),
    '',
    'Stores at stockout risk (product x store pairs; warehouse, all runs):',
    stockoutTable(d),
  ];
}

export function formatSummary(report: TwinReport, extras: { dashboardPath?: string } = {}): string {
  const out = [...settingsLines(report), '', countsTable(report), '', ...runLines(report), ...chaosLines(report)];
  out.push(...dashboardLines(report.dashboard));
  if (report.books) out.push('', 'Books, this run:', formatBooks(report.books));
  if (report.warehouseBooks) out.push('', 'Books, warehouse (all runs):', formatWarehouseBooks(report.warehouseBooks));
  if (report.notes.length) out.push('', ...report.notes.map((note) => `Note: ${note}`));
  if (extras.dashboardPath) out.push('', `Dashboard: ${extras.dashboardPath}`);
  return out.join('\n');
}

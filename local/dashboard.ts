// The twin's dashboard: one HTML page over the warehouse's dashboard queries, drawn with
// ECharts from the shared panel definitions (warehouse/panels.ts), one section per sheet.
// The written file inlines ECharts and the data, so it opens offline from disk; `--serve`
// serves the same page on 127.0.0.1 and the page polls /data.json while a run goes on.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import { PANELS, SHEETS, type Panel } from '../warehouse/panels';
import type { FreshnessSummary } from './freshness';
import type { DashboardData } from './warehouse';

/** A short status line shown at the top of the page (run progress, books). */
export interface DashboardStatus {
  title: string;
  /** e.g. `streaming: 41,200 of ~100,000 events produced`. */
  line: string;
  /** True while a run is still going on: the page keeps polling. */
  live: boolean;
  balanced?: boolean;
  /** Data age so far (producer send to rows in the views, per chunk): the "Data age" strip. */
  dataAge?: FreshnessSummary;
}

export { PANELS };

const ECHARTS_PATH = require.resolve('echarts/dist/echarts.min.js');

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface DashboardPageOptions {
  status: DashboardStatus;
  /** 'inline' puts ECharts in the page (the file); a URL makes the page load it (the server). */
  echarts: 'inline' | { src: string };
  /** When set, the page polls this URL for `{ data, status }` every `pollMs`. */
  poll?: { url: string; pollMs: number };
  /** The panels to draw; the one shared definition unless a test passes its own. */
  panels?: readonly Panel[];
}

const STYLE = `
:root { --bg:#0f172a; --panel:#111c33; --ink:#e2e8f0; --muted:#94a3b8; --accent:#f59e0b; --ok:#22c55e; --bad:#ef4444; --line:#1e293b; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, -apple-system, 'Segoe UI', sans-serif; background:var(--bg); color:var(--ink); }
header { padding:14px 20px; border-bottom:1px solid var(--line); display:flex; gap:8px 24px; align-items:baseline; flex-wrap:wrap; }
header h1 { margin:0; font-size:20px; }
#status { color:var(--muted); overflow-wrap:anywhere; }
#status.balanced { color:var(--ok); } #status.unbalanced { color:var(--bad); }
.sheet { padding:8px 20px 4px; }
.sheet > h2 { margin:14px 0 2px; font-size:17px; }
.sheet > p { margin:0 0 10px; color:var(--muted); }
.grid { display:grid; grid-template-columns:repeat(auto-fill, minmax(min(100%, 460px), 1fr)); gap:14px; }
.panel { background:var(--panel); border:1px solid var(--line); border-radius:10px; padding:12px 14px; min-width:0; }
.panel.wide { grid-column:1 / -1; }
.panel h3 { margin:0; font-size:15px; font-weight:600; }
.panel .sub { color:var(--muted); font-size:12px; margin:2px 0 8px; }
.chart { width:100%; height:300px; }
.extremes { color:var(--ink); font-size:13px; margin:6px 0 0; }
.kpis { display:grid; grid-template-columns:repeat(auto-fit, minmax(140px, 1fr)); gap:10px; }
.kpi { background:#0b1426; border-radius:8px; padding:12px; }
.kpi .v { font-size:22px; font-weight:700; color:var(--accent); overflow-wrap:anywhere; }
.kpi .k { color:var(--muted); font-size:12px; }
.table-wrap { max-height:340px; overflow:auto; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { padding:4px 8px; border-bottom:1px solid var(--line); text-align:left; white-space:nowrap; }
th { color:var(--muted); font-weight:600; position:sticky; top:0; background:var(--panel); }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.empty { color:var(--muted); padding:24px; text-align:center; }
@media (max-width:520px) { header, .sheet { padding-left:10px; padding-right:10px; } .chart { height:260px; } }
`;

/** Client-side code: draws each panel from its query's rows, by the panel's kind. */
const CLIENT = String.raw`
const charts = {};
const PANELS = window.__DASHBOARD__.panels;
const num = (v) => (v === null || v === undefined ? 0 : Number(v));
const compactFmt = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const esc = (t) => String(t).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const iso = (v) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : new Date(v).toISOString());
function fmt(format, v) {
  if (v === null || v === undefined) return '-';
  switch (format) {
    case 'money': return '$' + num(v).toLocaleString('en-US', { maximumFractionDigits: 0 });
    case 'count': return num(v).toLocaleString('en-US');
    case 'rank': return '#' + num(v);
    case 'rate': return (num(v) * 100).toFixed(1) + '%';
    case 'index': return num(v).toFixed(2) + 'x';
    case 'minute': return iso(v).slice(11, 16);
    case 'hour': return iso(v).slice(5, 10) + ' ' + iso(v).slice(11, 13) + 'h';
    case 'day': return iso(v).slice(0, 10);
    default: return String(v);
  }
}
// Axis ticks: short and never repeated ("$1.5K", not "2k 2k").
function tick(format) {
  return (v) => (format === 'money' ? '$' + compactFmt.format(v) : format === 'rate' ? Math.round(v * 100) + '%' : compactFmt.format(v));
}
const axisStyle = { axisLabel: { color: '#94a3b8', hideOverlap: true }, axisLine: { lineStyle: { color: '#334155' } }, splitLine: { lineStyle: { color: '#1e293b' } } };
const valueAxis = (m, extra) => Object.assign({ type: 'value', name: m.label, nameTextStyle: { color: '#94a3b8' } }, axisStyle, { axisLabel: { color: '#94a3b8', formatter: tick(m.format), hideOverlap: true } }, extra || {});
const base = { backgroundColor: 'transparent', textStyle: { color: '#e2e8f0' }, tooltip: { trigger: 'axis' }, grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true }, legend: { textStyle: { color: '#cbd5e1' }, top: 0 } };
const short = (t, n) => (String(t).length > n ? String(t).slice(0, n - 1) + '\u2026' : String(t));
const label = (p, r) => p.dimensions.map((d) => fmt(d.format, r[d.column])).join(' \u00b7 ');

function chart(el, id, option) {
  if (!charts[id]) charts[id] = echarts.init(el, null, { renderer: 'canvas' });
  // A legend only when there is more than one series to tell apart.
  const legend = Object.assign({}, base.legend, { show: (option.series || []).length > 1 }, option.legend || {});
  charts[id].setOption(Object.assign({}, base, option, { legend }), true);
}

function peakMark(m, rows, x) {
  let best = null;
  for (const r of rows) if (!best || num(r[m.column]) > num(best[m.column])) best = r;
  return best ? { symbolSize: 54, data: [{ name: 'peak', coord: [x(best), num(best[m.column])], value: tick(m.format)(num(best[m.column])) }], label: { color: '#0f172a', fontWeight: 700, fontSize: 11 }, itemStyle: { color: '#f59e0b' } } : undefined;
}

const draw = {
  kpi(p, rows, el) {
    const r = rows[0] || {};
    el.querySelector('.kpis').innerHTML = p.measures.map((m) => '<div class="kpi"><div class="v">' + esc(fmt(m.format, r[m.column])) + '</div><div class="k">' + esc(m.label) + '</div></div>').join('');
  },
  table(p, rows, el) {
    const fields = p.dimensions.concat(p.measures);
    const numeric = (f) => f.format !== 'text';
    const head = '<tr>' + fields.map((f) => '<th' + (numeric(f) ? ' class="num"' : '') + '>' + esc(f.label) + '</th>').join('') + '</tr>';
    const body = rows.map((r) => '<tr>' + fields.map((f) => '<td' + (numeric(f) ? ' class="num"' : '') + '>' + esc(fmt(f.format, r[f.column])) + '</td>').join('') + '</tr>').join('');
    el.querySelector('.table-wrap').innerHTML = rows.length ? '<table><thead>' + head + '</thead><tbody>' + body + '</tbody></table>' : '<div class="empty">none</div>';
  },
  line(p, rows, el) {
    const d = p.dimensions[0];
    const m = p.measures[0];
    chart(el.querySelector('.chart'), p.id, {
      xAxis: Object.assign({ type: 'time' }, axisStyle),
      yAxis: valueAxis(m),
      dataZoom: [{ type: 'inside' }],
      series: p.measures.map((mm) => ({ name: mm.label, type: 'line', showSymbol: false, areaStyle: { opacity: 0.15 }, data: rows.map((r) => [iso(r[d.column]), num(r[mm.column])]), markPoint: mm === m ? peakMark(m, rows, (r) => iso(r[d.column])) : undefined })),
    });
  },
  bar(p, rows, el) {
    const d = p.dimensions[0];
    const x = (r) => fmt(d.format, r[d.column]);
    chart(el.querySelector('.chart'), p.id, {
      xAxis: Object.assign({ type: 'category', data: rows.map(x) }, axisStyle),
      yAxis: p.measures.map((m, i) => valueAxis(m, i > 0 ? { splitLine: { show: false } } : {})),
      series: p.measures.map((m, i) => ({ name: m.label, type: i === 0 ? 'bar' : 'line', yAxisIndex: i, data: rows.map((r) => num(r[m.column])), markPoint: i === 0 && rows.length > 1 ? peakMark(m, rows, x) : undefined })),
    });
  },
  ranking(p, rows, el) {
    const m = p.measures[0];
    const sorted = rows.slice().sort((a, b) => num(b[m.column]) - num(a[m.column]));
    chart(el.querySelector('.chart'), p.id, {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
      xAxis: valueAxis(m, { name: '' }),
      yAxis: Object.assign({}, axisStyle, { type: 'category', inverse: true, data: sorted.map((r) => short(label(p, r), 28)), axisLabel: { color: '#cbd5e1', interval: 0, fontSize: sorted.length > 15 ? 10 : 12 } }),
      series: [{ name: m.label, type: 'bar', data: sorted.map((r) => num(r[m.column])), label: { show: true, position: 'right', color: '#cbd5e1', fontSize: 10, formatter: (x) => tick(m.format)(x.value) } }],
    });
    el.querySelector('.chart').style.height = Math.max(220, 22 * sorted.length + 40) + 'px';
    charts[p.id].resize();
  },
  distribution(p, rows, el) {
    const m = p.measures[0];
    const sorted = rows.filter((r) => r[m.column] !== null && r[m.column] !== undefined).sort((a, b) => num(a[m.column]) - num(b[m.column]));
    const names = sorted.map((r) => label(p, r));
    const ends = sorted.length ? [{ r: sorted[0], i: 0, what: 'slowest' }, { r: sorted[sorted.length - 1], i: sorted.length - 1, what: 'fastest' }] : [];
    chart(el.querySelector('.chart'), p.id, {
      tooltip: { trigger: 'axis', valueFormatter: (v) => fmt(m.format, v) },
      xAxis: Object.assign({}, axisStyle, { type: 'category', data: names, name: sorted.length + ' products, sorted', nameLocation: 'middle', nameGap: 8, nameTextStyle: { color: '#94a3b8' }, axisLabel: { show: false }, axisTick: { show: false } }),
      yAxis: valueAxis(m, { max: (v) => Math.max(1, v.max) }),
      series: [{ name: m.label, type: 'bar', barCategoryGap: '10%', data: sorted.map((r) => num(r[m.column])), itemStyle: { color: '#14b8a6' },
        markPoint: { symbol: 'pin', symbolSize: 40, label: { fontSize: 10, color: '#0f172a' }, data: ends.map((e) => ({ name: e.what, coord: [e.i, num(e.r[m.column])], value: fmt(m.format, e.r[m.column]) })) } }],
    });
    el.querySelector('.extremes').textContent = ends.length ? ends.map((e) => e.what[0].toUpperCase() + e.what.slice(1) + ': ' + label(p, e.r) + ' (' + fmt(m.format, e.r[m.column]) + ')').join(' \u00b7 ') : '';
  },
  donut(p, rows, el) {
    const m = p.measures[0];
    chart(el.querySelector('.chart'), p.id, {
      tooltip: { trigger: 'item', valueFormatter: (v) => fmt(m.format, v) },
      series: [{ name: m.label, type: 'pie', radius: ['35%', '62%'], minShowLabelAngle: 8, label: { color: '#e2e8f0', formatter: '{b}\n{d}%' }, data: rows.map((r) => ({ name: label(p, r), value: num(r[m.column]) })) }],
    });
  },
};

function render(data) {
  const d = data || {};
  for (const p of PANELS) {
    const el = document.querySelector('[data-panel="' + p.id + '"]');
    const rows = d[p.query] || [];
    el.dataset.rows = String(rows.length);
    draw[p.kind](p, rows, el);
  }
}

function showStatus(status) {
  const el = document.getElementById('status');
  el.textContent = status.line;
  el.className = status.balanced === true ? 'balanced' : status.balanced === false ? 'unbalanced' : '';
  const age = status.dataAge;
  const strip = document.getElementById('dataAge');
  strip.hidden = !age || age.chunks === 0;
  if (age && age.chunks > 0) {
    const s = (ms) => (ms / 1000).toFixed(1) + ' s';
    strip.querySelector('.kpis').innerHTML = [['p50', age.p50Ms], ['p95', age.p95Ms], ['max', age.maxMs]].map(([k, v]) => '<div class="kpi"><div class="v">' + s(v) + '</div><div class="k">' + k + ' over ' + age.chunks + ' chunks</div></div>').join('');
  }
}

window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
window.__render = render;
render(window.__DASHBOARD__.data);
showStatus(window.__DASHBOARD__.status);
document.body.dataset.ready = 'true';
const poll = window.__DASHBOARD__.poll;
if (poll) {
  const tick = async () => {
    try {
      const res = await fetch(poll.url, { cache: 'no-store' });
      const next = await res.json();
      if (next.data) render(next.data);
      showStatus(next.status);
      document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
      if (!next.status.live) return;
    } catch (e) { /* the run may have ended and the server closed */ }
    setTimeout(tick, poll.pollMs);
  };
  setTimeout(tick, poll.pollMs);
}
`;

const BODY: Record<Panel['kind'], string> = {
  kpi: '<div class="kpis"></div>',
  table: '<div class="table-wrap"></div>',
  line: '<div class="chart"></div>',
  bar: '<div class="chart"></div>',
  ranking: '<div class="chart"></div>',
  donut: '<div class="chart"></div>',
  distribution: '<div class="chart"></div><p class="extremes"></p>',
};

/** The whole page: one section per sheet, one panel per entry of PANELS. With `data` null the panels are empty. */
export function renderDashboardHtml(data: DashboardData | null, options: DashboardPageOptions): string {
  const panels = options.panels ?? PANELS;
  const echartsTag =
    options.echarts === 'inline'
      ? `<script>${readFileSync(ECHARTS_PATH, 'utf8').replace(/<\/script/gi, '<\\/script')}</script>`
      : `<script src="${escapeHtml(options.echarts.src)}"></script>`;
  const sheets = SHEETS.filter((s) => panels.some((p) => p.sheet === s.id))
    .map(
      (
        s,
      ) => `<section class="sheet" data-sheet="${s.id}"><h2>${escapeHtml(s.title)}</h2><p>${escapeHtml(s.description)}</p><div class="grid">
${panels
  .filter((p) => p.sheet === s.id)
  .map(
    (p) =>
      `<article class="panel${p.wide ? ' wide' : ''}" data-panel="${escapeHtml(p.id)}" data-kind="${p.kind}" data-rows="0"><h3>${escapeHtml(p.title)}</h3><p class="sub">${escapeHtml(p.subtitle)}</p>${BODY[p.kind]}</article>`,
  )
  .join('\n')}
</div></section>`,
    )
    .join('\n');
  const boot = { data, status: options.status, poll: options.poll ?? null, panels };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.status.title)}</title><style>${STYLE}</style>
${echartsTag}
</head><body>
<header><h1>${escapeHtml(options.status.title)}</h1><span id="status"></span></header>
<main>
<section class="sheet" id="dataAge" hidden><h2>Data age</h2><p>Producer send to rows visible in the views, per chunk.</p><div class="kpis"></div></section>
${sheets}
</main>
<script>window.__DASHBOARD__ = ${scriptJson(boot)};</script>
<script>${CLIENT}</script>
</body></html>
`;
}

/** Write the self-contained page (ECharts and data inline) to `path`. */
export function writeDashboard(path: string, data: DashboardData, status: DashboardStatus): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderDashboardHtml(data, { status, echarts: 'inline' }));
  return path;
}

export interface DashboardServer {
  url: string;
  /** New data and status for the next poll. */
  update(data: DashboardData | null, status: DashboardStatus): void;
  close(): Promise<void>;
}

/** Serve the page on 127.0.0.1; the page polls /data.json every `pollMs` until the run is over. */
export async function serveDashboard(options: {
  port?: number;
  pollMs?: number;
  status: DashboardStatus;
}): Promise<DashboardServer> {
  let current: { data: DashboardData | null; status: DashboardStatus } = { data: null, status: options.status };
  const pollMs = options.pollMs ?? 1000;
  const echartsJs = readFileSync(ECHARTS_PATH);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(
        renderDashboardHtml(current.data, {
          status: current.status,
          echarts: { src: '/echarts.min.js' },
          poll: { url: '/data.json', pollMs },
        }),
      );
    } else if (path === '/data.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(current));
    } else if (path === '/echarts.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'max-age=3600' });
      res.end(echartsJs);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    update(data, status) {
      current = { data, status };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// The twin's dashboard: one HTML page over the warehouse's dashboard queries, one
// panel per metric in DESIGN.md, drawn with ECharts. The written file inlines
// ECharts and the data, so it opens offline from disk; `--serve` serves the same
// page on 127.0.0.1 and the page polls /data.json while a run goes on.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { DashboardData } from './warehouse';

/** A short status line shown at the top of the page (run progress, books). */
export interface DashboardStatus {
  title: string;
  /** e.g. `streaming: 41,200 of ~100,000 events produced`. */
  line: string;
  /** True while a run is still going on: the page keeps polling. */
  live: boolean;
  balanced?: boolean;
}

/** The panels, in page order: one per metric of DESIGN.md. */
export const PANELS = [
  { id: 'overall', title: 'Revenue overall', metric: 'revenue overall' },
  { id: 'salesPerMinute', title: 'Sales per minute (peak marked)', metric: 'sales trends with the peak periods' },
  { id: 'salesPerHour', title: 'Sales per hour (peak marked)', metric: 'hourly sales trends with the peak periods' },
  { id: 'salesDailyWeekly', title: 'Sales per day and per week', metric: 'daily and weekly sales trends' },
  { id: 'revenueByRegion', title: 'Revenue by region', metric: 'sales by region' },
  { id: 'revenueByStore', title: 'Revenue by store', metric: 'sales and revenue by store' },
  { id: 'revenueByCategory', title: 'Revenue by category', metric: 'top categories, revenue by category' },
  { id: 'topProducts', title: 'Top products by units and revenue', metric: 'top products by units and revenue' },
  { id: 'performers', title: 'Over- and under-performers', metric: 'over- and under-performers' },
  { id: 'stockAtRisk', title: 'Stock at risk of stockout', metric: 'live stock level and items at risk of stockout' },
  { id: 'sellThrough', title: 'Sell-through rate per product', metric: 'sell-through rate per product' },
  { id: 'storeRanking', title: 'Store ranking by revenue and units', metric: 'store ranking by volume and by revenue' },
] as const;

export type PanelId = (typeof PANELS)[number]['id'];

const ECHARTS_PATH = require.resolve('echarts/dist/echarts.min.js');

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface DashboardPageOptions {
  status: DashboardStatus;
  /** 'inline' puts ECharts in the page (the file); a URL makes the page load it (the server). */
  echarts: 'inline' | { src: string };
  /** When set, the page polls this URL for `{ data, status }` every `pollMs`. */
  poll?: { url: string; pollMs: number };
}

const STYLE = `
:root { --bg:#0f172a; --panel:#111c33; --ink:#e2e8f0; --muted:#94a3b8; --accent:#f59e0b; --ok:#22c55e; --bad:#ef4444; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, -apple-system, 'Segoe UI', sans-serif; background:var(--bg); color:var(--ink); }
header { padding:16px 24px; border-bottom:1px solid #1e293b; display:flex; gap:24px; align-items:baseline; flex-wrap:wrap; }
header h1 { margin:0; font-size:20px; }
#status { color:var(--muted); }
#status.balanced { color:var(--ok); } #status.unbalanced { color:var(--bad); }
main { display:grid; grid-template-columns:repeat(auto-fill, minmax(520px, 1fr)); gap:16px; padding:16px 24px; }
.panel { background:var(--panel); border:1px solid #1e293b; border-radius:10px; padding:12px 14px; min-height:340px; }
.panel h2 { margin:0 0 6px; font-size:15px; font-weight:600; }
.panel .metric { color:var(--muted); font-size:12px; margin-bottom:6px; }
.chart { width:100%; height:280px; }
.kpis { display:grid; grid-template-columns:repeat(3, 1fr); gap:12px; margin-top:18px; }
.kpi { background:#0b1426; border-radius:8px; padding:14px; }
.kpi .v { font-size:24px; font-weight:700; color:var(--accent); }
.kpi .k { color:var(--muted); font-size:12px; }
.empty { color:var(--muted); padding:40px; text-align:center; }
`;

/** Client-side code: turns the query rows into ECharts options, one chart per panel. */
const CLIENT = String.raw`
const charts = {};
const num = (v) => (v === null || v === undefined ? 0 : Number(v));
const money = (v) => '$' + num(v).toLocaleString('en-US', { maximumFractionDigits: 0 });
const hhmm = (iso) => String(iso).slice(11, 16);
const compact = (v) => (Math.abs(v) >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : Math.abs(v) >= 1e3 ? (v / 1e3).toFixed(0) + 'k' : String(v));
const axis = { axisLabel: { color: '#94a3b8', formatter: (v) => (typeof v === 'number' ? compact(v) : v) }, axisLine: { lineStyle: { color: '#334155' } }, splitLine: { lineStyle: { color: '#1e293b' } } };
const base = { backgroundColor: 'transparent', textStyle: { color: '#e2e8f0' }, tooltip: { trigger: 'axis' }, grid: { left: 64, right: 24, top: 36, bottom: 40 }, legend: { textStyle: { color: '#cbd5e1' }, top: 0 } };

// Revenue shares as a donut, one slice per row.
function revenueDonut(id, rows, nameOf) {
  chart(id, {
    tooltip: { trigger: 'item' },
    series: [{ name: 'revenue', type: 'pie', radius: ['35%', '70%'], label: { color: '#e2e8f0', formatter: '{b}: {d}%' }, data: rows.map((r) => ({ name: nameOf(r), value: num(r.revenue) })) }],
  }, rows.length);
}

function chart(id, option, rows) {
  const section = document.querySelector('[data-panel="' + id + '"]');
  section.dataset.rows = String(rows);
  const el = section.querySelector('.chart');
  if (!el) return;
  if (!charts[id]) charts[id] = echarts.init(el, null, { renderer: 'canvas' });
  charts[id].setOption(Object.assign({}, base, option), true);
}

function peakMark(rows, key) {
  let best = null;
  for (const r of rows) if (!best || num(r.revenue) > num(best.revenue)) best = r;
  return best ? { symbolSize: 56, data: [{ name: 'peak', coord: [key(best), num(best.revenue)], value: '$' + compact(Math.round(num(best.revenue))) }], label: { color: '#0f172a', fontWeight: 700, fontSize: 11 }, itemStyle: { color: '#f59e0b' } } : undefined;
}

function render(data) {
  const d = data || {};
  const o = (d.revenueOverall || [])[0] || {};
  const overall = document.querySelector('[data-panel="overall"]');
  overall.dataset.rows = String(d.revenueOverall ? d.revenueOverall.length : 0);
  overall.querySelector('.kpis').innerHTML = [
    ['Revenue', money(o.revenue)], ['Units sold', num(o.units).toLocaleString('en-US')], ['Sale lines', num(o.sale_lines).toLocaleString('en-US')],
    ['Revenue per line', '$' + num(o.revenue_per_line).toFixed(2)], ['First sale', o.first_sale_at ? String(o.first_sale_at).slice(0, 16).replace('T', ' ') : '-'], ['Last sale', o.last_sale_at ? String(o.last_sale_at).slice(0, 16).replace('T', ' ') : '-'],
  ].map(([k, v]) => '<div class="kpi"><div class="v">' + v + '</div><div class="k">' + k + '</div></div>').join('');

  const minutes = d.salesPerMinute || [];
  chart('salesPerMinute', {
    xAxis: Object.assign({ type: 'category', data: minutes.map((r) => hhmm(r.minute)) }, axis),
    yAxis: Object.assign({ type: 'value', name: 'revenue' }, axis),
    dataZoom: [{ type: 'inside' }],
    series: [{ name: 'revenue', type: 'line', showSymbol: false, areaStyle: { opacity: 0.15 }, data: minutes.map((r) => num(r.revenue)), markPoint: peakMark(minutes, (r) => hhmm(r.minute)) }],
  }, minutes.length);

  const hours = d.salesPerHour || [];
  chart('salesPerHour', {
    xAxis: Object.assign({ type: 'category', data: hours.map((r) => String(r.hour).slice(5, 13).replace('T', ' ') + 'h') }, axis),
    yAxis: [Object.assign({ type: 'value', name: 'revenue' }, axis), Object.assign({ type: 'value', name: 'units' }, axis)],
    series: [
      { name: 'revenue', type: 'bar', data: hours.map((r) => ({ value: num(r.revenue), itemStyle: { color: r.revenue_rank === 1 ? '#f59e0b' : '#3b82f6' } })), markPoint: peakMark(hours, (r) => String(r.hour).slice(5, 13).replace('T', ' ') + 'h') },
      { name: 'units', type: 'line', yAxisIndex: 1, data: hours.map((r) => num(r.units)) },
    ],
  }, hours.length);

  const days = d.salesDaily || [];
  const weeks = d.salesWeekly || [];
  const periods = days.map((r) => ({ label: 'day ' + String(r.day).slice(0, 10), r })).concat(weeks.map((r) => ({ label: 'week of ' + String(r.week).slice(0, 10), r })));
  chart('salesDailyWeekly', {
    xAxis: Object.assign({ type: 'category', data: periods.map((p) => p.label) }, axis),
    yAxis: Object.assign({ type: 'value', name: 'revenue' }, axis),
    series: [{ name: 'revenue', type: 'bar', data: periods.map((p) => ({ value: num(p.r.revenue), itemStyle: { color: p.label.startsWith('day') ? '#3b82f6' : '#8b5cf6' } })), label: { show: true, position: 'top', color: '#cbd5e1', formatter: (x) => money(x.value) } }],
  }, periods.length);

  revenueDonut('revenueByRegion', d.revenueByRegion || [], (r) => r.region);

  const stores = (d.revenueByStore || []).slice().sort((a, b) => num(b.revenue) - num(a.revenue));
  chart('revenueByStore', {
    xAxis: Object.assign({ type: 'category', data: stores.map((r) => r.store_id), axisLabel: { rotate: 60, color: '#94a3b8' } }, { axisLine: axis.axisLine }),
    yAxis: Object.assign({ type: 'value', name: 'revenue' }, axis),
    series: [{ name: 'revenue', type: 'bar', data: stores.map((r) => num(r.revenue)) }],
  }, stores.length);

  revenueDonut('revenueByCategory', d.revenueByCategory || [], (r) => r.category);

  const byUnits = (d.topProductsByUnits || []).slice().reverse();
  const byRevenue = (d.topProductsByRevenue || []).slice().reverse();
  chart('topProducts', {
    grid: [{ left: 150, right: '55%', top: 30, bottom: 20 }, { left: '62%', right: 20, top: 30, bottom: 20 }],
    xAxis: [Object.assign({ type: 'value', gridIndex: 0, name: 'units' }, axis), Object.assign({ type: 'value', gridIndex: 1, name: 'revenue' }, axis)],
    yAxis: [
      Object.assign({ type: 'category', gridIndex: 0, data: byUnits.map((r) => r.product_id + ' ' + r.name.slice(0, 14)) }, axis),
      Object.assign({ type: 'category', gridIndex: 1, data: byRevenue.map((r) => r.product_id) }, axis),
    ],
    series: [
      { name: 'units', type: 'bar', xAxisIndex: 0, yAxisIndex: 0, data: byUnits.map((r) => num(r.units)) },
      { name: 'revenue', type: 'bar', xAxisIndex: 1, yAxisIndex: 1, data: byRevenue.map((r) => num(r.revenue)), itemStyle: { color: '#f59e0b' } },
    ],
  }, byUnits.length + byRevenue.length);

  const over = d.overPerformers || [];
  const under = d.underPerformers || [];
  const point = (r) => ({ value: [num(r.performance_index), num(r.revenue)], name: r.product_id + ' ' + r.name + ' (' + r.category + ')' });
  chart('performers', {
    tooltip: { trigger: 'item', formatter: (p) => p.name + '<br>index ' + p.value[0] + ', ' + money(p.value[1]) },
    xAxis: Object.assign({ type: 'value', name: 'x fair share' }, axis),
    yAxis: Object.assign({ type: 'value', name: 'revenue' }, axis),
    series: [
      { name: 'over', type: 'scatter', symbolSize: 10, data: over.map(point), itemStyle: { color: '#22c55e' } },
      { name: 'under', type: 'scatter', symbolSize: 10, data: under.map(point), itemStyle: { color: '#ef4444' } },
    ],
  }, over.length + under.length);

  const risk = d.stockAtRisk || [];
  const riskByRegion = {};
  for (const r of risk) {
    const k = r.region;
    riskByRegion[k] = riskByRegion[k] || { at_risk: 0, out_of_stock: 0 };
    riskByRegion[k][r.stockout_risk] = (riskByRegion[k][r.stockout_risk] || 0) + 1;
  }
  const riskRegions = Object.keys(riskByRegion).sort();
  chart('stockAtRisk', {
    xAxis: Object.assign({ type: 'category', data: riskRegions }, axis),
    yAxis: Object.assign({ type: 'value', name: 'product x store' }, axis),
    series: [
      { name: 'out of stock', type: 'bar', stack: 'r', data: riskRegions.map((k) => riskByRegion[k].out_of_stock), itemStyle: { color: '#ef4444' } },
      { name: 'at risk', type: 'bar', stack: 'r', data: riskRegions.map((k) => riskByRegion[k].at_risk), itemStyle: { color: '#f59e0b' } },
    ],
  }, risk.length);
  const riskTable = document.querySelector('[data-panel="stockAtRisk"] .detail');
  riskTable.textContent = risk.length + ' product x store pairs at risk; lowest: ' + risk.slice(0, 3).map((r) => r.product_id + '@' + r.store_id + ' (' + r.on_hand + ' left of ' + r.units_received + ')').join(', ');

  const sell = (d.sellThrough || []).filter((r) => r.sell_through_rate !== null).slice(0, 25);
  chart('sellThrough', {
    xAxis: Object.assign({ type: 'category', data: sell.map((r) => r.product_id), axisLabel: { rotate: 60, color: '#94a3b8' } }, { axisLine: axis.axisLine }),
    yAxis: Object.assign({ type: 'value', name: 'sold / received', max: 1 }, axis),
    series: [{ name: 'sell-through', type: 'bar', data: sell.map((r) => num(r.sell_through_rate)), itemStyle: { color: '#14b8a6' } }],
  }, sell.length);

  const ranking = d.storeRanking || [];
  chart('storeRanking', {
    tooltip: { trigger: 'item', formatter: (p) => p.name + '<br>units ' + p.value[0] + ', ' + money(p.value[1]) + '<br>rank by revenue ' + p.value[2] + ', by units ' + p.value[3] },
    xAxis: Object.assign({ type: 'value', name: 'units' }, axis),
    yAxis: Object.assign({ type: 'value', name: 'revenue' }, axis),
    series: [{ name: 'stores', type: 'scatter', symbolSize: (v) => Math.max(8, 26 - v[2]), data: ranking.map((r) => ({ name: r.store_id + ' ' + r.city + ' (' + r.region + ')', value: [num(r.units), num(r.revenue), r.revenue_rank, r.units_rank] })), label: { show: true, formatter: (p) => '#' + p.value[2], position: 'right', color: '#cbd5e1', fontSize: 10 } }],
  }, ranking.length);
}

function showStatus(status) {
  const el = document.getElementById('status');
  el.textContent = status.line;
  el.className = status.balanced === true ? 'balanced' : status.balanced === false ? 'unbalanced' : '';
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

/** The whole page. With `data` null the panels show that nothing is loaded yet. */
export function renderDashboardHtml(data: DashboardData | null, options: DashboardPageOptions): string {
  const echartsTag = options.echarts === 'inline' ? `<script>${readFileSync(ECHARTS_PATH, 'utf8').replace(/<\/script/gi, '<\\/script')}</script>` : `<script src="${escapeHtml(options.echarts.src)}"></script>`;
  const panels = PANELS.map(
    (p) => `<section class="panel" data-panel="${p.id}" data-rows="0">
  <h2>${escapeHtml(p.title)}</h2><div class="metric">${escapeHtml(p.metric)}</div>
  ${p.id === 'overall' ? '<div class="kpis"></div>' : '<div class="chart"></div>'}${p.id === 'stockAtRisk' ? '<div class="metric detail"></div>' : ''}
</section>`,
  ).join('\n');
  const boot = { data, status: options.status, poll: options.poll ?? null };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.status.title)}</title><style>${STYLE}</style>
${echartsTag}
</head><body>
<header><h1>${escapeHtml(options.status.title)}</h1><span id="status"></span></header>
<main>
${panels}
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
export async function serveDashboard(options: { port?: number; pollMs?: number; status: DashboardStatus }): Promise<DashboardServer> {
  let current: { data: DashboardData | null; status: DashboardStatus } = { data: null, status: options.status };
  const pollMs = options.pollMs ?? 1000;
  const echartsJs = readFileSync(ECHARTS_PATH);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(renderDashboardHtml(current.data, { status: current.status, echarts: { src: '/echarts.min.js' }, poll: { url: '/data.json', pollMs } }));
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

// The twin's dashboard: one HTML page over the warehouse's dashboard queries, drawn with
// ECharts from the shared panel definitions (warehouse/panels.ts), one section per sheet.
// The written file inlines ECharts and the data, so it opens offline from disk; `--serve`
// serves the same page on 127.0.0.1 and the page polls /data.json while a run goes on.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
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
  /** Likewise for the page's own script; inline unless given a URL. */
  script?: 'inline' | { src: string };
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
.scroll-hint { display:none; color:var(--accent); font-size:12px; margin:0 0 4px; }
.panel.scrolls .scroll-hint { display:block; }
.panel.scrolls .table-wrap { box-shadow:inset -14px 0 10px -10px rgba(0,0,0,0.7); }
.panel[data-kind="donut"] { display:flex; flex-direction:column; }
.panel[data-kind="donut"] .chart { flex:1 1 auto; min-height:300px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { padding:4px 8px; border-bottom:1px solid var(--line); text-align:left; white-space:nowrap; }
th { color:var(--muted); font-weight:600; position:sticky; top:0; background:var(--panel); }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.empty { color:var(--muted); padding:24px; text-align:center; }
@media (max-width:520px) {
  header, .sheet { padding-left:10px; padding-right:10px; } .chart { height:260px; }
  .panel { padding:10px; } th, td { padding:4px 5px; } th, td:not(.num) { white-space:normal; }
}
`;

/** The page's own script (a browser script, linted as one): draws each panel from its query's rows, by the panel's kind. */
const PAGE_SCRIPT_PATH = join(__dirname, 'dashboard', 'page.js');
/** How the page prints and orders values: loaded before the page's script (and run by the QuickSight comparison test). */
export const FORMAT_SCRIPT_PATH = join(__dirname, 'dashboard', 'format.js');
/** Where the server serves the page's scripts. */
const PAGE_SCRIPT_URL = '/dashboard.js';
const FORMAT_SCRIPT_URL = '/dashboard-format.js';

/** A file's text made safe to inline in a <script> element. */
const inlineScript = (path: string) =>
  `<script>${readFileSync(path, 'utf8').replace(/<\/script/gi, '<\\/script')}</script>`;

const BODY: Record<Panel['kind'], string> = {
  kpi: '<div class="kpis"></div>',
  // The hint shows when the table is wider than its panel (the page sets .scrolls).
  table: '<p class="scroll-hint">Scroll sideways for more columns →</p><div class="table-wrap"></div>',
  line: '<div class="chart"></div>',
  bar: '<div class="chart"></div>',
  ranking: '<div class="chart"></div>',
  donut: '<div class="chart"></div>',
  distribution: '<div class="chart"></div><p class="extremes"></p>',
};

/** The whole page: one section per sheet, one panel per entry of PANELS. With `data` null the panels are empty. */
export function renderDashboardHtml(data: DashboardData | null, options: DashboardPageOptions): string {
  const panels = options.panels ?? PANELS;
  const scriptTag = (path: string, where: DashboardPageOptions['echarts']) =>
    where === 'inline' ? inlineScript(path) : `<script src="${escapeHtml(where.src)}"></script>`;
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
${scriptTag(ECHARTS_PATH, options.echarts)}
</head><body>
<header><h1>${escapeHtml(options.status.title)}</h1><span id="status"></span></header>
<main>
<section class="sheet" id="dataAge" hidden><h2>Data age</h2><p>Producer send to rows visible in the views, per chunk.</p><div class="kpis"></div></section>
${sheets}
</main>
<script>window.__DASHBOARD__ = ${scriptJson(boot)};</script>
${scriptTag(FORMAT_SCRIPT_PATH, options.script === undefined || options.script === 'inline' ? 'inline' : { src: FORMAT_SCRIPT_URL })}
${scriptTag(PAGE_SCRIPT_PATH, options.script ?? 'inline')}
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
  const pageJs = readFileSync(PAGE_SCRIPT_PATH);
  const formatJs = readFileSync(FORMAT_SCRIPT_PATH);
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
          script: { src: PAGE_SCRIPT_URL },
          poll: { url: '/data.json', pollMs },
        }),
      );
    } else if (path === '/data.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(current));
    } else if (path === '/echarts.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'max-age=3600' });
      res.end(echartsJs);
    } else if (path === PAGE_SCRIPT_URL || path === FORMAT_SCRIPT_URL) {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      res.end(path === PAGE_SCRIPT_URL ? pageJs : formatJs);
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

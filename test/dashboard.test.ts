// The dashboard in a real browser: headless Chromium (found by test/support/browser.ts, no
// apt needed) loads the page that `--serve` serves while a twin run goes on, and the file
// written after it. Every panel must be drawn from its rows, and the panels an analyst reads
// for names (stores, products, stockouts, sell-through extremes) must show those names.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { serveDashboard, writeDashboard, type DashboardServer, type DashboardStatus } from '../local/dashboard';
import { PANELS } from '../warehouse/panels';
import type { DashboardData } from '../local/warehouse';
import { runTwin, type TwinReport } from '../local/twin';
import { launchChromium } from './support/browser';
import { labelProblems, tableProblems } from './support/dashboardLayout';

const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
const work = mkdtempSync(join(tmpdir(), 'twin-dashboard-'));
let browser: Browser;
let server: DashboardServer;
let report: TwinReport;
let liveRefreshes = 0;

const status = (line: string, live: boolean): DashboardStatus => ({ title: 'Black Friday twin', line, live });

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ browser } = await launchChromium());
  server = await serveDashboard({ status: status('starting', true), pollMs: 200 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

interface PanelState {
  rows: number;
  /** What the panel drew: chart data points, table rows or KPI tiles. */
  drawn: number;
  /** Category labels of a chart (names on a ranking's axis). */
  labels: string[];
  text: string;
}

async function panelState(page: Page): Promise<Record<string, PanelState>> {
  return page.$$eval('[data-panel]', (panels) =>
    Object.fromEntries(
      panels.map((el) => {
        const s = el as HTMLElement;
        const chartEl = s.querySelector('.chart');
        // ECharts is the page's global; only the two calls used here are typed.
        const { echarts } = window as unknown as {
          echarts: { getInstanceByDom(el: Element): { getOption(): Record<string, unknown[]> } | undefined };
        };
        const chart = chartEl ? echarts.getInstanceByDom(chartEl) : undefined;
        const option = chart ? chart.getOption() : { series: [], xAxis: [], yAxis: [] };
        const points = (option.series as { data?: unknown[] }[]).reduce((n, x) => Math.max(n, x.data?.length ?? 0), 0);
        const axes = [...(option.xAxis ?? []), ...(option.yAxis ?? [])] as { type?: string; data?: unknown[] }[];
        const labels = axes.filter((a) => a.type === 'category').flatMap((a) => (a.data ?? []).map(String));
        const drawn = chartEl ? points : s.querySelectorAll('tbody tr').length + s.querySelectorAll('.kpi').length;
        return [s.dataset.panel!, { rows: Number(s.dataset.rows), drawn, labels, text: s.textContent ?? '' }];
      }),
    ),
  );
}

/** Each panel drew its rows, and the name-bearing panels hold the warehouse's names. */
function expectNamedPanels(state: Record<string, PanelState>, data: DashboardData): void {
  expect(Object.keys(state).sort()).toEqual(PANELS.map((p) => p.id).sort());
  for (const panel of PANELS) {
    const rows = (data[panel.query] as unknown[]).length;
    const drawn =
      panel.kind === 'kpi' ? panel.measures.length : panel.kind === 'distribution' ? state[panel.id].drawn : rows;
    expect({ panel: panel.id, rows: state[panel.id].rows, drawn: state[panel.id].drawn }).toEqual({
      panel: panel.id,
      rows,
      drawn,
    });
  }
  // Panels every run fills.
  for (const id of [
    'kpis',
    'sales-per-minute',
    'sales-per-hour',
    'store-ranking',
    'top-products-revenue',
    'top-products-units',
    'sell-through',
    'categories',
  ]) {
    expect({ id, empty: state[id].rows === 0 }).toEqual({ id, empty: false });
  }
  const cut = (name: string) => (name.length > 28 ? name.slice(0, 27) : name);
  for (const r of data.storeRanking) expect(state['store-ranking'].text).toContain(r.city);
  expect(state['revenue-by-store'].labels.join('\n')).toContain(cut(data.storeRanking[0].city));
  expect(state['top-products-revenue'].labels.map((l) => l.replace('\u2026', ''))).toEqual(
    sortedByRevenue(data).map(cut),
  );
  for (const r of data.topProductsByUnits) expect(state['top-products-units'].labels.join('\n')).toContain(cut(r.name));
  for (const r of [...data.overPerformers, ...data.underPerformers])
    expect(state[r.performance === 'over' ? 'over-performers' : 'under-performers'].text).toContain(r.name);
  expect(data.overPerformers.length + data.underPerformers.length).toBeGreaterThan(0);
  for (const r of data.outOfStock) expect(state['out-of-stock'].text).toContain(r.name);
  const rated = data.sellThrough
    .filter((r) => r.sell_through_rate !== null)
    .sort((a, b) => Number(a.sell_through_rate) - Number(b.sell_through_rate));
  expect(state['sell-through'].drawn).toBe(rated.length);
  expect(state['sell-through'].text).toContain(`Slowest: ${rated[0].name}`);
  expect(state['sell-through'].text).toContain(`Fastest: ${rated[rated.length - 1].name}`);
}

/** Top products by revenue, best first, as the ranking draws them. */
function sortedByRevenue(data: DashboardData): string[] {
  return data.topProductsByRevenue
    .slice()
    .sort((a, b) => Number(b.revenue) - Number(a.revenue))
    .map((r) => r.name);
}

it('serves a page that refreshes while the run goes on, then shows every panel with names', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]');
  // Before any load the panels are empty.
  expect(Object.values(await panelState(page)).every((p) => p.rows === 0)).toBe(true);

  report = await runTwin({
    runs: 4,
    eventsPerRun: 1500,
    eventsPerMessage: 100,
    compression: 'none',
    dataDir: join(work, 'pgdata'),
    fresh: true,
    loadEveryMs: 300,
    onProgress: (p) => server.update(null, status(`${p.phase}: produced ${p.produced}`, true)),
    onWarehouseRefresh: (data) => {
      liveRefreshes++;
      server.update(data, status('streaming', true));
    },
  });
  expect(report.books!.balanced).toBe(true);
  server.update(report.dashboard!, status(`${report.totalEvents} events; books balanced`, false));

  await page.waitForFunction(
    () => document.getElementById('status')!.textContent!.includes('books balanced'),
    undefined,
    { timeout: 20_000 },
  );
  // The page polled more than once: it followed the run, not just its end.
  expect(Number(await page.evaluate(() => document.body.dataset.updates))).toBeGreaterThan(1);
  expect(liveRefreshes).toBeGreaterThan(1);
  expectNamedPanels(await panelState(page), report.dashboard!);
  expect(await page.textContent('[data-panel="kpis"] .kpi .v')).toMatch(/^\$[\d,]+$/);
  expect(errors).toEqual([]);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-served.png'), fullPage: true });
  await page.close();
}, 180_000);

/** The written file, open in a page at one viewport width: what the browser fetched and threw while loading it. */
interface FilePage {
  page: Page;
  requests: string[];
  errors: string[];
}

// Loading the file (ECharts and the data inline) is most of each file test: each width's page is
// loaded once and read by every test at that width (the tests only read it). Closed with the browser.
const filePages = new Map<number, Promise<FilePage>>();

function filePage(width: number): Promise<FilePage> {
  let opened = filePages.get(width);
  if (!opened) {
    opened = (async () => {
      const file = writeDashboard(join(work, `dashboard-${width}.html`), report.dashboard!, status('done', false));
      const page = await browser.newPage({ viewport: { width, height: 1000 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto('file://' + file);
      await page.waitForSelector('body[data-ready="true"]');
      return { page, requests, errors };
    })();
    filePages.set(width, opened);
  }
  return opened;
}

it('writes a page that works offline from a file, with ECharts and the data inline', async () => {
  const { page, requests, errors } = await filePage(1400);
  expectNamedPanels(await panelState(page), report.dashboard!);
  // Nothing fetched beyond the file itself.
  expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
  expect(errors).toEqual([]);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-file.png'), fullPage: true });
}, 60_000);

// Every label whole inside its chart (and its clip rectangle, and the shape it is drawn in), none
// over another, and every table fits or says it scrolls: at a desktop's width and a phone's.
it.each([1400, 420])(
  'is legible at %i px: no label cut or overlapping, no table cut without a sign',
  async (width) => {
    const { page, errors } = await filePage(width);
    expect([...(await labelProblems(page)), ...(await tableProblems(page))]).toEqual([]);
    expect(errors).toEqual([]);
  },
  60_000,
);

it('fits a 420 px wide phone screen without scrolling sideways', async () => {
  const { page } = await filePage(420);
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    widestPanel: Math.max(
      ...Array.from(document.querySelectorAll('[data-panel]')).map((p) => p.getBoundingClientRect().right),
    ),
  }));
  expect(widths.page).toBeLessThanOrEqual(420);
  expect(widths.widestPanel).toBeLessThanOrEqual(420);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-420px.png'), fullPage: true });
}, 60_000);

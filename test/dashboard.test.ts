// The dashboard in a real browser: headless Chromium (Debian's) loads the page that
// `--serve` serves while a twin run goes on, and the file written after it, and every
// panel must have drawn a chart with data.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PANELS, serveDashboard, writeDashboard, type DashboardServer, type DashboardStatus } from '../local/dashboard';
import { runTwin, type TwinReport } from '../local/twin';

const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
const work = mkdtempSync(join(tmpdir(), 'twin-dashboard-'));
const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
let browser: BrowserContext;
let server: DashboardServer;
let report: TwinReport;
let liveRefreshes = 0;

const status = (line: string, live: boolean): DashboardStatus => ({ title: 'Black Friday twin', line, live });

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launchPersistentContext(profile, {
    // Debian's Chromium by default; CHROMIUM_PATH points elsewhere (GitHub's runners ship Google Chrome).
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 1000 },
  });
  server = await serveDashboard({ status: status('starting', true), pollMs: 200 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
});

/** Rows per panel as the page recorded them, and the data points each chart was given. */
async function panelState(page: Page): Promise<Record<string, { rows: number; points: number }>> {
  return page.$$eval('[data-panel]', (sections) =>
    Object.fromEntries(
      sections.map((s) => {
        const el = s.querySelector('.chart');
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const chart = el ? (window as any).echarts.getInstanceByDom(el) : undefined;
        const series: { data?: unknown[] }[] = chart ? chart.getOption().series : [];
        const points = series.reduce((n, x) => n + (x.data?.length ?? 0), 0);
        const kpis = s.querySelectorAll('.kpi').length;
        return [(s as HTMLElement).dataset.panel!, { rows: Number((s as HTMLElement).dataset.rows), points: el ? points : kpis }];
      }),
    ),
  );
}

it('serves a page that refreshes while the run goes on, then shows every panel with data', async () => {
  const page = await browser.newPage();
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

  await page.waitForFunction(() => document.getElementById('status')!.textContent!.includes('books balanced'), undefined, { timeout: 20_000 });
  // The page polled more than once: it followed the run, not just its end.
  expect(Number(await page.evaluate(() => document.body.dataset.updates))).toBeGreaterThan(1);
  expect(liveRefreshes).toBeGreaterThan(1);
  const state = await panelState(page);
  expect(Object.keys(state).sort()).toEqual(PANELS.map((p) => p.id).sort());
  for (const panel of PANELS) {
    expect({ panel: panel.id, hasRows: state[panel.id].rows > 0, hasPoints: state[panel.id].points > 0 }).toEqual({ panel: panel.id, hasRows: true, hasPoints: true });
  }
  expect(await page.textContent('[data-panel="overall"] .kpi .v')).toMatch(/^\$[\d,]+$/);
  expect(errors).toEqual([]);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-served.png'), fullPage: true });
  await page.close();
}, 120_000);

it('writes a page that works offline from a file, with ECharts and the data inline', async () => {
  const file = writeDashboard(join(work, 'dashboard.html'), report.dashboard!, status('done', false));
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('file://' + file);
  await page.waitForSelector('body[data-ready="true"]');
  const state = await panelState(page);
  for (const panel of PANELS) expect({ panel: panel.id, ok: state[panel.id].rows > 0 && state[panel.id].points > 0 }).toEqual({ panel: panel.id, ok: true });
  // Nothing fetched beyond the file itself.
  expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
  expect(errors).toEqual([]);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-file.png'), fullPage: true });
  await page.close();
}, 60_000);

// The dashboard page and server without a browser (test/dashboard.test.ts drives Chromium).
import { renderDashboardHtml, serveDashboard } from './dashboard';
import { PANELS, SHEETS, type Panel } from '../warehouse/panels';
import type { DashboardData } from './warehouse';
import { unitsByRegionPanel } from '../test/support/panels';

const status = { title: 'Black Friday twin', line: 'done', live: false };

describe('renderDashboardHtml', () => {
  it('has one panel per shared definition, grouped by sheet, and keeps hostile text out of the markup', () => {
    const data = {
      revenueOverall: [{ sale_lines: 1 }],
      topProductsByUnits: [{ name: '</script><img src=x onerror=alert(1)>' }],
    } as unknown as DashboardData;
    const html = renderDashboardHtml(data, {
      status: { ...status, title: 'A <b>bold</b> run' },
      echarts: { src: '/echarts.min.js' },
    });
    for (const p of PANELS) expect(html).toContain(`data-panel="${p.id}" data-kind="${p.kind}"`);
    expect(html.match(/<article class="panel[^"]*" data-panel=/g)).toHaveLength(PANELS.length);
    expect(html.match(/<section class="sheet" data-sheet=/g)).toHaveLength(SHEETS.length);
    expect(html).not.toContain('</script><img');
    expect(html).toContain('\\u003c/script>\\u003cimg');
    expect(html).toContain('<title>A &lt;b&gt;bold&lt;/b&gt; run</title>');
  });

  it('draws a panel added to the definition, with no other change', () => {
    const extra: Panel = unitsByRegionPanel;
    const html = renderDashboardHtml(null, { status, echarts: { src: '/e.js' }, panels: [...PANELS, extra] });
    expect(html).toContain('data-panel="units-by-region" data-kind="ranking"');
    expect(html).toContain('"id":"units-by-region"');
  });

  it('inlines ECharts for the offline file and links it for the server', () => {
    const inline = renderDashboardHtml(null, { status, echarts: 'inline' });
    expect(inline.length).toBeGreaterThan(1_000_000);
    expect(inline).not.toContain('<script src=');
    expect(inline).toContain('window.__render = render');
    expect(renderDashboardHtml(null, { status, echarts: { src: '/echarts.min.js' } })).toContain(
      '<script src="/echarts.min.js"></script>',
    );
  });
});

describe('serveDashboard', () => {
  it('serves the page, the data and ECharts on 127.0.0.1 only, and nothing else', async () => {
    const server = await serveDashboard({ status: { ...status, live: true } });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(server.url);
      expect(page.headers.get('content-type')).toContain('text/html');
      const html = await page.text();
      expect(html).toContain('"poll":{"url":"/data.json"');
      expect(html).toContain('<script src="/dashboard.js"></script>');
      server.update({ revenueOverall: [] } as unknown as DashboardData, { ...status, line: 'loaded' });
      expect(await (await fetch(server.url + 'data.json')).json()).toEqual({
        data: { revenueOverall: [] },
        status: { ...status, line: 'loaded' },
      });
      expect((await fetch(server.url + 'echarts.min.js')).status).toBe(200);
      const script = await fetch(server.url + 'dashboard.js');
      expect(script.headers.get('content-type')).toContain('text/javascript');
      expect(await script.text()).toContain('window.__DASHBOARD__');
      expect((await fetch(server.url + 'etc/passwd')).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });
});

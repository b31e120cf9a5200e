// The dashboard's "Data age" strip: outside the metric panels, filled from the status the twin sends.
import { renderDashboardHtml } from './dashboard';
import { PANELS } from '../warehouse/panels';

it('carries the data age in the page and keeps it out of the metric panels', () => {
  const dataAge = { chunks: 12, p50Ms: 800, p95Ms: 1900, maxMs: 2100 };
  const html = renderDashboardHtml(null, {
    status: { title: 'Black Friday twin', line: 'done', live: false, dataAge },
    echarts: { src: '/echarts.min.js' },
  });
  expect(html).toContain('<section class="sheet" id="dataAge" hidden><h2>Data age</h2>');
  expect(html).toContain(JSON.stringify(dataAge));
  expect(html.match(/<article class="panel[^"]*" data-panel=/g)).toHaveLength(PANELS.length);
});

// What a reader sees on the dashboard page, measured in the browser: every text ECharts draws
// (the page uses the SVG renderer, so each label is a <text> element with a real box) must lie
// whole inside its chart and inside the clip rectangle it is drawn in, and no two may overlap;
// every table either fits its panel or says that it scrolls.
import type { Page } from 'playwright-core';

export interface LabelBox {
  panel: string;
  text: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Every drawn chart text of the page, with its box and the boxes it must stay inside. */
export async function chartLabels(
  page: Page,
): Promise<{ label: LabelBox; within: { what: string; box: LabelBox }[] }[]> {
  await allowNamedFunctions(page);
  return page.$$eval('[data-panel] .chart', (charts) =>
    charts.flatMap((chart) => {
      const panel = (chart.closest('[data-panel]') as HTMLElement).dataset.panel!;
      const svg = chart.querySelector('svg');
      if (!svg) return [];
      const box = (r: { left: number; top: number; right: number; bottom: number }, text: string) => ({
        panel,
        text,
        left: r.left,
        top: r.top,
        right: r.right,
        bottom: r.bottom,
      });
      const chartBox = box(chart.getBoundingClientRect(), 'chart');
      const origin = svg.getBoundingClientRect();
      return Array.from(svg.querySelectorAll('text'))
        .filter((t) => (t.textContent ?? '').trim() !== '' && t.getBoundingClientRect().width > 0)
        .map((t) => {
          const within = [{ what: 'its chart', box: chartBox }];
          // A text drawn inside a clip path shows only the part inside the clip rectangle.
          for (let g: Element | null = t; g && g !== svg; g = g.parentElement) {
            const ref = /url\(#([^)]+)\)/.exec(g.getAttribute('clip-path') ?? '');
            const shape = ref ? svg.querySelector(`[id="${ref[1]}"] > *`) : null;
            if (shape) {
              const b = (shape as SVGGraphicsElement).getBBox();
              within.push({
                what: 'its clip rectangle',
                box: box(
                  {
                    left: origin.left + b.x,
                    top: origin.top + b.y,
                    right: origin.left + b.x + b.width,
                    bottom: origin.top + b.y + b.height,
                  },
                  'clip',
                ),
              });
            }
          }
          return { label: box(t.getBoundingClientRect(), t.textContent!.trim()), within };
        });
    }),
  );
}

/** tsx (esbuild) names inner functions with a `__name` helper the page does not have. */
const allowNamedFunctions = (page: Page) => page.evaluate('window.__name = window.__name || ((f) => f)');

/** Half a pixel of slack for anti-aliased edges. */
const SLACK = 0.5;
const inside = (a: LabelBox, b: LabelBox) =>
  a.left >= b.left - SLACK && a.top >= b.top - SLACK && a.right <= b.right + SLACK && a.bottom <= b.bottom + SLACK;
const overlap = (a: LabelBox, b: LabelBox) =>
  Math.min(a.right, b.right) - Math.max(a.left, b.left) > SLACK &&
  Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > SLACK;

/**
 * Labels ECharts draws inside a shape (a value in a marker's pin): ECharts' own element tree
 * (zrender's display list) knows each label's host, which the SVG does not say. A label wider
 * than its host shows only the part on the host ("36.9%" read "6.9%").
 */
async function labelsInsideHosts(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const problems = [];
    const global = (el) => {
      const r = el.getBoundingRect().clone();
      if (el.transform) r.applyTransform(el.transform);
      return r;
    };
    for (const node of document.querySelectorAll('[data-panel] .chart')) {
      const chart = echarts.getInstanceByDom(node);
      if (!chart) continue;
      for (const host of chart.getZr().storage.getDisplayList(true)) {
        const label = host.getTextContent && host.getTextContent();
        if (!label || label.ignore || !host.textConfig || host.textConfig.position !== 'inside') continue;
        const [h, t] = [global(host), global(label)];
        if (t.x < h.x - 0.5 || t.x + t.width > h.x + h.width + 0.5)
          problems.push(node.parentElement.dataset.panel + ': "' + label.style.text + '" is wider than the shape it is drawn in');
      }
    }
    return problems;
  })()`);
}

/** One line per label that leaves its chart, clip rectangle or host shape, and per pair of labels that overlap. */
export async function labelProblems(page: Page): Promise<string[]> {
  const labels = await chartLabels(page);
  const problems: string[] = await labelsInsideHosts(page);
  for (const { label, within } of labels)
    for (const w of within)
      if (!inside(label, w.box)) problems.push(`${label.panel}: "${label.text}" reaches outside ${w.what}`);
  for (let i = 0; i < labels.length; i++)
    for (let j = i + 1; j < labels.length; j++) {
      const [a, b] = [labels[i].label, labels[j].label];
      if (a.panel === b.panel && overlap(a, b)) problems.push(`${a.panel}: "${a.text}" overlaps "${b.text}"`);
    }
  return problems;
}

/** One line per table that is wider than its panel and shows no sign that it scrolls. */
export async function tableProblems(page: Page): Promise<string[]> {
  await allowNamedFunctions(page);
  return page.$$eval('[data-panel] .table-wrap', (wraps) =>
    wraps.flatMap((wrap) => {
      const panel = (wrap.closest('[data-panel]') as HTMLElement).dataset.panel!;
      const w = wrap as HTMLElement;
      if (w.scrollWidth <= w.clientWidth + 1) return [];
      const hint = w.parentElement!.querySelector('.scroll-hint') as HTMLElement | null;
      const shown =
        hint !== null && hint.getBoundingClientRect().height > 0 && getComputedStyle(hint).display !== 'none';
      if (shown) return [];
      const cut = Array.from(w.querySelectorAll('thead th'))
        .filter((th) => th.getBoundingClientRect().right > w.getBoundingClientRect().right + 1)
        .map((th) => th.textContent);
      return [`${panel}: ${cut.join(', ')} cut off at the panel's edge, with no sign that the table scrolls`];
    }),
  );
}

// The dashboard page's script, run in the browser after ECharts and the boot data
// (window.__DASHBOARD__: data, status, poll, panels): draws each panel from its query's rows,
// by the panel's kind, and while a run goes on polls for new data. local/dashboard.ts
// inlines it in the written file and serves it with the live page.
const charts = {};
const PANELS = window.__DASHBOARD__.panels;
const { num, iso, fmt, tick, sortRows } = window.dashboardFormat;
const esc = (t) =>
  String(t).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const axisStyle = {
  axisLabel: { color: '#94a3b8', hideOverlap: true },
  axisLine: { lineStyle: { color: '#334155' } },
  splitLine: { lineStyle: { color: '#1e293b' } },
};
const valueAxis = (m, extra) =>
  Object.assign(
    { type: 'value', name: m.label, nameTextStyle: { color: '#94a3b8' } },
    axisStyle,
    { axisLabel: { color: '#94a3b8', formatter: tick(m.format), hideOverlap: true } },
    extra || {},
  );
// The first and last tick labels align inward: centred, they crossed the value axis's "$0" or the chart's edge.
const edgeLabels = Object.assign({}, axisStyle.axisLabel, { alignMinLabel: 'left', alignMaxLabel: 'right' });
const base = {
  backgroundColor: 'transparent',
  textStyle: { color: '#e2e8f0' },
  tooltip: { trigger: 'axis' },
  grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
  legend: { textStyle: { color: '#cbd5e1' }, top: 0 },
};
const short = (t, n) => (String(t).length > n ? String(t).slice(0, n - 1) + '\u2026' : String(t));
const label = (p, r) => p.dimensions.map((d) => fmt(d.format, r[d.column])).join(' \u00b7 ');

// SVG, not canvas: every label is an element with a box the browser test can measure.
function chart(el, id, option) {
  if (!charts[id]) {
    charts[id] = echarts.init(el, null, { renderer: 'svg' });
    // A chart follows its box (a donut grows with its panel's row), not only the window.
    new ResizeObserver(() => charts[id].resize()).observe(el);
  }
  // A legend only when there is more than one series to tell apart.
  const legend = Object.assign({}, base.legend, { show: (option.series || []).length > 1 }, option.legend || {});
  charts[id].setOption(Object.assign({}, base, option, { legend }), true);
}

// A marked point: a dot with its value in a tag above it. The tag grows away from the nearer
// edge (the first half of the axis to the right, the second to the left), so it never leaves the
// chart; a value inside a pin was cut by the pin ("$242.1K" read "242.1").
function markPoints(points, count, color) {
  return {
    symbol: 'circle',
    symbolSize: 9,
    itemStyle: { color, borderColor: '#0f172a', borderWidth: 2 },
    label: {
      position: 'top',
      distance: 6,
      color: '#0f172a',
      backgroundColor: color,
      borderRadius: 4,
      padding: [3, 6],
      fontWeight: 700,
      fontSize: 11,
      formatter: (x) => x.data.text,
    },
    data: points.map((p) => ({
      name: p.name,
      coord: p.coord,
      text: p.text,
      label: { align: p.index < count / 2 ? 'left' : 'right' },
    })),
  };
}

function peakMark(m, rows, x) {
  let best = -1;
  rows.forEach((r, i) => {
    if (best < 0 || num(r[m.column]) > num(rows[best][m.column])) best = i;
  });
  if (best < 0) return undefined;
  const v = num(rows[best][m.column]);
  return markPoints(
    [{ name: 'peak', index: best, coord: [x(rows[best]), v], text: tick(m.format)(v) }],
    rows.length,
    '#f59e0b',
  );
}
// Room above the highest value for its tag, below the axis title and legend (the axis still ends on a round tick).
const headroom = { boundaryGap: [0, '35%'] };

// A table wider than its panel says so: a hint above it and a shadow on the cut edge.
function markScrolling(el, wrap) {
  const update = () => el.classList.toggle('scrolls', wrap.scrollWidth > wrap.clientWidth + 1);
  update();
  if (!wrap.dataset.watched) {
    wrap.dataset.watched = 'true';
    new ResizeObserver(update).observe(wrap);
  }
}

const draw = {
  kpi(p, rows, el) {
    const r = rows[0] || {};
    el.querySelector('.kpis').innerHTML = p.measures
      .map(
        (m) =>
          '<div class="kpi"><div class="v">' +
          esc(fmt(m.format, r[m.column])) +
          '</div><div class="k">' +
          esc(m.label) +
          '</div></div>',
      )
      .join('');
  },
  table(p, rows, el) {
    const fields = p.dimensions.concat(p.measures);
    const numeric = (f) => f.format !== 'text';
    const head =
      '<tr>' +
      fields.map((f) => '<th' + (numeric(f) ? ' class="num"' : '') + '>' + esc(f.label) + '</th>').join('') +
      '</tr>';
    const body = rows
      .map(
        (r) =>
          '<tr>' +
          fields
            .map((f) => '<td' + (numeric(f) ? ' class="num"' : '') + '>' + esc(fmt(f.format, r[f.column])) + '</td>')
            .join('') +
          '</tr>',
      )
      .join('');
    const wrap = el.querySelector('.table-wrap');
    wrap.innerHTML = rows.length
      ? '<table><thead>' + head + '</thead><tbody>' + body + '</tbody></table>'
      : '<div class="empty">none</div>';
    markScrolling(el, wrap);
  },
  line(p, rows, el) {
    const d = p.dimensions[0];
    const m = p.measures[0];
    chart(el.querySelector('.chart'), p.id, {
      xAxis: Object.assign({ type: 'time' }, axisStyle, { axisLabel: edgeLabels }),
      yAxis: valueAxis(m, headroom),
      dataZoom: [{ type: 'inside' }],
      series: p.measures.map((mm) => ({
        name: mm.label,
        type: 'line',
        showSymbol: false,
        areaStyle: { opacity: 0.15 },
        data: rows.map((r) => [iso(r[d.column]), num(r[mm.column])]),
        markPoint: mm === m ? peakMark(m, rows, (r) => iso(r[d.column])) : undefined,
      })),
    });
  },
  bar(p, rows, el) {
    const d = p.dimensions[0];
    const x = (r) => fmt(d.format, r[d.column]);
    chart(el.querySelector('.chart'), p.id, {
      xAxis: Object.assign({ type: 'category', data: rows.map(x) }, axisStyle, { axisLabel: edgeLabels }),
      yAxis: p.measures.map((m, i) => valueAxis(m, i > 0 ? { splitLine: { show: false } } : headroom)),
      series: p.measures.map((m, i) => ({
        name: m.label,
        type: i === 0 ? 'bar' : 'line',
        yAxisIndex: i,
        data: rows.map((r) => num(r[m.column])),
        markPoint: i === 0 && rows.length > 1 ? peakMark(m, rows, x) : undefined,
      })),
    });
  },
  ranking(p, rows, el) {
    const m = p.measures[0];
    const sorted = rows;
    chart(el.querySelector('.chart'), p.id, {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
      xAxis: valueAxis(m, { name: '' }),
      yAxis: Object.assign({}, axisStyle, {
        type: 'category',
        inverse: true,
        data: sorted.map((r) => short(label(p, r), 28)),
        axisLabel: { color: '#cbd5e1', interval: 0, fontSize: sorted.length > 15 ? 10 : 12 },
      }),
      series: [
        {
          name: m.label,
          type: 'bar',
          data: sorted.map((r) => num(r[m.column])),
          label: {
            show: true,
            position: 'right',
            color: '#cbd5e1',
            fontSize: 10,
            formatter: (x) => tick(m.format)(x.value),
          },
        },
      ],
    });
    el.querySelector('.chart').style.height = Math.max(220, 22 * sorted.length + 40) + 'px';
    charts[p.id].resize();
  },
  distribution(p, rows, el) {
    const m = p.measures[0];
    const sorted = rows.filter((r) => r[m.column] !== null && r[m.column] !== undefined);
    const names = sorted.map((r) => label(p, r));
    const ends = sorted.length
      ? [
          { r: sorted[0], i: 0, what: 'slowest' },
          { r: sorted[sorted.length - 1], i: sorted.length - 1, what: 'fastest' },
        ]
      : [];
    chart(el.querySelector('.chart'), p.id, {
      tooltip: { trigger: 'axis', valueFormatter: (v) => fmt(m.format, v) },
      xAxis: Object.assign({}, axisStyle, {
        type: 'category',
        data: names,
        name: sorted.length + ' products, sorted',
        nameLocation: 'middle',
        nameGap: 10,
        nameTextStyle: { color: '#94a3b8' },
        axisLabel: { show: false },
        axisTick: { show: false },
      }),
      // Room below the axis for its title (it sat behind the caption) and above 100% for the tags.
      grid: Object.assign({}, base.grid, { bottom: 28 }),
      yAxis: valueAxis(m, {
        max: (v) => Math.max(1, v.max) * 1.2,
        axisLabel: Object.assign({}, axisStyle.axisLabel, { formatter: (v) => (v > 1 ? '' : tick(m.format)(v)) }),
      }),
      series: [
        {
          name: m.label,
          type: 'bar',
          barCategoryGap: '10%',
          data: sorted.map((r) => num(r[m.column])),
          itemStyle: { color: '#14b8a6' },
          markPoint: markPoints(
            ends.map((e) => ({
              name: e.what,
              index: e.i,
              coord: [e.i, num(e.r[m.column])],
              text: fmt(m.format, e.r[m.column]),
            })),
            sorted.length,
            '#f59e0b',
          ),
        },
      ],
    });
    el.querySelector('.extremes').textContent = ends.length
      ? ends
          .map(
            (e) =>
              e.what[0].toUpperCase() +
              e.what.slice(1) +
              ': ' +
              label(p, e.r) +
              ' (' +
              fmt(m.format, e.r[m.column]) +
              ')',
          )
          .join(' \u00b7 ')
      : '';
  },
  donut(p, rows, el) {
    const m = p.measures[0];
    chart(el.querySelector('.chart'), p.id, {
      tooltip: { trigger: 'item', valueFormatter: (v) => fmt(m.format, v) },
      series: [
        {
          name: m.label,
          type: 'pie',
          center: ['50%', '50%'],
          radius: ['32%', '56%'],
          // Every slice named, the labels on the chart's edges with a line to their slice: two
          // lines of their own height (the name overlapped its share), never outside the chart.
          avoidLabelOverlap: true,
          label: {
            color: '#e2e8f0',
            alignTo: 'edge',
            edgeDistance: 8,
            lineHeight: 15,
            formatter: (x) => x.name + '\n' + x.percent.toFixed(1) + '%',
          },
          labelLine: { length: 8, length2: 6 },
          labelLayout: { hideOverlap: false, moveOverlap: 'shiftY' },
          data: rows.map((r) => ({ name: label(p, r), value: num(r[m.column]) })),
        },
      ],
    });
  },
};

function render(data) {
  const d = data || {};
  for (const p of PANELS) {
    const el = document.querySelector('[data-panel="' + p.id + '"]');
    // Every kind draws its rows in the panel's stated order, as QuickSight does.
    const rows = sortRows(p, d[p.query] || []);
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
    strip.querySelector('.kpis').innerHTML = [
      ['p50', age.p50Ms],
      ['p95', age.p95Ms],
      ['max', age.maxMs],
    ]
      .map(
        ([k, v]) =>
          '<div class="kpi"><div class="v">' +
          s(v) +
          '</div><div class="k">' +
          k +
          ' over ' +
          age.chunks +
          ' chunks</div></div>',
      )
      .join('');
  }
}

window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
window.__render = render;
render(window.__DASHBOARD__.data);
showStatus(window.__DASHBOARD__.status);
document.body.dataset.ready = 'true';
const poll = window.__DASHBOARD__.poll;
if (poll) {
  const refreshData = async () => {
    try {
      const res = await fetch(poll.url, { cache: 'no-store' });
      const next = await res.json();
      if (next.data) render(next.data);
      showStatus(next.status);
      document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
      if (!next.status.live) return;
    } catch (e) {
      /* the run may have ended and the server closed */
    }
    setTimeout(refreshData, poll.pollMs);
  };
  setTimeout(refreshData, poll.pollMs);
}

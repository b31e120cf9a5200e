// The dashboard page's script, run in the browser after ECharts and the boot data
// (window.__DASHBOARD__: data, status, poll, panels): draws each panel from its query's rows,
// by the panel's kind, and while a run goes on polls for new data. local/dashboard.ts
// inlines it in the written file and serves it with the live page.
const charts = {};
const PANELS = window.__DASHBOARD__.panels;
const num = (v) => (v === null || v === undefined ? 0 : Number(v));
const compactFmt = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const esc = (t) =>
  String(t).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const iso = (v) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : new Date(v).toISOString());
function fmt(format, v) {
  if (v === null || v === undefined) return '-';
  switch (format) {
    case 'money':
      return '$' + num(v).toLocaleString('en-US', { maximumFractionDigits: 0 });
    case 'count':
      return num(v).toLocaleString('en-US');
    case 'rank':
      return '#' + num(v);
    case 'rate':
      return (num(v) * 100).toFixed(1) + '%';
    case 'index':
      return num(v).toFixed(2) + 'x';
    case 'minute':
      return iso(v).slice(11, 16);
    case 'hour':
      return iso(v).slice(5, 10) + ' ' + iso(v).slice(11, 13) + 'h';
    case 'day':
      return iso(v).slice(0, 10);
    default:
      return String(v);
  }
}
// Axis ticks: short and never repeated ("$1.5K", not "2k 2k").
function tick(format) {
  return (v) =>
    format === 'money'
      ? '$' + compactFmt.format(v)
      : format === 'rate'
        ? Math.round(v * 100) + '%'
        : compactFmt.format(v);
}
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
const base = {
  backgroundColor: 'transparent',
  textStyle: { color: '#e2e8f0' },
  tooltip: { trigger: 'axis' },
  grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
  legend: { textStyle: { color: '#cbd5e1' }, top: 0 },
};
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
  return best
    ? {
        symbolSize: 54,
        data: [{ name: 'peak', coord: [x(best), num(best[m.column])], value: tick(m.format)(num(best[m.column])) }],
        label: { color: '#0f172a', fontWeight: 700, fontSize: 11 },
        itemStyle: { color: '#f59e0b' },
      }
    : undefined;
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
    el.querySelector('.table-wrap').innerHTML = rows.length
      ? '<table><thead>' + head + '</thead><tbody>' + body + '</tbody></table>'
      : '<div class="empty">none</div>';
  },
  line(p, rows, el) {
    const d = p.dimensions[0];
    const m = p.measures[0];
    chart(el.querySelector('.chart'), p.id, {
      xAxis: Object.assign({ type: 'time' }, axisStyle),
      yAxis: valueAxis(m),
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
      xAxis: Object.assign({ type: 'category', data: rows.map(x) }, axisStyle),
      yAxis: p.measures.map((m, i) => valueAxis(m, i > 0 ? { splitLine: { show: false } } : {})),
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
    const sorted = rows.slice().sort((a, b) => num(b[m.column]) - num(a[m.column]));
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
    const sorted = rows
      .filter((r) => r[m.column] !== null && r[m.column] !== undefined)
      .sort((a, b) => num(a[m.column]) - num(b[m.column]));
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
        nameGap: 8,
        nameTextStyle: { color: '#94a3b8' },
        axisLabel: { show: false },
        axisTick: { show: false },
      }),
      yAxis: valueAxis(m, { max: (v) => Math.max(1, v.max) }),
      series: [
        {
          name: m.label,
          type: 'bar',
          barCategoryGap: '10%',
          data: sorted.map((r) => num(r[m.column])),
          itemStyle: { color: '#14b8a6' },
          markPoint: {
            symbol: 'pin',
            symbolSize: 40,
            label: { fontSize: 10, color: '#0f172a' },
            data: ends.map((e) => ({
              name: e.what,
              coord: [e.i, num(e.r[m.column])],
              value: fmt(m.format, e.r[m.column]),
            })),
          },
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
          radius: ['35%', '62%'],
          minShowLabelAngle: 8,
          label: { color: '#e2e8f0', formatter: '{b}\n{d}%' },
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

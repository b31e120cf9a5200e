// How the dashboard page prints and orders values, by the panel fields' formats
// (warehouse/panels.ts). A classic browser script loaded before page.js; the QuickSight
// definition prints the same (infra/dashboard.ts), which infra/dashboardOrder.test.ts checks by
// running this file.
// Its own scope: the page's script shares the global one and takes what it needs by name.
(() => {
  const num = (v) => (v === null || v === undefined ? 0 : Number(v));
  const compactFmt = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
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
        return iso(v).slice(5, 10) + ' ' + iso(v).slice(11, 16);
      case 'day':
      case 'week':
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
  // A panel's rows in its stated order (panel.sort): numbers by value, times and text as text;
  // a stable sort, so ties keep the query's order.
  function sortRows(panel, rows) {
    if (!panel.sort) return rows.slice();
    const { column, direction } = panel.sort;
    const sign = direction === 'asc' ? 1 : -1;
    const key = (r) => r[column];
    const compare = (a, b) => {
      const [x, y] = [key(a), key(b)];
      if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
      if (y === null || y === undefined) return -1;
      const numeric = typeof x === 'number' || (typeof x === 'string' && x.trim() !== '' && !isNaN(Number(x)));
      const d = numeric ? num(x) - num(y) : iso(x) < iso(y) ? -1 : iso(x) > iso(y) ? 1 : 0;
      return sign * d;
    };
    return rows.slice().sort(compare);
  }

  window.dashboardFormat = { num, iso, fmt, tick, sortRows };
})();

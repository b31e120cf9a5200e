// The one panel definition: valid as shipped, and every kind of mistake is named.
import { PANELS, SHEETS, columnType, panelProblems, type Panel } from './panels';
import { unitsByRegionPanel } from '../test/support/panels';

const good: Panel = unitsByRegionPanel;

it('ships valid panels on every sheet, with measures the warehouse types as numbers', () => {
  expect(panelProblems(PANELS)).toEqual([]);
  for (const sheet of SHEETS)
    expect({ sheet: sheet.id, panels: PANELS.filter((p) => p.sheet === sheet.id).length > 0 }).toEqual({
      sheet: sheet.id,
      panels: true,
    });
  expect(columnType(good, good.measures[0])).toBe('INTEGER');
  expect(columnType(good, good.dimensions[0])).toBe('STRING');
});

it('lists every problem of a bad panel list', () => {
  const bad: Panel[] = [
    good,
    { ...good },
    { ...good, id: 'bad id!', subtitle: 'Units by region, again.' },
    {
      ...good,
      id: 'wrong-columns',
      dimensions: [{ column: 'nope', label: 'Nope', format: 'text' }],
      measures: [{ column: 'region', label: 'Region', format: 'count' }],
    },
    { ...good, id: 'kpi-with-dimension', kind: 'kpi' },
    { ...good, id: 'no-order', sort: undefined },
  ];
  expect(panelProblems(bad)).toEqual([
    'units-by-region: id used twice',
    'bad id!: id must be 1-64 letters, digits or dashes',
    'bad id!: subtitle repeats the title',
    'wrong-columns: v_sales_by_region has no column nope',
    'wrong-columns: measure region is STRING, not a number',
    'wrong-columns: sorts by units, which is not one of its fields',
    'kpi-with-dimension: a kpi panel takes no dimension',
    'kpi-with-dimension: a kpi panel has no order',
    'no-order: a ranking panel states its sort',
  ]);
});

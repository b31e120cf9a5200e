// A panel that is not in the shipped definition: the tests add it to prove that one
// entry reaches both dashboards, and use it as the well-formed base for broken ones.
import type { Panel } from '../../warehouse/panels';

export const unitsByRegionPanel: Panel = {
  id: 'units-by-region',
  sheet: 'stores',
  title: 'Units by region',
  subtitle: 'Most units first.',
  query: 'revenueByRegion',
  kind: 'ranking',
  dimensions: [{ column: 'region', label: 'Region', format: 'text' }],
  measures: [{ column: 'units', label: 'Units', format: 'count' }],
  sort: { column: 'units', direction: 'desc' },
};

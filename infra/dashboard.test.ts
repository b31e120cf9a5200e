// Adding a panel to the one definition adds it to both dashboards, and the rule checker
// catches what the QuickSight API would refuse. The stacks themselves: dashboard.dev/prod.test.ts.
import { PANELS, columnType, type Panel } from '../warehouse/panels';
import { renderDashboardHtml } from '../local/dashboard';
import { dashboardQueries, viewColumns } from '../warehouse/queries';
import { panelQueries, quicksightDefinition } from './dashboard';
import { definitionProblems, type Json } from './dashboardRules';
import { MOCK_ACCOUNT } from '../tools/mockGraph';
import { unitsByRegionPanel } from '../test/support/panels';

describe('adding a panel', () => {
  const extra: Panel = unitsByRegionPanel;

  it('is one entry in the definition, and both dashboards draw it', () => {
    const panels = [...PANELS, extra];
    const arns = Object.fromEntries(
      panelQueries(panels).map((q) => [q, `arn:aws:quicksight:us-east-1:${MOCK_ACCOUNT}:dataset/${q}`]),
    );
    const definition = quicksightDefinition(arns, panels) as Json;
    const stores = definition.sheets.find((s: Json) => s.sheetId === 'stores');
    const visual = stores.visuals.find((v: Json) => v.barChartVisual?.visualId === 'units-by-region').barChartVisual;
    expect(visual.chartConfiguration.orientation).toBe('HORIZONTAL');
    expect(
      visual.chartConfiguration.fieldWells.barChartAggregatedFieldWells.values[0].numericalMeasureField.column,
    ).toEqual({ dataSetIdentifier: 'revenueByRegion', columnName: 'units' });
    const columns = Object.fromEntries(
      Object.entries(arns).map(([q, arn]) => [
        arn,
        Object.entries(viewColumns[dashboardQueries[q as keyof typeof dashboardQueries].view]).map(([name, type]) => ({
          name,
          type,
        })),
      ]),
    );
    expect(definitionProblems(definition, columns)).toEqual([]);
    expect(columnType(extra, extra.measures[0])).toBe('INTEGER');
    expect(
      renderDashboardHtml(null, { status: { title: 't', line: '', live: false }, echarts: { src: '/e.js' }, panels }),
    ).toContain('data-panel="units-by-region" data-kind="ranking"');
  });

  describe('the rule checker catches what the API would refuse', () => {
    const arns = Object.fromEntries(panelQueries().map((q) => [q, `arn:${q}`]));
    const fresh = () => ({
      definition: quicksightDefinition(arns) as Json,
      columns: Object.fromEntries(
        Object.entries(arns).map(([q, arn]) => [
          arn,
          Object.entries(viewColumns[dashboardQueries[q as keyof typeof dashboardQueries].view]).map(
            ([name, type]) => ({ name, type }),
          ),
        ]),
      ) as Record<string, { name: string; type: string }[]>,
    });
    const sheet = (d: Json, id: string) => d.sheets.find((s: Json) => s.sheetId === id);

    it('passes as rendered', () => {
      const { definition, columns } = fresh();
      expect(definitionProblems(definition, columns)).toEqual([]);
    });
    it('an undeclared data set', () => {
      const { definition, columns } = fresh();
      definition.dataSetIdentifierDeclarations = definition.dataSetIdentifierDeclarations.filter(
        (d: Json) => d.identifier !== 'lowStock',
      );
      expect(definitionProblems(definition, columns)).toEqual(
        ['low-stock-name', 'low-stock-store_id', 'low-stock-on_hand', 'low-stock-units_received'].map(
          (f) => `${f}: data set lowStock not declared`,
        ),
      );
    });
    it('a column the data set lacks, and a measure over text', () => {
      const { definition, columns } = fresh();
      columns['arn:peakHours'] = columns['arn:peakHours'].filter((c) => c.name !== 'sale_lines');
      columns['arn:revenueOverall'] = columns['arn:revenueOverall'].map((c) =>
        c.name === 'units' ? { ...c, type: 'STRING' } : c,
      );
      expect(definitionProblems(definition, columns)).toEqual([
        'kpis-units: measure over STRING',
        'peak-hours-sale_lines: no column sale_lines in arn:peakHours',
      ]);
    });
    it('a repeated field id, a bad sheet id, and too many visuals on a sheet', () => {
      const { definition, columns } = fresh();
      const kpis = sheet(definition, 'revenue').visuals;
      kpis[1].kpiVisual.chartConfiguration.fieldWells.values[0].numericalMeasureField.fieldId = 'kpis-revenue';
      sheet(definition, 'trends').sheetId = 'trends and peaks';
      const stores = sheet(definition, 'stores');
      for (let i = 0; i < 29; i++) {
        const copy = JSON.parse(JSON.stringify(stores.visuals[1]).replace(/revenue-by-region/g, `copy${i}`));
        stores.visuals.push(copy);
        stores.layouts[0].configuration.gridLayout.elements.push({
          elementId: `copy${i}`,
          elementType: 'VISUAL',
          columnSpan: 18,
          rowSpan: 10,
        });
      }
      expect(definitionProblems(definition, columns)).toEqual([
        'sheet id trends and peaks',
        'stores: 31 visuals',
        'field id kpis-revenue used twice',
      ]);
    });
  });
});

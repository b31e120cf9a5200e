// One panel definition, two renderings that agree: for every panel, the twin's page and the
// QuickSight definition read the rows in the order the panel states, bucket time the same way,
// and print every value the same. The twin's side is what runs: the query's ORDER BY, the page's
// own formatter and sort (local/dashboard/format.js, run here as the browser runs it), the views'
// date_trunc. QuickSight's side is the definition infra/dashboard.ts renders, read as QuickSight
// reads it: field sorts, date granularity, number and date formats.
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { FORMAT_SCRIPT_PATH } from '../local/dashboard';
import { panelQueries, quicksightDefinition } from '../infra/dashboard';
import type { Json } from '../infra/dashboardRules';
import {
  PANELS,
  TIME_FORMATS,
  type Panel,
  type PanelField,
  type PanelSort,
  type ValueFormat,
} from '../warehouse/panels';
import { dashboardQueries } from '../warehouse/queries';
import { allViews } from '../warehouse/schema';

interface PageFormat {
  fmt(format: ValueFormat, value: unknown): string;
  sortRows(panel: Panel, rows: Record<string, unknown>[]): Record<string, unknown>[];
}
const sandbox = { window: {} as { dashboardFormat?: PageFormat } };
runInNewContext(readFileSync(FORMAT_SCRIPT_PATH, 'utf8'), sandbox);
const page = sandbox.window.dashboardFormat!;

const definition = quicksightDefinition(Object.fromEntries(panelQueries().map((q) => [q, `arn:${q}`]))) as Json;
/** Every object in the definition, depth first. */
function* objects(node: Json): Generator<Json> {
  if (node === null || typeof node !== 'object') return;
  yield node;
  for (const value of Object.values(node)) yield* objects(value);
}
const visualsOf = (panel: Panel): Json[] =>
  definition.sheets
    .flatMap((s: Json) => s.visuals)
    .map((v: Json) => Object.values(v)[0] as Json)
    .filter((v: Json) => v.visualId === panel.id || v.visualId.startsWith(`${panel.id}--`));
const fieldIdOf = (panel: Panel, field: PanelField) => `${panel.id}-${field.column}`;

/** The order QuickSight reads a visual's rows in: its field sort, as a panel sort. */
function quicksightOrder(panel: Panel): PanelSort | undefined {
  const sorts = visualsOf(panel).flatMap((v) => [...objects(v)].filter((o) => o.fieldSort).map((o) => o.fieldSort));
  if (sorts.length === 0) return undefined;
  expect(sorts).toHaveLength(1);
  const field = [...panel.dimensions, ...panel.measures].find((f) => fieldIdOf(panel, f) === sorts[0].fieldId)!;
  return { column: field.column, direction: sorts[0].direction === 'ASC' ? 'asc' : 'desc' };
}

const viewSql = JSON.stringify(allViews);
/**
 * The order of the twin's query: its first ORDER BY key. A rank column ascending reads as its
 * measure descending when the view ranks by that measure, best first (RANK() ... DESC).
 */
function twinQueryOrder(panel: Panel): PanelSort | undefined {
  const orderBy = /ORDER BY (\w+)( DESC)?/.exec(dashboardQueries[panel.query].sql);
  if (!orderBy) return undefined;
  const [, column, desc] = orderBy;
  if (panel.sort && column !== panel.sort.column && panel.sort.direction === 'desc' && !desc) {
    const ranked = new RegExp(
      `RANK\\(\\) OVER \\(ORDER BY [^)]*\\b${panel.sort.column}\\b[^)]*\\)* DESC\\) AS ${column}\\b`,
    );
    if (ranked.test(viewSql)) return { column: panel.sort.column, direction: 'desc' };
  }
  return { column, direction: desc ? 'desc' : 'asc' };
}

/** The bucket the twin's view truncates a time column to (date_trunc), as a QuickSight granularity. */
function viewBucket(column: string): string | undefined {
  const as = new RegExp(`date_trunc\\('(\\w+)', [^)]*\\) AS ${column}\\b`).exec(viewSql);
  const grouped = new RegExp(`"name":"${column}","expr":"date_trunc\\('(\\w+)'`).exec(viewSql);
  return (as ?? grouped)?.[1].toUpperCase();
}

/** QuickSight's printing of a number or a time by a field's format configuration. */
function quicksightPrint(config: Json, value: unknown): string {
  if (config.dateTimeFormat) {
    const d = new Date(value as string);
    const two = (n: number) => String(n).padStart(2, '0');
    const tokens: Record<string, string> = {
      YYYY: String(d.getUTCFullYear()),
      MM: two(d.getUTCMonth() + 1),
      DD: two(d.getUTCDate()),
      HH: two(d.getUTCHours()),
      mm: two(d.getUTCMinutes()),
    };
    return config.dateTimeFormat.replace(/YYYY|MM|DD|HH|mm/g, (t: string) => tokens[t]);
  }
  const [kind, c] = Object.entries(config)[0] as [string, Json];
  const percent = kind === 'percentageDisplayFormatConfiguration';
  const n = Number(value) * (percent ? 100 : 1);
  const [whole, fraction] = n.toFixed(c.decimalPlacesConfiguration.decimalPlaces).split('.');
  const sep = c.separatorConfiguration.thousandsSeparator.visibility === 'VISIBLE' ? ',' : '';
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, sep) + (fraction ? '.' + fraction : '');
  const symbol = c.symbol === 'USD' ? '$' : '';
  return (c.prefix ?? '') + symbol + grouped + (percent ? '%' : '') + (c.suffix ?? '');
}

/** The format QuickSight applies to a field, wherever the field sits in the visual. */
function quicksightFormat(panel: Panel, field: PanelField): Json | undefined {
  const configs = visualsOf(panel)
    .flatMap((v) => [...objects(v)])
    .filter((o) => o.fieldId === fieldIdOf(panel, field) && o.formatConfiguration)
    .map((o) => o.formatConfiguration);
  const unwrap = (f: Json): Json =>
    f.dateTimeFormatConfiguration ??
    f.numberFormatConfiguration?.formatConfiguration ??
    (f.dateTimeFormat ? f : (f.formatConfiguration ?? f));
  return configs.length ? unwrap(configs[0]) : undefined;
}

const SAMPLES: Record<ValueFormat, unknown[]> = {
  text: [],
  money: ['0.00', '52.40', '1234.56', '16370474.49'],
  count: [0, 8005, 1234567],
  rate: ['0.369', '0.4', '0.0566', '1'],
  index: ['0.51', '1.5', '12.0689'],
  rank: [1, 12, 1234],
  minute: ['2026-11-27T07:05:00.000Z'],
  hour: ['2026-11-27T07:00:00.000Z', '2026-12-01T23:00:00.000Z'],
  day: ['2026-11-27T00:00:00.000Z'],
  week: ['2026-11-23T00:00:00.000Z'],
};

describe.each(PANELS.map((p) => [p.id, p] as const))('%s', (_, panel) => {
  it('is read in its stated order by the twin (query and page) and by QuickSight', () => {
    expect(quicksightOrder(panel)).toEqual(panel.sort);
    if (!panel.sort) return;
    expect(twinQueryOrder(panel)).toEqual(panel.sort);
    // The page sorts by the panel too: shuffled rows come out in the stated order.
    const { column, direction } = panel.sort;
    const rows = [3, 1, 2].map((i) => ({ [column]: String(i).padStart(2, '0'), i }));
    const sorted = page.sortRows(panel, rows).map((r) => r.i);
    expect(sorted).toEqual(direction === 'asc' ? [1, 2, 3] : [3, 2, 1]);
  });

  it('buckets time as its view does, and prints every value as the twin does', () => {
    for (const field of [...panel.dimensions, ...panel.measures]) {
      if (TIME_FORMATS.includes(field.format as (typeof TIME_FORMATS)[number])) {
        const date = visualsOf(panel)
          .flatMap((v) => [...objects(v)])
          .find((o) => o.fieldId === fieldIdOf(panel, field) && o.dateGranularity);
        // Tables show the column as it is (unaggregated): no granularity to state.
        if (date)
          expect({ field: field.column, granularity: date.dateGranularity }).toEqual({
            field: field.column,
            granularity: viewBucket(field.column),
          });
      }
      const config = quicksightFormat(panel, field);
      if (field.format === 'text') {
        expect(config).toBeUndefined();
        continue;
      }
      for (const value of SAMPLES[field.format])
        expect({ field: field.column, value, quicksight: quicksightPrint(config, value) }).toEqual({
          field: field.column,
          value,
          quicksight: page.fmt(field.format, value),
        });
    }
  });
});

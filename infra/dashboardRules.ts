// The rules the QuickSight API enforces on a dashboard or analysis definition, as a checker
// the tests run on what the program declares (infra/dashboard*.test.ts).
//
// Rules of the QuickSight API reference (CreateDashboard / CreateAnalysis definitions):
// - SheetDefinition.SheetId and Visual ids: 1-512 characters, pattern [\w\-]+ (API_SheetDefinition,
//   API_BarChartVisual.VisualId and the other visuals);
// - SheetDefinition.Visuals: at most 30 per sheet in the CloudFormation dashboard reference
//   (AWS::QuickSight::Dashboard SheetDefinition, Maximum 30; newer API pages allow 50: we keep the lower);
// - every ColumnIdentifier.DataSetIdentifier must be declared in DataSetIdentifierDeclarations
//   (API_DataSetIdentifierDeclaration), and its column must exist in that data set;
// - FieldId: 1-512 characters (API_NumericalMeasureField, API_CategoricalDimensionField), and unique in
//   the definition: sorts and layouts refer to fields by id;
// - a custom-SQL data set declares its columns, typed STRING | INTEGER | DECIMAL | DATETIME | BIT |
//   BOOLEAN | JSON (API_InputColumn; terraform-provider-aws #33273 and #35052 for the missing-columns error).
import { Problems } from '../kernel/problems';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a definition is untyped JSON here: the checker walks any shape
export type Json = any;

const ID = /^[\w-]{1,512}$/;
const MAX_VISUALS_PER_SHEET = 30;
export const INPUT_COLUMN_TYPES = ['STRING', 'INTEGER', 'DECIMAL', 'DATETIME', 'BIT', 'BOOLEAN', 'JSON'];

/** Every object under `node` that has `key`, wherever it sits. */
function collect(node: Json, key: string, out: Json[] = []): Json[] {
  if (Array.isArray(node)) node.forEach((n) => collect(n, key, out));
  else if (node && typeof node === 'object') {
    if (key in node) out.push(node);
    Object.values(node).forEach((n) => collect(n, key, out));
  }
  return out;
}

/** What a field well asks of its column: a number for measures, anything for dimensions and tables. */
function fieldRole(field: Json): 'measure' | 'date' | 'any' {
  return 'aggregationFunction' in field ? 'measure' : 'dateGranularity' in field ? 'date' : 'any';
}

/** Every problem the API would report for a definition over data sets with these columns. */
export function definitionProblems(
  definition: Json,
  dataSetColumns: Record<string, { name: string; type: string }[]>,
): string[] {
  const problems = new Problems();
  const declared = new Map<string, string>(
    definition.dataSetIdentifierDeclarations.map((d: Json) => [d.identifier, d.dataSetArn]),
  );
  for (const sheet of definition.sheets) {
    if (!ID.test(sheet.sheetId)) problems.add(`sheet id ${sheet.sheetId}`);
    if (sheet.visuals.length > MAX_VISUALS_PER_SHEET) problems.add(`${sheet.sheetId}: ${sheet.visuals.length} visuals`);
    const layoutIds = sheet.layouts[0].configuration.gridLayout.elements.map((e: Json) => e.elementId).sort();
    const visualIds = sheet.visuals.map((v: Json) => (Object.values(v)[0] as Json).visualId).sort();
    if (JSON.stringify(layoutIds) !== JSON.stringify(visualIds))
      problems.add(`${sheet.sheetId}: layout elements are not its visuals`);
    for (const id of visualIds) if (!ID.test(id)) problems.add(`visual id ${id}`);
  }
  const fields = collect(definition.sheets, 'fieldId').filter((f) => 'column' in f);
  const ids = fields.map((f) => f.fieldId);
  for (const id of new Set(ids.filter((x, i) => ids.indexOf(x) !== i))) problems.add(`field id ${id} used twice`);
  for (const f of fields) {
    if (f.fieldId.length > 512) problems.add(`field id ${f.fieldId} too long`);
    const arn = declared.get(f.column.dataSetIdentifier);
    if (!arn) {
      problems.add(`${f.fieldId}: data set ${f.column.dataSetIdentifier} not declared`);
      continue;
    }
    const column = dataSetColumns[arn]?.find((c) => c.name === f.column.columnName);
    if (!column) problems.add(`${f.fieldId}: no column ${f.column.columnName} in ${arn}`);
    else if (fieldRole(f) === 'measure' && !['INTEGER', 'DECIMAL'].includes(column.type))
      problems.add(`${f.fieldId}: measure over ${column.type}`);
    else if (fieldRole(f) === 'date' && column.type !== 'DATETIME')
      problems.add(`${f.fieldId}: date field over ${column.type}`);
  }
  return [...problems.all];
}

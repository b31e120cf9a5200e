// The database access matrix as Markdown, for docs/INFRA.md (`npm run docs:access` writes it; a
// test asserts the block is exactly what the evaluated cells render).
import { identities, identityTitles, verbs, type Cell, type DbObject } from '../warehouse/databaseAccess';

export const DB_MATRIX_BEGIN =
  '<!-- database-matrix:begin (generated from warehouse/databaseAccess.ts by `npm run docs:access`; do not edit) -->';
export const DB_MATRIX_END = '<!-- database-matrix:end -->';

const evaluatedBy = (o: DbObject) =>
  o.where === 'both' ? 'twin + Redshift text' : o.where === 'twin' ? 'twin' : 'Redshift text only';

function mark(cell: Cell | undefined): string {
  if (!cell) return '';
  const systemView = cell.object.kind === 'system view';
  const shown = systemView
    ? cell.expected === 'allow'
      ? 'all rows'
      : 'own rows'
    : cell.expected === 'allow'
      ? 'yes'
      : 'no';
  // A cell that disagrees with the design shows every verdict (the tests fail on it).
  return cell.ok ? shown : `**${shown}? twin ${cell.twin ?? '-'}, Redshift text ${cell.rendered}**`;
}

export function renderDatabaseMatrix(cells: readonly Cell[]): string {
  const out: string[] = [];
  for (const identity of identities) {
    const mine = cells.filter((c) => c.identity === identity);
    out.push(`#### ${identityTitles[identity]}`, '');
    out.push(`| Object | Kind | ${verbs.join(' | ')} | Evaluated in |`);
    out.push(`| --- | --- | ${verbs.map(() => '---').join(' | ')} | --- |`);
    for (const object of [...new Map(mine.map((c) => [c.object.name, c.object])).values()]) {
      const row = verbs.map((v) => mark(mine.find((c) => c.object.name === object.name && c.verb === v)));
      const kind = object.note ? `${object.kind} (${object.note})` : object.kind;
      out.push(`| \`${object.name}\` | ${kind} | ${row.join(' | ')} | ${evaluatedBy(object)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

export function withDatabaseMatrixSection(doc: string, rendered: string): string {
  const begin = doc.indexOf(DB_MATRIX_BEGIN);
  const end = doc.indexOf(DB_MATRIX_END);
  if (begin < 0 || end < begin) throw new Error(`the document has no ${DB_MATRIX_BEGIN} ... ${DB_MATRIX_END} block`);
  return `${doc.slice(0, begin + DB_MATRIX_BEGIN.length)}\n\n${rendered.trim()}\n\n${doc.slice(end)}`;
}

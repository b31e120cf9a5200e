// The dashboard screenshots in docs/, so a reader sees the page before running anything:
// `npm run docs:screenshots` runs the twin's default morning into a temporary data directory,
// writes the page and photographs it in headless Chromium at each width. Beside the pictures,
// docs/dashboard-screenshots.json records a hash of what drew them (the panel definitions, the
// page code, ECharts' version and these settings): test/dashboardScreenshots.test.ts recomputes
// it, so a change to the page without new pictures fails, whatever the pixels.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runScript } from '../../tools/runScript';

const ROOT = join(__dirname, '..', '..');
export const SHOT_WIDTHS = [1400, 420] as const;
export const shotPath = (width: number) => join(ROOT, 'docs', `dashboard-${width}.png`);
export const SHOT_RECORD = join(ROOT, 'docs', 'dashboard-screenshots.json');
/** What the pictures show: `npm start`'s morning (24 windows on the demand curve, seed 1), from the source modules. */
export const SHOT_SETTINGS = { runs: 24, seed: 1 } as const;
/** The files that decide what the page draws (this script's settings are recorded and compared as such). */
export const SHOT_INPUTS = [
  'warehouse/panels.ts',
  'warehouse/queries.ts',
  'local/dashboard.ts',
  'local/dashboard/page.js',
  'local/dashboard/format.js',
];

export interface ShotRecord {
  command: string;
  settings: typeof SHOT_SETTINGS;
  widths: readonly number[];
  /** sha256 of each input file, and of ECharts' version. */
  inputs: Record<string, string>;
  machine: string;
  /** The run behind the pictures, as docs/TWIN.md quotes it (test/docFigures.test.ts). */
  run: RunFigures;
}

export interface RunFigures {
  saleLines: number;
  inventoryUpdates: number;
  seconds: { total: number; setup: number; pipeline: number; books: number };
  dataAge: { p50: number; p95: number };
  /** The machine's 1-minute load average when the run started: a shared machine is slower. */
  loadAverage: number;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The inputs' hashes as they are in the working tree now. */
export function currentShotInputs(): Record<string, string> {
  const echarts = (JSON.parse(readFileSync(require.resolve('echarts/package.json'), 'utf8')) as { version: string })
    .version;
  return {
    // Line endings normalised: a Windows checkout draws the same page.
    ...Object.fromEntries(
      SHOT_INPUTS.map((f) => [f, sha256(readFileSync(join(ROOT, f), 'utf8').replace(/\r\n/g, '\n'))]),
    ),
    echarts: sha256(echarts),
  };
}

export const TWIN_DOC = join(ROOT, 'docs', 'TWIN.md');
const RUN_MARKERS = ['<!-- run:default-morning -->', '<!-- /run:default-morning -->'] as const;

/** docs/TWIN.md's figures of a default morning, from the recorded run: its command, settings and machine named. */
export function renderRunBlock(record: ShotRecord): string {
  const { run } = record;
  const k = (x: number) => `${Math.round(x / 1000)}k`;
  return [
    `About ${k(run.saleLines)} sale lines and ${k(run.inventoryUpdates)} inventory updates (one per sale line, plus restocks).`,
    `The run recorded by \`${record.command}\` (the same morning, seed ${record.settings.seed}, from the source modules, into an`,
    `empty warehouse; on ${record.machine}, at a load average of ${run.loadAverage} when it started) took`,
    `${run.seconds.total} s: ${run.seconds.setup} s of setup (the emulator, PGlite, the migrations), ${run.seconds.pipeline} s of pipeline (first send`,
    `to views refreshed) and ${run.seconds.books} s of books; it printed a data age of p50 ${run.dataAge.p50} s, p95 ${run.dataAge.p95} s. A shared`,
    'machine is slower: the time scales with the other work on it. The figures are in',
    `\`docs/dashboard-screenshots.json\`, which \`test/dashboardScreenshots.test.ts\` compares with this paragraph.`,
  ].join('\n');
}

/** Where the paragraph sits: between its markers. */
function runBlockBounds(doc: string): [number, number] {
  const [start, end] = [doc.indexOf(RUN_MARKERS[0]), doc.indexOf(RUN_MARKERS[1])];
  if (start < 0 || end < start) throw new Error(`docs/TWIN.md has no ${RUN_MARKERS.join(' ... ')} block`);
  return [start + RUN_MARKERS[0].length, end];
}

/** The paragraph between the markers now. */
export function runBlockOf(doc: string): string {
  const [start, end] = runBlockBounds(doc);
  return doc.slice(start, end).replace(/^\n/, '').replace(/\n$/, '');
}

/** The document with the paragraph rendered from `record`. */
export function withRunBlock(doc: string, record: ShotRecord): string {
  const [start, end] = runBlockBounds(doc);
  return `${doc.slice(0, start)}\n${renderRunBlock(record)}\n${doc.slice(end)}`;
}

async function main(): Promise<void> {
  // Loaded here: the record test reads the constants above without starting a twin or a browser.
  const { runTwin } = await import('../../local/twin');
  const { writeDashboard } = await import('../../local/dashboard');
  const { launchChromium } = await import('./browser');
  const { labelProblems, tableProblems } = await import('./dashboardLayout');
  const work = mkdtempSync(join(tmpdir(), 'dashboard-shots-'));
  const { browser } = await launchChromium();
  let run: RunFigures;
  try {
    const loadAverage = loadavg()[0];
    const report = await runTwin({ ...SHOT_SETTINGS, dataDir: join(work, 'pgdata'), fresh: true });
    const t = report.timings;
    const s = (ms: number) => Math.round(ms / 100) / 10;
    run = {
      saleLines: report.events.sales,
      inventoryUpdates: report.events.inventory,
      seconds: { total: s(t.totalMs), setup: s(t.setupMs), pipeline: s(t.pipelineMs), books: s(t.booksMs) },
      dataAge: { p50: s(report.freshness.p50Ms), p95: s(report.freshness.p95Ms) },
      loadAverage: Math.round(loadAverage * 10) / 10,
    };
    const line = `${report.totalEvents.toLocaleString('en-US')} events over ${SHOT_SETTINGS.runs} windows; books ${report.books?.balanced ? 'balanced' : 'NOT balanced'}`;
    const file = writeDashboard(join(work, 'dashboard.html'), report.dashboard!, {
      title: 'Black Friday twin',
      line,
      live: false,
    });
    for (const width of SHOT_WIDTHS) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.goto('file://' + file);
      await page.waitForSelector('body[data-ready="true"]');
      // A picture of an illegible page would only hide the defect.
      const problems = [...(await labelProblems(page)), ...(await tableProblems(page))];
      if (problems.length > 0) throw new Error(`the page at ${width} px is not legible:\n  ${problems.join('\n  ')}`);
      await page.screenshot({ path: shotPath(width), fullPage: true });
      await page.close();
      console.log(`wrote ${relative(ROOT, shotPath(width))}`);
    }
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
  }
  const record: ShotRecord = {
    command: 'npm run docs:screenshots',
    settings: SHOT_SETTINGS,
    widths: SHOT_WIDTHS,
    inputs: currentShotInputs(),
    machine: `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${process.platform} ${process.arch}, Node ${process.version}`,
    run,
  };
  writeFileSync(SHOT_RECORD, JSON.stringify(record, null, 2) + '\n');
  const doc = readFileSync(TWIN_DOC, 'utf8');
  writeFileSync(TWIN_DOC, withRunBlock(doc, record));
  console.log(`wrote ${relative(ROOT, SHOT_RECORD)} and the run's figures in ${relative(ROOT, TWIN_DOC)}`);
}

if (require.main === module) runScript(main);

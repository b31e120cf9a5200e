// What running the shipped archives costs the twin: its start-up time and its
// end-to-end rate with the dev stack's Lambda archives (`npm start`'s default) against
// the source modules (`--source`), on the same workload in the same run, alternating
// so that other work on the machine weighs on both; and the archive build, uncached
// and cached.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { twinArchives } from '../local/archives';
import { runTwin, type TwinReport } from '../local/twin';
import { median } from './generator';
import type { BenchEntries, SectionOptions } from './sections';

export async function runArchiveBench(options: SectionOptions): Promise<BenchEntries> {
  const scratch = mkdtempSync(join(tmpdir(), 'bench-archives-'));
  try {
    // The build: into a fresh cache (what a first `npm start` pays), then found again.
    const root = join(scratch, 'archives');
    const built = await twinArchives({ root });
    const cached = await twinArchives({ root });
    if (built.cached || !cached.cached)
      throw new Error('the archive cache did not behave: expected one build, then a hit');

    // A morning at the dev stack's scale, small enough for a shared machine: 4 windows of 15 minutes.
    const size = options.quick ? { runs: 1, eventsPerRun: 500 } : { runs: 4, peakLinesPerMinute: 1000 };
    const pairs = options.quick ? 1 : 2;
    const reports: Record<'archives' | 'source', TwinReport[]> = { archives: [], source: [] };
    for (let i = 0; i < pairs; i++) {
      for (const functions of ['archives', 'source'] as const) {
        const report = await runTwin({
          ...size,
          seed: 11,
          functions,
          dataDir: join(scratch, `${functions}-${i}`),
          fresh: true,
          skipBooks: true,
        });
        reports[functions].push(report);
      }
    }
    const startup = (f: 'archives' | 'source') => median(reports[f].map((r) => r.timings.setupMs));
    const rate = (f: 'archives' | 'source') => median(reports[f].map((r) => r.eventsPerSecond));
    const events = reports.archives[0].totalEvents;
    const runs = `median of ${pairs} run(s) each, alternating, ${events.toLocaleString('en-US')} events per run (${size.runs} window(s)), the archives found in the cache`;
    return {
      'twin_archives.startup_ms': {
        value: Math.round(startup('archives')),
        unit: 'ms',
        baseline: Math.round(startup('source')),
        ratio: Math.round((startup('source') / startup('archives')) * 100) / 100,
        note: `the twin's setup (emulator, queues, warehouse, function workers) running the shipped archives vs the source modules; ${runs}; ratio = source / archives. Target >= 0.9.`,
      },
      'twin_archives.events_per_s': {
        value: Math.round(rate('archives')),
        unit: 'events/s',
        baseline: Math.round(rate('source')),
        ratio: Math.round((rate('archives') / rate('source')) * 100) / 100,
        note: `twin.events_per_s's span (first producer call to views refreshed) with the shipped archives vs the source modules; ${runs}; ratio = archives / source. Target >= 0.9.`,
      },
      'twin_archives.build_ms': {
        value: Math.round(cached.ms),
        unit: 'ms',
        baseline: Math.round(built.ms),
        ratio: Math.round(built.ms / Math.max(1, cached.ms)),
        note: 'finding the cached archives (a hash of their inputs) vs building them from the dev program in a child process (a first npm start, or one after an edit to their inputs); ratio = build / cached.',
      },
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

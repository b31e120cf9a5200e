import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docsDirFor, loadRefusal, MAX_LOAD_PER_CORE, refusalToRecord, uncommittedChanges } from './run';

describe('recording only from a clean commit', () => {
  let repo: string;
  const git = (...args: string[]) => {
    const r = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  const write = (file: string, text: string) => {
    mkdirSync(join(repo, file, '..'), { recursive: true });
    writeFileSync(join(repo, file), text);
  };

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'bench-clean-'));
    git('init', '-q');
    for (const file of ['kernel/generator.ts', 'bench/results.json', 'docs/BENCHMARKS.md', 'README.md', 'notes.ts'])
      write(file, 'v1\n');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'v1');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it("lists tracked sources changed since the commit, staged or not, but not the bench's own outputs", () => {
    expect(uncommittedChanges(repo)).toEqual([]);
    write('bench/results.json', 'v2\n');
    write('docs/BENCHMARKS.md', 'v2\n');
    write('README.md', 'v2\n');
    write('untracked.ts', 'new\n');
    expect(uncommittedChanges(repo)).toEqual([]);
    write('kernel/generator.ts', 'v2\n');
    write('notes.ts', 'v2\n');
    git('add', 'notes.ts');
    expect(uncommittedChanges(repo)?.sort()).toEqual(['kernel/generator.ts', 'notes.ts']);
    expect(uncommittedChanges(tmpdir())).toBeUndefined();
  });

  it('refuses to record into bench/results.json from a dirty tree, unless told or recording elsewhere', () => {
    expect(refusalToRecord(true, false, ['kernel/generator.ts'])).toBe(
      'bench: not recording into bench/results.json: 1 tracked file(s) have uncommitted changes (kernel/generator.ts). ' +
        'Commit them first, so the figures name the commit they measured; or run with --out <dir> to record elsewhere, ' +
        'or --allow-dirty for a local experiment (docs/BENCHMARKS.md then marks the run "+ uncommitted changes").',
    );
    expect(
      refusalToRecord(
        true,
        false,
        Array.from({ length: 12 }, (_, i) => `f${i}.ts`),
      ),
    ).toContain('(f0.ts, f1.ts, f2.ts, f3.ts, f4.ts, f5.ts, f6.ts, f7.ts, f8.ts, f9.ts, and 2 more)');
    expect(refusalToRecord(true, false, [])).toBeUndefined();
    expect(refusalToRecord(true, true, ['kernel/generator.ts'])).toBeUndefined();
    expect(refusalToRecord(false, false, ['kernel/generator.ts'])).toBeUndefined();
  });
});

describe('recording only on a quiet machine', () => {
  it('refuses to record into bench/results.json above the stated load per core, unless told or recording elsewhere', () => {
    expect(MAX_LOAD_PER_CORE).toBe(0.25);
    expect(loadRefusal(true, false, 3.4, 2)).toBe(
      'bench: not recording into bench/results.json: the 1-minute load average is 3.40, above 0.50 (0.25 per core on 2 cores); ' +
        'wait until nothing else runs, or run with --out <dir> to record elsewhere, or --allow-load to record anyway.',
    );
    expect(loadRefusal(true, false, 0.5, 2)).toBeUndefined();
    expect(loadRefusal(true, false, 0.9, 4)).toBeUndefined();
    expect(loadRefusal(true, true, 3.4, 2)).toBeUndefined();
    expect(loadRefusal(false, false, 3.4, 2)).toBeUndefined();
  });
});

describe('where a run writes its docs', () => {
  const repoDocs = join(__dirname, '..', 'docs');

  it("rewrites the repo's docs only when it records into bench/results.json", () => {
    expect(docsDirFor(true, __dirname)).toBe(repoDocs);
    // --out <dir> and --quick: the docs go beside the results, never over the repo's.
    expect(docsDirFor(false, '/tmp/bench-out')).toBe('/tmp/bench-out');
    // --docs <dir> wins either way.
    expect(docsDirFor(false, '/tmp/bench-out', '/tmp/docs')).toBe('/tmp/docs');
    expect(docsDirFor(true, __dirname, '/tmp/docs')).toBe('/tmp/docs');
  });
});

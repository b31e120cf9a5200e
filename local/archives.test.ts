// The archive cache (local/archives.ts): a build is keyed by every input of its stack, and two
// processes that build the same inputs at once (two jest workers, two twins) keep the first
// build in place, so neither removes files the other is already running.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../tools/shippedArchives';
import { archiveInputsHash, publishBuild } from './archives';

const root = mkdtempSync(join(tmpdir(), 'archive-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A finished build directory: an archive file and the manifest that marks it complete. */
function finishedBuild(dir: string, label: string): void {
  mkdirSync(join(dir, 'producer'), { recursive: true });
  writeFileSync(join(dir, 'producer', 'index.js'), `// ${label}`);
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ label }));
}

describe('publishBuild', () => {
  it('moves a finished build into its place', () => {
    const dir = join(root, 'dev-first');
    finishedBuild(`${dir}.building-1`, 'one');
    publishBuild(`${dir}.building-1`, dir);
    expect(readFileSync(join(dir, 'producer', 'index.js'), 'utf8')).toBe('// one');
    expect(existsSync(`${dir}.building-1`)).toBe(false);
  });

  it('keeps the build another process published first, and drops its own', () => {
    const dir = join(root, 'dev-race');
    finishedBuild(`${dir}.building-1`, 'one');
    finishedBuild(`${dir}.building-2`, 'two');
    publishBuild(`${dir}.building-1`, dir);
    // The first process runs its archive from here while the second one finishes.
    const running = join(dir, 'producer', 'index.js');
    publishBuild(`${dir}.building-2`, dir);
    expect(readFileSync(running, 'utf8')).toBe('// one');
    expect(existsSync(`${dir}.building-2`)).toBe(false);
  });

  it('replaces a directory that has no manifest: an incomplete build is none', () => {
    const dir = join(root, 'dev-incomplete');
    mkdirSync(join(dir, 'producer'), { recursive: true });
    finishedBuild(`${dir}.building-1`, 'one');
    publishBuild(`${dir}.building-1`, dir);
    expect(JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'))).toEqual({ label: 'one' });
  });
});

describe('archiveInputsHash', () => {
  const project = join(root, 'project');
  beforeAll(() => {
    for (const dir of ['infra', 'kernel', 'functions', 'warehouse', 'tools'])
      mkdirSync(join(project, dir), { recursive: true });
    for (const file of [
      'index.ts',
      'package.json',
      'package-lock.json',
      'Pulumi.yaml',
      'Pulumi.dev.yaml',
      'Pulumi.prod.yaml',
    ])
      writeFileSync(join(project, file), file);
    writeFileSync(join(project, 'tools', 'archiveBuild.ts'), 'v1');
    writeFileSync(join(project, 'tools', 'archiveBuild.test.ts'), 'v1');
  });

  it("changes with the tools that write the archives and with the stack's own file, not with tests or the other stack", () => {
    const before = { dev: archiveInputsHash(project, 'dev'), prod: archiveInputsHash(project, 'prod') };
    expect(before.dev).not.toBe(before.prod);
    writeFileSync(join(project, 'tools', 'archiveBuild.test.ts'), 'v2');
    expect(archiveInputsHash(project, 'dev')).toBe(before.dev);
    writeFileSync(join(project, 'Pulumi.prod.yaml'), 'changed');
    expect(archiveInputsHash(project, 'dev')).toBe(before.dev);
    expect(archiveInputsHash(project, 'prod')).not.toBe(before.prod);
    const copy = join(root, 'project-copy');
    cpSync(project, copy, { recursive: true });
    writeFileSync(join(copy, 'tools', 'archiveBuild.ts'), 'v2');
    expect(archiveInputsHash(copy, 'dev')).not.toBe(archiveInputsHash(project, 'dev'));
  });
});

import { readFileSync } from 'node:fs';
import { blockOf, README_BLOCKS, README_PATH, withBenchFigures } from './readmeFigures';
import { readResults } from './results';

const readme = readFileSync(README_PATH, 'utf8');
const results = readResults();

describe("the README's bench figures", () => {
  it.each(Object.keys(README_BLOCKS))('%s: are what bench/results.json renders (npm run bench writes them)', (name) => {
    expect(blockOf(readme, name)).toBe(README_BLOCKS[name](results));
  });

  it('follow results.json: a changed figure changes the README, and nothing outside the blocks moves', () => {
    const faster = { ...results, 'generator.events_per_s': { ...results['generator.events_per_s'], value: 9_870_000 } };
    const rendered = withBenchFigures(readme, faster);
    expect(blockOf(rendered, 'headline')).toContain('| generator | 9.87 M events per CPU-second,');
    const outside = (text: string) =>
      Object.keys(README_BLOCKS).reduce((t, name) => t.replace(blockOf(t, name), ''), text);
    expect(outside(rendered)).toBe(outside(readme));
    expect(withBenchFigures(rendered, results)).toBe(readme);
  });

  it('need their markers', () => {
    expect(() => withBenchFigures(readme.replace('<!-- /bench:headline -->', ''), results)).toThrow(
      'README.md has no <!-- bench:headline --> ... <!-- /bench:headline --> block',
    );
  });
});

import { readFileSync } from 'node:fs';
import { producerSettingsBlockOf, README_PATH, renderProducerSettingsBlock } from './producerSettingsDoc';

test("README.md shows the producer's settings as kernel/producerSettings.ts has them (npm run docs:producer-settings rewrites it)", () => {
  expect(producerSettingsBlockOf(readFileSync(README_PATH, 'utf8'))).toBe(renderProducerSettingsBlock());
});

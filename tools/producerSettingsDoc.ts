// `npm run docs:producer-settings`: writes the producer's environment table (kernel/producerSettings.ts)
// into README.md between its markers; tools/producerSettingsDoc.test.ts fails when they differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { streamNames } from '../kernel/contracts';
import { describeBounds, PRODUCER_SETTINGS, producerSettingNames } from '../kernel/producerSettings';
import { runScript } from './runScript';

const START =
  '<!-- producer-settings:begin (generated from kernel/producerSettings.ts by `npm run docs:producer-settings`; do not edit) -->';
const END = '<!-- producer-settings:end -->';
export const README_PATH = join(__dirname, '..', 'README.md');

const cell = (text: string) => text.split('|').join('\\|');

/** The table between the markers: the queues, then every setting with its stack key, default and bounds. */
export function renderProducerSettingsBlock(): string {
  const rows = producerSettingNames.map((name) => {
    const s = PRODUCER_SETTINGS[name];
    const key = `\`bfstream:${s.configKey}\`${s.derived ? ' (its period)' : ''}`;
    return `| \`${s.env}\` | ${key} | \`${String(s.defaultValue)}\` | ${cell(describeBounds(s.bounds))} | ${cell(s.doc)} |`;
  });
  // The handler reads `<STREAM>_QUEUE_URL` per stream (functions/producer.ts).
  const queues = streamNames.map((stream) => `\`${stream.toUpperCase()}_QUEUE_URL\``).join(', ');
  return [
    START,
    '| env var | stack key | default | accepts | meaning |',
    '| --- | --- | --- | --- | --- |',
    `| ${queues} | (the stack's queues) | required | a queue URL | The queue of each stream. |`,
    ...rows,
    END,
  ].join('\n');
}

/** The block as it stands in a document, or undefined. */
export function producerSettingsBlockOf(doc: string): string | undefined {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  return start >= 0 && end > start ? doc.slice(start, end + END.length) : undefined;
}

async function main(): Promise<void> {
  const doc = readFileSync(README_PATH, 'utf8');
  const block = producerSettingsBlockOf(doc);
  if (!block) throw new Error('README.md has no producer-settings markers');
  writeFileSync(README_PATH, doc.replace(block, renderProducerSettingsBlock()));
  console.log("README.md: the producer's settings written");
}

if (require.main === module) runScript(main);

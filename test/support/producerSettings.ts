// Values to try each producer setting with (kernel/producerSettings.ts), shared by the suites of its
// readers, and the environment the twin gives its shipped producer, to compare with the Lambda's.
import type { ProducerSettings } from '../../functions/producer';
import {
  PRODUCER_SETTINGS,
  producerSettingNames,
  type ProducerSettingName,
  type ProducerSettingValues,
} from '../../kernel/producerSettings';
import { producerEnvironment } from '../../local/producerPool';

/** Both ends of a setting's bounds, or every choice ('fill' too). */
export function inBounds(name: ProducerSettingName): unknown[] {
  const { bounds } = PRODUCER_SETTINGS[name];
  if (bounds.kind === 'choice') return [...bounds.choices];
  return [bounds.min, bounds.max, ...(bounds.kind === 'fillOrWhole' ? ['fill'] : [])];
}

/** Values just outside a setting's bounds. */
export function outside(name: ProducerSettingName): unknown[] {
  const { bounds } = PRODUCER_SETTINGS[name];
  if (bounds.kind === 'choice') return ['zstd'];
  if (bounds.kind === 'share') return [bounds.min - 0.01, bounds.max + 0.01];
  return [bounds.min - 1, bounds.max + 1];
}

/** One value per setting, within its bounds and unlike the defaults (the low end, or the other choice). */
export function otherValues(): ProducerSettingValues {
  const values: Record<string, unknown> = {};
  for (const name of producerSettingNames) {
    const { bounds, defaultValue: fallback } = PRODUCER_SETTINGS[name];
    values[name] = bounds.kind === 'choice' ? bounds.choices.find((c) => c !== fallback) : bounds.min;
  }
  return values as ProducerSettingValues;
}

/** The environment the twin gives its shipped producer for these settings (local/producerPool.ts). */
export function twinProducerEnvironment(settings: ProducerSettings): Record<string, string> {
  return producerEnvironment({
    endpoint: 'http://127.0.0.1:1',
    region: 'us-east-1',
    catalog: { products: [], stores: [] },
    settings,
    queueStreams: [],
    keepSent: false,
  });
}

// Every producer setting reaches every reader: the config schema, the handler's environment, the
// twin's flags, options and archive environment. A setting added to kernel/producerSettings.ts that
// one of them does not take, or takes with other bounds, fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { producerSettingsFromEnv } from '../functions/producer';
import { ConfigError, configFields, parseStackConfig, producerSettingsOf } from '../infra/config';
import { CliUsageError, parseCli, PRODUCER_FLAGS } from '../local/cli';
import { producerEnvironment } from '../local/producerPool';
import { resolveTwinSettings, TWIN_PRODUCER_DEFAULTS } from '../local/twin';
import {
  PRODUCER_SETTINGS,
  producerDefaults,
  producerSettingNames,
  producerSettingsEnvironment,
  withinBounds,
  type ProducerSettingName,
  type ProducerSettingValues,
  type SettingBounds,
} from './producerSettings';

/** A value within the bounds that is not the stacks' default (nor the twin's). */
function otherValue(name: ProducerSettingName): unknown {
  const { bounds, default: fallback } = PRODUCER_SETTINGS[name];
  if (bounds.kind === 'choice') return bounds.choices.find((c) => c !== fallback);
  return bounds.max === fallback || bounds.max === TWIN_PRODUCER_DEFAULTS[name] ? bounds.min : bounds.max;
}

/** Values just outside the bounds. */
function outside(bounds: SettingBounds): unknown[] {
  if (bounds.kind === 'choice') return ['zstd'];
  if (bounds.kind === 'share') return [bounds.min - 0.01, bounds.max + 0.01];
  return [bounds.min - 1, bounds.max + 1];
}

const others = (): ProducerSettingValues => {
  const values: Record<string, unknown> = {};
  for (const name of producerSettingNames) values[name] = otherValue(name);
  return values as ProducerSettingValues;
};

const queues = { SALES_QUEUE_URL: 'https://sqs/sales', INVENTORY_QUEUE_URL: 'https://sqs/inventory' };

describe('the home of the producer settings', () => {
  it('gives each setting its own variable and key, a doc line, and a default within its bounds', () => {
    const envs = producerSettingNames.map((n) => PRODUCER_SETTINGS[n].env);
    const keys = producerSettingNames.map((n) => PRODUCER_SETTINGS[n].configKey);
    expect(new Set(envs).size).toBe(envs.length);
    expect(new Set(keys).size).toBe(keys.length);
    for (const name of producerSettingNames) {
      const s = PRODUCER_SETTINGS[name];
      expect(s.doc.length).toBeGreaterThan(10);
      expect([name, withinBounds(s.bounds, s.default)]).toEqual([name, true]);
      expect([name, withinBounds(s.bounds, otherValue(name))]).toEqual([name, true]);
      expect([name, withinBounds(s.bounds, TWIN_PRODUCER_DEFAULTS[name])]).toEqual([name, true]);
    }
  });

  it('sets the peak at 1 sale line a minute at least, wherever it is given', () => {
    expect(PRODUCER_SETTINGS.peakLinesPerMinute.bounds).toMatchObject({ min: 1 });
    expect(() => producerSettingsFromEnv({ ...queues, PEAK_LINES_PER_MINUTE: '0' })).toThrow(
      'PEAK_LINES_PER_MINUTE must be a whole number 1..1000000, got "0"',
    );
    expect(() => parseStackConfig({ 'bfstream:alarmEmail': '', 'bfstream:peakLinesPerMinute': '0' })).toThrow(
      ConfigError,
    );
    expect(() => parseCli(['--peak', '0'], {}, false)).toThrow(CliUsageError);
    expect(() => resolveTwinSettings({ peakLinesPerMinute: 0 })).toThrow('peakLinesPerMinute must be');
  });
});

describe('the handler reads every setting from its variable', () => {
  it('reads back what the environment of a deploy holds, and takes the default when a variable is unset', () => {
    const values = others();
    expect(producerSettingsFromEnv({ ...queues, ...producerSettingsEnvironment(values) })).toEqual({
      queueUrls: { sales: queues.SALES_QUEUE_URL, inventory: queues.INVENTORY_QUEUE_URL },
      ...values,
    });
    const { queueUrls: _, ...defaults } = producerSettingsFromEnv(queues);
    expect(defaults).toEqual(producerDefaults());
  });

  it.each(producerSettingNames)('refuses %s outside its bounds, naming its variable', (name) => {
    const { env, bounds } = PRODUCER_SETTINGS[name];
    for (const value of outside(bounds))
      expect(() => producerSettingsFromEnv({ ...queues, [env]: String(value) })).toThrow(`${env} must be`);
  });
});

describe('the stack config has a key for every setting', () => {
  const config = (key: string, value: unknown) =>
    parseStackConfig({ 'bfstream:alarmEmail': '', [`bfstream:${key}`]: String(value) }, { capacityCosts: null });
  /** A derived setting's key holds what it derives from: the window is the schedule's period. */
  const keyValue = (name: ProducerSettingName, value: unknown) =>
    PRODUCER_SETTINGS[name].derived ? `rate(${value} minutes)` : value;

  it.each(producerSettingNames)('%s: its key, default and doc, and its value reaches the producer', (name) => {
    const { configKey, derived, doc } = PRODUCER_SETTINGS[name];
    expect(configKey in configFields).toBe(true);
    if (!derived) {
      const field = configFields[configKey as keyof typeof configFields];
      expect(field.default).toEqual(PRODUCER_SETTINGS[name].default);
      expect(field.doc).toBe(doc);
    }
    expect(producerSettingsOf(parseStackConfig({ 'bfstream:alarmEmail': '' }, { capacityCosts: null }))[name]).toEqual(
      PRODUCER_SETTINGS[name].default,
    );
    expect(producerSettingsOf(config(configKey, keyValue(name, otherValue(name))))[name]).toEqual(otherValue(name));
  });

  it.each(producerSettingNames)('%s: refused outside its bounds, naming its key', (name) => {
    const { configKey, bounds } = PRODUCER_SETTINGS[name];
    for (const value of outside(bounds)) {
      expect(() => config(configKey, keyValue(name, value))).toThrow(ConfigError);
      expect(() => config(configKey, keyValue(name, value))).toThrow(`bfstream:${configKey}`);
    }
  });

  it("the README's config table shows each key's default and doc as the home has them", () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    for (const name of producerSettingNames) {
      const { configKey, derived, doc } = PRODUCER_SETTINGS[name];
      if (!derived)
        expect(readme).toContain(
          `| \`bfstream:${configKey}\` | \`${JSON.stringify(PRODUCER_SETTINGS[name].default)}\` | ${doc.split('|').join('\\|')} |`,
        );
    }
  });
});

describe("the twin takes every setting, and hands the producer the Lambda's environment", () => {
  const parse = (...argv: string[]) => parseCli(argv, {}, false).twin;

  it('has a flag for each, defaulting to the twin defaults', () => {
    const twin = parse();
    for (const name of producerSettingNames) expect([name, twin[name]]).toEqual([name, TWIN_PRODUCER_DEFAULTS[name]]);
    const values = others();
    const argv = producerSettingNames.flatMap((name) => [
      /--[a-z-]+/.exec(PRODUCER_FLAGS[name])![0],
      String(values[name]),
    ]);
    expect(parse(...argv)).toMatchObject(values);
    expect(resolveTwinSettings(parse(...argv))).toMatchObject(values);
  });

  it.each(producerSettingNames)('%s: its flag and option refuse a value outside its bounds', (name) => {
    const flag = /--[a-z-]+/.exec(PRODUCER_FLAGS[name])![0];
    for (const value of outside(PRODUCER_SETTINGS[name].bounds)) {
      expect(() => parse(flag, String(value))).toThrow(flag);
      expect(() => resolveTwinSettings({ [name]: value })).toThrow(`${name} must be`);
    }
  });

  it("gives the shipped producer every variable the stack's Lambda gets, with the twin's values", () => {
    const values = others();
    const settings = { queueUrls: { sales: queues.SALES_QUEUE_URL, inventory: queues.INVENTORY_QUEUE_URL }, ...values };
    const env = producerEnvironment({
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      catalog: { products: [], stores: [] },
      settings,
      queueStreams: [],
      keepSent: false,
    });
    expect(env).toMatchObject({ ...queues, ...producerSettingsEnvironment(values) });
    expect(producerSettingsFromEnv(env)).toEqual(settings);
  });
});

// Every producer setting reaches every reader with the same bounds: the config schema, the handler's
// environment and the twin's archive environment here; the twin's flags and options in
// local/cli.test.ts; the deployed function's environment in test/program/functionSuite.ts. A setting
// added to kernel/producerSettings.ts that one of them does not take fails one of these.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { producerSettingsFromEnv } from '../functions/producer';
import { ConfigError, configFields, parseStackConfig, producerSettingsOf } from '../infra/config';
import { inBounds, otherValues, outside, twinProducerEnvironment } from '../test/support/producerSettings';
import {
  PRODUCER_SETTINGS,
  producerDefaults,
  producerSettingNames,
  producerSettingsEnvironment,
  withinBounds,
  type ProducerSettingName,
} from './producerSettings';
import { perStream } from './contracts';
import { queueUrlVariables } from './streamNaming';

const queueUrls = perStream((s) => `https://sqs/${s}`);
/** SALES_QUEUE_URL and one more per stream. */
const queues = queueUrlVariables(queueUrls);

describe('the home of the producer settings', () => {
  it('gives each setting its own variable and key, a doc line, and a default within its bounds', () => {
    const envs = producerSettingNames.map((n) => PRODUCER_SETTINGS[n].env);
    const keys = producerSettingNames.map((n) => PRODUCER_SETTINGS[n].configKey);
    expect(new Set(envs).size).toBe(envs.length);
    expect(new Set(keys).size).toBe(keys.length);
    const others = otherValues();
    for (const name of producerSettingNames) {
      const s = PRODUCER_SETTINGS[name];
      expect(s.doc.length).toBeGreaterThan(10);
      expect([name, withinBounds(s.bounds, s.defaultValue)]).toEqual([name, true]);
      expect([name, withinBounds(s.bounds, others[name]), others[name] === s.defaultValue]).toEqual([
        name,
        true,
        false,
      ]);
    }
  });

  it('sets the peak at 1 sale line a minute at least, in the config and the handler as in the twin', () => {
    expect(PRODUCER_SETTINGS.peakLinesPerMinute.bounds).toMatchObject({ min: 1 });
    expect(() => producerSettingsFromEnv({ ...queues, PEAK_LINES_PER_MINUTE: '0' })).toThrow(
      'PEAK_LINES_PER_MINUTE must be a whole number 1..1000000, got "0"',
    );
    expect(() =>
      parseStackConfig({ 'bfstream:alarmEmail': '', 'bfstream:peakLinesPerMinute': '0' }, { capacityCosts: null }),
    ).toThrow('bfstream:peakLinesPerMinute: Too small: expected number to be >=1');
  });
});

describe('the handler reads every setting from its variable', () => {
  it('reads back what a deploy sets, and takes the default when a variable is unset', () => {
    const values = otherValues();
    expect(producerSettingsFromEnv({ ...queues, ...producerSettingsEnvironment(values) })).toEqual({
      queueUrls,
      ...values,
    });
    expect(producerSettingsFromEnv(queues)).toEqual({ queueUrls, ...producerDefaults() });
  });

  it.each(producerSettingNames)(
    'takes %s at either end of its bounds, and refuses it outside, naming its variable',
    (name) => {
      const { env } = PRODUCER_SETTINGS[name];
      for (const value of inBounds(name))
        expect(producerSettingsFromEnv({ ...queues, [env]: String(value) })[name]).toEqual(value);
      for (const value of outside(name))
        expect(() => producerSettingsFromEnv({ ...queues, [env]: String(value) })).toThrow(`${env} must be`);
    },
  );
});

describe('the stack config has a key for every setting', () => {
  /** A derived setting's key holds what it derives from: the window is the schedule's period. */
  const keyValue = (name: ProducerSettingName, value: unknown) =>
    PRODUCER_SETTINGS[name].derived ? `rate(${value} minute${value === 1 ? '' : 's'})` : String(value);
  const config = (name: ProducerSettingName, value: unknown) =>
    parseStackConfig(
      { 'bfstream:alarmEmail': '', [`bfstream:${PRODUCER_SETTINGS[name].configKey}`]: keyValue(name, value) },
      { capacityCosts: null },
    );

  it.each(producerSettingNames)('%s: its key, default and doc, and the values it reaches the producer with', (name) => {
    const { configKey, derived, doc } = PRODUCER_SETTINGS[name];
    expect(configKey in configFields).toBe(true);
    if (!derived) {
      const field = configFields[configKey as keyof typeof configFields];
      expect(field.default).toEqual(PRODUCER_SETTINGS[name].defaultValue);
      expect(field.doc).toBe(doc);
    }
    const defaults = parseStackConfig({ 'bfstream:alarmEmail': '' }, { capacityCosts: null });
    expect(producerSettingsOf(defaults)[name]).toEqual(PRODUCER_SETTINGS[name].defaultValue);
    for (const value of inBounds(name)) expect(producerSettingsOf(config(name, value))[name]).toEqual(value);
  });

  it.each(producerSettingNames)('%s: refused outside its bounds, naming its key', (name) => {
    for (const value of outside(name)) {
      expect(() => config(name, value)).toThrow(ConfigError);
      expect(() => config(name, value)).toThrow(`bfstream:${PRODUCER_SETTINGS[name].configKey}`);
    }
  });

  it("the README's config table shows each key's default and doc as the home has them", () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    for (const name of producerSettingNames) {
      const { configKey, derived, doc } = PRODUCER_SETTINGS[name];
      if (!derived)
        expect(readme).toContain(
          `| \`bfstream:${configKey}\` | \`${JSON.stringify(PRODUCER_SETTINGS[name].defaultValue)}\` | ${doc.split('|').join('\\|')} |`,
        );
    }
  });
});

it("the twin gives its shipped producer every variable a deploy sets, with the twin's values", () => {
  const settings = { queueUrls, ...otherValues() };
  const env = twinProducerEnvironment(settings);
  expect(env).toMatchObject({ ...queues, ...producerSettingsEnvironment(otherValues()) });
  expect(producerSettingsFromEnv(env)).toEqual(settings);
});

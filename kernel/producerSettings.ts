// The producer's settings, each described once: the environment variable the Lambda reads, the
// stack config key that sets it, its bounds, its default and its doc line. The config schema
// (infra/config.ts), the function's environment (infra/functions.ts), the handler's env parser
// (functions/producer.ts), the twin (local/cli.ts, local/twin.ts, local/producerPool.ts) and the
// README's producer table read them here. A reader that misses one fails its test: this file's,
// local/cli.test.ts (the twin's flags) or test/program/functionSuite.ts (the deployed environment).
import { SQS_DEFAULT_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES, SQS_MIN_MESSAGE_BYTES } from './awsLimits';
import { DEFAULT_LOST_SALES_RATE, MAX_LOST_SALES_RATE, MAX_WINDOW_MINUTES } from './generator';
import type { Compression } from './packing';
import type { Problems } from './problems';

/** What a setting accepts. */
export type SettingBounds =
  | { kind: 'whole'; min: number; max: number }
  /** Any number in [min, max] (a share). */
  | { kind: 'share'; min: number; max: number }
  /** 'fill', or a whole number in [min, max]. */
  | { kind: 'fillOrWhole'; min: number; max: number }
  | { kind: 'choice'; choices: readonly string[] };

export interface ProducerSetting<T> {
  /** The producer Lambda's environment variable. */
  env: string;
  /** The stack config key (`bfstream:<key>`) that sets it. */
  configKey: string;
  /** The config key holds something the value derives from (the window is the schedule's period). */
  derived?: true;
  bounds: SettingBounds;
  /**
   * The stacks' default, and the handler's when its variable is unset or empty. Not `default`:
   * Pulumi's closure serializer takes an object with a `default` key for an import and fails on it.
   */
  defaultValue: T;
  doc: string;
}

const setting = <T>(spec: ProducerSetting<T>) => spec;
const whole = (min: number, max: number): SettingBounds => ({ kind: 'whole', min, max });

/** Every producer setting, in the order the handler reads (and reports) its variables. */
export const PRODUCER_SETTINGS = {
  eventsPerMessage: setting<number | 'fill'>({
    env: 'EVENTS_PER_MESSAGE',
    configKey: 'eventsPerMessage',
    bounds: { kind: 'fillOrWhole', min: 1, max: 100_000 },
    defaultValue: 'fill',
    doc: "'fill' packs each SQS message up to maxMessageBytes; a number packs that many events.",
  }),
  compression: setting<Compression>({
    env: 'COMPRESSION',
    configKey: 'compression',
    bounds: { kind: 'choice', choices: ['gzip', 'none'] satisfies Compression[] },
    defaultValue: 'gzip',
    doc: 'Message body compression used by the producer.',
  }),
  maxMessageBytes: setting<number>({
    env: 'MAX_MESSAGE_BYTES',
    configKey: 'maxMessageBytes',
    bounds: whole(SQS_MIN_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES),
    defaultValue: SQS_DEFAULT_MESSAGE_BYTES,
    doc: "The queues' MaximumMessageSize and the producer's packing limit (bytes).",
  }),
  windowMinutes: setting<number>({
    env: 'WINDOW_MINUTES',
    configKey: 'schedule',
    derived: true,
    bounds: whole(1, MAX_WINDOW_MINUTES),
    defaultValue: 15,
    doc: "Minutes of demand one run generates: the schedule's period.",
  }),
  // At least 1: a curve whose top is 0 demands nothing (an exact count is the invocation's `count`).
  peakLinesPerMinute: setting<number>({
    env: 'PEAK_LINES_PER_MINUTE',
    configKey: 'peakLinesPerMinute',
    bounds: whole(1, 1_000_000),
    defaultValue: 2000,
    doc: 'Sale lines per minute at the top of the demand curve.',
  }),
  seed: setting<number>({
    env: 'SEED',
    configKey: 'generatorSeed',
    bounds: whole(0, 0xffffffff),
    defaultValue: 1,
    doc: "Seed mixed with each window's start; equal windows give equal events.",
  }),
  lostSalesRate: setting<number>({
    env: 'LOST_SALES_RATE',
    configKey: 'lostSalesRate',
    bounds: { kind: 'share', min: 0, max: MAX_LOST_SALES_RATE },
    defaultValue: DEFAULT_LOST_SALES_RATE,
    doc: `Share of demanded sale lines lost to empty shelves; restocks are sized to keep lost sales near it (0..${MAX_LOST_SALES_RATE}).`,
  }),
};

export type ProducerSettingName = keyof typeof PRODUCER_SETTINGS;
export const producerSettingNames = Object.keys(PRODUCER_SETTINGS) as ProducerSettingName[];

/** One value per setting: what the handler runs with. */
export type ProducerSettingValues = {
  [K in ProducerSettingName]: (typeof PRODUCER_SETTINGS)[K] extends ProducerSetting<infer T> ? T : never;
};

/** The stack's defaults of every setting. */
export function producerDefaults(): ProducerSettingValues {
  const values: Record<string, unknown> = {};
  for (const name of producerSettingNames) values[name] = PRODUCER_SETTINGS[name].defaultValue;
  return values as ProducerSettingValues;
}

/** The producer settings of a larger object (the twin's options, say), each one it lacks from `defaults`. */
export function producerSettingValuesOf(
  from: Partial<ProducerSettingValues>,
  defaults: ProducerSettingValues = producerDefaults(),
): ProducerSettingValues {
  const values: Record<string, unknown> = {};
  for (const name of producerSettingNames) values[name] = from[name] ?? defaults[name];
  return values as ProducerSettingValues;
}

/** `a whole number 1..1440`, `gzip or none`: what a setting accepts, for error messages. */
export function describeBounds(bounds: SettingBounds): string {
  switch (bounds.kind) {
    case 'whole':
      return `a whole number ${bounds.min}..${bounds.max}`;
    case 'share':
      return `a number ${bounds.min}..${bounds.max}`;
    case 'fillOrWhole':
      return `'fill' or a whole number ${bounds.min}..${bounds.max}`;
    case 'choice':
      return bounds.choices.join(' or ');
  }
}

/** Whether a value is within a setting's bounds. */
export function withinBounds(bounds: SettingBounds, value: unknown): boolean {
  const between = (min: number, max: number) => typeof value === 'number' && value >= min && value <= max;
  switch (bounds.kind) {
    case 'whole':
      return Number.isInteger(value) && between(bounds.min, bounds.max);
    case 'share':
      return between(bounds.min, bounds.max);
    case 'fillOrWhole':
      return value === 'fill' || (Number.isInteger(value) && between(bounds.min, bounds.max));
    case 'choice':
      return bounds.choices.includes(value as string);
  }
}

/** Records `${label} must be <bounds>, got ${shown}` unless the value is within the setting's bounds. */
export function checkSetting(
  problems: Problems,
  name: ProducerSettingName,
  value: unknown,
  label: string = name,
  shown = String(value),
): Problems {
  const { bounds } = PRODUCER_SETTINGS[name];
  return problems.check(withinBounds(bounds, value), () => `${label} must be ${describeBounds(bounds)}, got ${shown}`);
}

/** A variable's text as a value (numbers as Number reads them); checked with checkSetting. */
export function settingFromText(name: ProducerSettingName, text: string): unknown {
  const { bounds } = PRODUCER_SETTINGS[name];
  if (bounds.kind === 'choice' || (bounds.kind === 'fillOrWhole' && text === 'fill')) return text;
  // Number('') and Number(' ') are 0: blank text is no number.
  return text.trim() === '' ? NaN : Number(text);
}

/** The producer function's environment for these values (the queue URLs aside): what infra/functions.ts sets. */
export function producerSettingsEnvironment(values: ProducerSettingValues): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of producerSettingNames) env[PRODUCER_SETTINGS[name].env] = String(values[name]);
  return env;
}

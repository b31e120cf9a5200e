// The stack configuration: one typed, validated definition. Every key lives under the
// `bfstream:` namespace, has a default (or is required: alarmEmail), and is documented
// in the README. A bad config fails before any resource is declared, with every problem listed.
import { z } from 'zod';
import {
  LAMBDA_MAX_MEMORY_MB,
  LAMBDA_MAX_TIMEOUT_SECONDS,
  LAMBDA_MIN_MEMORY_MB,
  LAMBDA_NODE_RUNTIMES,
  lambdaRuntimeVerdict,
  RATE_EXPRESSION_PATTERN,
  REGION_PATTERN,
  SQS_MAPPING_MAX_BATCH_SIZE,
  SQS_MAPPING_MAX_BATCHING_WINDOW_SECONDS,
  SQS_MAPPING_MAX_BATCH_WITHOUT_WINDOW,
  SQS_MAX_RECEIVE_COUNT,
  SQS_MAX_VISIBILITY_TIMEOUT_SECONDS,
} from '../kernel/awsLimits';
import {
  rateMinutesOf,
  SALE_PRESETS,
  saleRangeProblems,
  THANKSGIVING_TO_CYBER_MONDAY,
  type CalendarSpec,
  type SaleSpec,
} from '../kernel/calendar';
import { DEFAULT_CATALOG_SEED } from '../kernel/catalog';
import { streamNames, streams } from '../kernel/contracts';
import { andList } from '../kernel/streamNaming';
import { MAX_WINDOW_MINUTES } from '../kernel/generator';
import { closest, Problems } from '../kernel/problems';
import {
  PRODUCER_SETTINGS,
  producerSettingNames,
  type ProducerSettingName,
  type ProducerSettingValues,
} from '../kernel/producerSettings';
import { CAPACITY_LIMITS, changesToHold, measuredCosts, modelCapacity, type CapacityCosts } from './capacity';

const CONFIG_NAMESPACE = 'bfstream';
export const personas = ['engineer', 'analyst', 'viewer'] as const;
export type Persona = (typeof personas)[number];

// CloudWatch Logs accepts only these retention periods (days).
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

// Pulumi hands every config value to the program as a string; numbers, booleans and
// objects arrive JSON-encoded. Typed fields decode JSON first; text fields take the raw string.
const decoded = <S extends z.ZodTypeAny>(schema: S) =>
  z.preprocess((raw) => {
    if (typeof raw !== 'string') return raw;
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }, schema);
const int = (min: number, max: number) => decoded(z.number().int().min(min).max(max));
const bool = () => decoded(z.boolean());

const field = <S extends z.ZodTypeAny>(schema: S, defaultValue: z.output<S>, doc: string) => ({
  schema,
  default: defaultValue as z.output<S> | undefined,
  required: false,
  doc,
});
/** A key with no default: each stack must set it (a placeholder would ship to production). */
const required = <S extends z.ZodTypeAny>(schema: S, doc: string, hint: string) => ({
  schema,
  default: undefined as z.output<S> | undefined,
  required: true,
  doc,
  hint,
});

/** A producer setting's key: schema, default and doc from kernel/producerSettings.ts. */
const producerField = <K extends ProducerSettingName>(name: K) => {
  const { bounds, defaultValue, doc } = PRODUCER_SETTINGS[name];
  const whole = (min: number, max: number) => z.number().int().min(min).max(max);
  const schema =
    bounds.kind === 'whole'
      ? decoded(whole(bounds.min, bounds.max))
      : bounds.kind === 'share'
        ? decoded(z.number().min(bounds.min).max(bounds.max))
        : bounds.kind === 'fillOrWhole'
          ? decoded(z.union([z.literal('fill'), whole(bounds.min, bounds.max)]))
          : z.enum(bounds.choices as [string, ...string[]]);
  return field(schema as unknown as z.ZodType<ProducerSettingValues[K]>, defaultValue as ProducerSettingValues[K], doc);
};

/** A retention CloudWatch Logs accepts (PutRetentionPolicy's list of values). */
const retentionDays = () =>
  decoded(
    z
      .number()
      .refine(
        (d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
        `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
      ),
  );

/** '' or a QuickSight user or group ARN. */
const quicksightArn = () =>
  z.union([
    z.literal(''),
    z
      .string()
      .regex(/^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:\d{12}:(user|group)\/.+$/, 'a QuickSight user or group ARN'),
  ]);

const userSchema = z
  .object({
    name: z.string().regex(/^[\w+=,.@-]{1,64}$/, 'an IAM user name: 1-64 of letters, digits and +=,.@_-'),
    persona: z.enum(personas),
  })
  .strict();

/** Each key's schema and default. The order here is the order of the README table. */
export const configFields = {
  schedule: field(
    z.string(),
    'rate(15 minutes)',
    'EventBridge Scheduler rate; also the producer window length (rate(N minutes|hours|days), at most 1 day).',
  ),
  scheduleEnabled: field(bool(), true, 'ENABLED or DISABLED schedules (producer and load check, every period).'),
  sale: field(
    decoded(
      z.union([z.enum(SALE_PRESETS), z.array(z.object({ start: z.string(), end: z.string() }).strict()).min(1)]),
    ) as z.ZodType<SaleSpec>,
    THANKSGIVING_TO_CYBER_MONDAY as SaleSpec,
    `When the sale runs at the schedule's cadence: '${THANKSGIVING_TO_CYBER_MONDAY}' (Thanksgiving 00:00 to the end of Cyber Monday, US Eastern, every year), or a list of {start, end} (ISO-8601 instants, or YYYY-MM-DD dates in US Eastern time, end day included).`,
  ),
  trickleSchedule: field(
    z.string(),
    '',
    "Outside the sale: '' idles (nothing wakes the warehouse); rate(N minutes|hours|days) runs one producer window at that cadence.",
  ),
  salesAhead: field(
    int(1, 5),
    2,
    'Sales (the current one included) each deploy declares ahead; the trickle fills the gaps before them.',
  ),
  loadCheckMinutes: field(
    int(1, 1440),
    15,
    "At most how often the load-error check runs; it runs at a multiple of the period's own cadence, only while files can arrive.",
  ),
  // The producer's settings (kernel/producerSettings.ts; windowMinutes derives from the schedule).
  peakLinesPerMinute: producerField('peakLinesPerMinute'),
  eventsPerMessage: producerField('eventsPerMessage'),
  compression: producerField('compression'),
  maxMessageBytes: producerField('maxMessageBytes'),
  lostSalesRate: producerField('lostSalesRate'),
  generatorSeed: producerField('seed'),
  catalogSeed: field(int(0, 0xffffffff), DEFAULT_CATALOG_SEED, 'Seed of the deploy-time product and store catalog.'),
  catalogProducts: field(int(1, 9999), 200, 'Number of products in the catalog.'),
  catalogStores: field(int(1, 999), 25, 'Number of stores in the catalog.'),
  lambdaRuntime: field(
    z.enum(LAMBDA_NODE_RUNTIMES),
    'nodejs24.x',
    'Node.js runtime of every function (provides @aws-sdk v3); refused once AWS blocks updates on it, a warning from its deprecation (kernel/awsLimits.ts).',
  ),
  producerMemoryMb: field(int(LAMBDA_MIN_MEMORY_MB, LAMBDA_MAX_MEMORY_MB), 1024, 'Producer memory (MB).'),
  producerTimeoutSeconds: field(int(1, LAMBDA_MAX_TIMEOUT_SECONDS), 120, 'Producer timeout (s).'),
  consumerMemoryMb: field(int(LAMBDA_MIN_MEMORY_MB, LAMBDA_MAX_MEMORY_MB), 512, 'Memory of each consumer (MB).'),
  consumerTimeoutSeconds: field(int(1, LAMBDA_MAX_TIMEOUT_SECONDS), 60, 'Timeout of each consumer (s).'),
  migratorTimeoutSeconds: field(int(1, LAMBDA_MAX_TIMEOUT_SECONDS), 300, 'Migrator timeout (s).'),
  batchSize: field(
    int(1, SQS_MAPPING_MAX_BATCH_SIZE),
    10,
    'SQS messages per consumer invocation (1-10000; above 10 needs batchWindowSeconds >= 1; Lambda also cuts a batch at 6 MB).',
  ),
  batchWindowSeconds: field(
    int(0, SQS_MAPPING_MAX_BATCHING_WINDOW_SECONDS),
    5,
    'Maximum batching window of the event source mappings (s).',
  ),
  maxConcurrency: field(
    int(2, CAPACITY_LIMITS.maxConcurrencyPerMapping),
    5,
    'Maximum concurrent consumer invocations per queue (event source scaling config).',
  ),
  visibilityTimeoutSeconds: field(
    int(0, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS),
    0,
    '0 = 6 x consumerTimeoutSeconds + batchWindowSeconds (the AWS recommendation); otherwise at least that.',
  ),
  maxReceiveCount: field(int(1, SQS_MAX_RECEIVE_COUNT), 5, 'Receives before a message moves to its DLQ.'),
  messageRetentionSeconds: field(int(60, 1_209_600), 345_600, 'Retention of the stream queues (s).'),
  dlqRetentionSeconds: field(
    int(60, 1_209_600),
    1_209_600,
    'Retention of the DLQs (s); must exceed messageRetentionSeconds.',
  ),
  logRetentionDays: field(retentionDays(), 14, 'Retention of every function log group (days).'),
  auditLogRetentionDays: field(
    retentionDays(),
    90,
    "Retention of the warehouse's audit log groups (connection, user and user-activity logs the namespace exports; days).",
  ),
  rawRetentionDays: field(
    int(1, 3650),
    30,
    `Days before landing files under ${andList(streamNames.map((s) => streams[s].prefix))} expire.`,
  ),
  rejectedRetentionDays: field(int(1, 3650), 30, 'Days before files under rejected/ expire.'),
  forceDestroy: field(bool(), false, 'Let `pulumi destroy` delete a non-empty landing bucket.'),
  vpcCidr: field(
    z.string().regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(1[6-9]|2[0-2])$/, 'an IPv4 CIDR from /16 to /22'),
    '10.40.0.0/16',
    'CIDR of the warehouse VPC (3 isolated subnets: private, no route to the internet).',
  ),
  baseCapacity: field(
    int(4, 1024),
    8,
    'Redshift Serverless base RPUs: 4, a multiple of 8 up to 512, or a multiple of 32 up to 1024.',
  ),
  maxCapacity: field(
    int(0, 5632),
    32,
    'The most RPUs the workgroup may scale to (>= baseCapacity); always sent: AWS clears a cap only with a non-idempotent -1.',
  ),
  usageLimitRpuHours: field(
    int(1, 10_000_000),
    240,
    'Redshift Serverless usage limit: RPU-hours per usageLimitPeriod (every stack has one).',
  ),
  usageLimitPeriod: field(
    z.enum(['daily', 'weekly', 'monthly']),
    'daily',
    'Period of the usage limit (daily when it emits a metric: its alarm sums one day).',
  ),
  usageLimitBreachAction: field(
    z.enum(['log', 'emit-metric', 'deactivate']),
    'emit-metric',
    "What a breach does: 'emit-metric' (the alarm topic hears of it), 'deactivate' (turns off user queries until the period ends), 'log'.",
  ),
  database: field(
    z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lowercase Redshift identifier'),
    'sales',
    'Database the pipeline loads into.',
  ),
  adminUsername: field(
    z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lowercase Redshift identifier')
      .refine((u) => !['admin', 'rdsadmin', 'public'].includes(u), 'a non-reserved name'),
    'bfadmin',
    'Namespace admin user (its password lives in Secrets Manager).',
  ),
  users: field(
    decoded(z.array(userSchema)),
    [
      { name: 'bf-engineer', persona: 'engineer' },
      { name: 'bf-analyst', persona: 'analyst' },
      { name: 'bf-viewer', persona: 'viewer' },
    ],
    'Exactly three IAM users, one per persona (engineer, analyst, viewer).',
  ),
  alarmEmail: required(
    z.union([z.literal(''), z.email()]),
    "Required, no default: the email subscribed to the alarm topic, set per stack ('' = no alarm mail; confirm the subscription by mail).",
    "the address that receives the alarms: pulumi config set bfstream:alarmEmail oncall@yourcompany.com ('' for no alarm mail)",
  ),
  oldestMessageAgeAlarmSeconds: field(
    int(60, 1_209_600),
    900,
    'Alarm when the oldest message in a stream queue is older than this (s).',
  ),
  dashboardEnabled: field(
    bool(),
    false,
    "Create the dashboard's database user and its Secrets Manager secret; with quicksightSecretGranted, also the QuickSight data source, data sets, dashboard and analysis (needs a QuickSight subscription).",
  ),
  quicksightSecretGranted: field(
    bool(),
    false,
    "Set once QuickSight's Secrets Manager role may read the dashboard secret (docs/INFRA.md, turn-on step 4): QuickSight refuses a data source whose secret it cannot read; requires dashboardEnabled.",
  ),
  quicksightPrincipalArn: field(
    quicksightArn(),
    '',
    'QuickSight user or group of the analysts: authors the dashboard and analysis, uses the data source and data sets; required when dashboardEnabled.',
  ),
  quicksightEngineerArn: field(
    quicksightArn(),
    '',
    "QuickSight user or group of the engineers, granted what the analysts are ('' = none).",
  ),
  quicksightViewerArn: field(
    quicksightArn(),
    '',
    "QuickSight user or group that only reads the dashboard ('' = none).",
  ),
};

export type ConfigKey = keyof typeof configFields;
export type StackConfig = { [K in ConfigKey]: z.output<(typeof configFields)[K]['schema']> } & {
  /** Derived: the schedule period in minutes, which is the producer's window. */
  windowMinutes: number;
  /** Derived: the effective visibility timeout of the stream queues. */
  effectiveVisibilityTimeoutSeconds: number;
};

/**
 * The AWS provider's config keys (`aws:<key>`), as @pulumi/aws 7 declares them in
 * config/vars; config.test.ts checks this list against the installed package.
 */
export const AWS_PROVIDER_KEYS = [
  'accessKey',
  'allowedAccountIds',
  'assumeRoleWithWebIdentity',
  'assumeRoles',
  'customCaBundle',
  'defaultTags',
  'ec2MetadataServiceEndpoint',
  'ec2MetadataServiceEndpointMode',
  'endpoints',
  'forbiddenAccountIds',
  'httpProxy',
  'httpsProxy',
  'ignoreTags',
  'insecure',
  'maxRetries',
  'noProxy',
  'profile',
  'region',
  'retryMode',
  's3UsEast1RegionalEndpoint',
  's3UsePathStyle',
  'secretKey',
  'sharedConfigFiles',
  'sharedCredentialsFiles',
  'skipCredentialsValidation',
  'skipMetadataApiCheck',
  'skipRegionValidation',
  'skipRequestingAccountId',
  'stsRegion',
  'tagPolicyCompliance',
  'token',
  'tokenBucketRateLimiterCapacity',
  'useDualstackEndpoint',
  'useFipsEndpoint',
  'userAgents',
] as const;
/** Namespaces a stack file may use: this project's, the AWS provider's, and Pulumi's own (pulumi:tags, ...). */
const CONFIG_NAMESPACES = [CONFIG_NAMESPACE, 'aws', 'pulumi'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `invalid stack configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Parses `rate(N unit)` into minutes; cron and one-off schedules have no fixed window. */
export function rateMinutes(expression: string): number | undefined {
  const match = RATE_EXPRESSION_PATTERN.exec(expression);
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2];
  if (value < 1 || (value === 1) !== !unit.endsWith('s')) return undefined;
  return value * (unit.startsWith('minute') ? 1 : unit.startsWith('hour') ? 60 : 1440);
}

export function isValidBaseCapacity(rpu: number): boolean {
  return rpu === 4 || (rpu >= 8 && rpu <= 512 && rpu % 8 === 0) || (rpu > 512 && rpu <= 1024 && rpu % 32 === 0);
}

/**
 * Validates raw config values (as Pulumi passes them: strings, or already-decoded
 * values) keyed `bfstream:<key>` or `<key>`. `aws:` keys must be AWS provider keys and
 * `pulumi:` keys pass; any other namespace is refused (with a suggestion when it is a typo).
 */
export function parseStackConfig(raw: Record<string, unknown>, options: ParseOptions = {}): StackConfig {
  const problems = new Problems();
  const values = fieldValues(keysGiven(raw, problems), options, problems);
  const parsed: Parsed = {
    v: values as StackConfig,
    has: (...keys) => keys.every((k) => k in values),
    fail: (key, message) => problems.add(`${CONFIG_NAMESPACE}:${key}: ${message}`),
  };
  deriveWindowMinutes(parsed);
  deriveVisibilityTimeout(parsed);
  checkCrossKeys(parsed);
  checkCalendar(parsed);
  checkUsageAlarm(parsed);
  checkUsers(parsed);
  checkDashboard(parsed);
  checkRuntimeDates(parsed, options);
  // The capacity guard needs a config that is otherwise valid (the derived window, say).
  if (problems.empty && options.capacityCosts !== null)
    problems.add(...capacityProblems(parsed.v, options.capacityCosts ?? measuredCosts()));
  if (!problems.empty) throw new ConfigError([...problems.all]);
  return parsed.v;
}

/** The `bfstream:` keys given, by key; a key under an unknown namespace, or unknown in its own, is a problem. */
function keysGiven(raw: Record<string, unknown>, problems: Problems): Map<string, unknown> {
  const given = new Map<string, unknown>();
  for (const [fullKey, value] of Object.entries(raw)) {
    const [namespace, key] = fullKey.includes(':') ? fullKey.split(':', 2) : [CONFIG_NAMESPACE, fullKey];
    if (namespace === 'aws')
      problems.check(
        (AWS_PROVIDER_KEYS as readonly string[]).includes(key),
        () => `aws:${key}: unknown AWS provider key${didYouMean(key, AWS_PROVIDER_KEYS)}`,
      );
    else if (namespace === 'pulumi') continue;
    else if (namespace !== CONFIG_NAMESPACE) {
      const near = closest(namespace, CONFIG_NAMESPACES);
      problems.add(
        `${fullKey}: unknown namespace ${namespace}${near ? ` (did you mean ${near}:${key}?)` : `: keys live under ${CONFIG_NAMESPACE}: or aws:`}`,
      );
    } else if (!(key in configFields))
      problems.add(`${CONFIG_NAMESPACE}:${key}: unknown key${didYouMean(key, Object.keys(configFields))}`);
    else given.set(key, value);
  }
  return given;
}

/** Each key's value: parsed by its schema, or its default; a key that fails its schema is left out. */
function fieldValues(given: Map<string, unknown>, options: ParseOptions, problems: Problems): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(configFields) as [ConfigKey, (typeof configFields)[ConfigKey]][]) {
    if (!given.has(key)) {
      if (!('hint' in field)) values[key] = structuredClone(field.default);
      else if (options.forDeploy) problems.add(`${CONFIG_NAMESPACE}:${key}: required: ${field.hint}`);
      else values[key] = '';
      continue;
    }
    const result = (field.schema as z.ZodTypeAny).safeParse(given.get(key));
    if (result.success) values[key] = result.data;
    else
      for (const issue of result.error.issues)
        problems.add(
          `${CONFIG_NAMESPACE}:${key}${issue.path.length ? '.' + issue.path.join('.') : ''}: ${issue.message}`,
        );
  }
  return values;
}

/** The values that parsed (a key that failed its schema is absent), and how to report a rule across keys. */
interface Parsed {
  v: StackConfig;
  /** Whether every one of these keys parsed: a rule over a key that failed is not checked. */
  has: (...keys: ConfigKey[]) => boolean;
  fail: (key: ConfigKey, message: string) => void;
}

/** The producer's window is the schedule's period: at most a day. */
function deriveWindowMinutes({ v, has, fail }: Parsed): void {
  if (!has('schedule')) return;
  const minutes = rateMinutes(v.schedule);
  if (minutes === undefined)
    fail('schedule', `must be a rate expression like rate(15 minutes), got ${JSON.stringify(v.schedule)}`);
  else if (minutes > MAX_WINDOW_MINUTES)
    fail('schedule', `the producer window can be at most ${MAX_WINDOW_MINUTES} minutes, got ${minutes}`);
  else v.windowMinutes = minutes;
}

/** The stream queues' visibility timeout: 6 x the consumer timeout + the batching window, or more (AWS's advice). */
function deriveVisibilityTimeout({ v, has, fail }: Parsed): void {
  if (!has('consumerTimeoutSeconds', 'batchWindowSeconds', 'visibilityTimeoutSeconds')) return;
  const minimum = 6 * v.consumerTimeoutSeconds + v.batchWindowSeconds;
  if (v.visibilityTimeoutSeconds === 0) {
    if (minimum > SQS_MAX_VISIBILITY_TIMEOUT_SECONDS)
      fail(
        'consumerTimeoutSeconds',
        `6 x timeout + batch window = ${minimum} s exceeds the ${SQS_MAX_VISIBILITY_TIMEOUT_SECONDS} s SQS visibility limit`,
      );
    v.effectiveVisibilityTimeoutSeconds = Math.min(minimum, SQS_MAX_VISIBILITY_TIMEOUT_SECONDS);
  } else if (v.visibilityTimeoutSeconds < minimum) {
    fail(
      'visibilityTimeoutSeconds',
      `${v.visibilityTimeoutSeconds} s is too short: at least 6 x consumerTimeoutSeconds + batchWindowSeconds = ${minimum} s`,
    );
  } else v.effectiveVisibilityTimeoutSeconds = v.visibilityTimeoutSeconds;
}

/** Rules between keys: batching, retention, capacity, the dashboard's principal. */
function checkCrossKeys({ v, has, fail }: Parsed): void {
  if (
    has('batchSize', 'batchWindowSeconds') &&
    v.batchSize > SQS_MAPPING_MAX_BATCH_WITHOUT_WINDOW &&
    v.batchWindowSeconds < 1
  )
    fail(
      'batchWindowSeconds',
      `must be at least 1 when batchSize (${v.batchSize}) is above ${SQS_MAPPING_MAX_BATCH_WITHOUT_WINDOW}`,
    );
  if (has('messageRetentionSeconds', 'dlqRetentionSeconds') && v.dlqRetentionSeconds <= v.messageRetentionSeconds)
    fail(
      'dlqRetentionSeconds',
      `must exceed messageRetentionSeconds (${v.messageRetentionSeconds}) so a redriven message keeps its age`,
    );
  if (has('baseCapacity') && !isValidBaseCapacity(v.baseCapacity))
    fail(
      'baseCapacity',
      `${v.baseCapacity} RPU is not offered: use 4, a multiple of 8 up to 512, or a multiple of 32 up to 1024`,
    );
  checkCapacity({ v, has, fail });
}

/** Hours in the longest usage-limit period of each kind (a 31-day month). */
export const USAGE_LIMIT_PERIOD_HOURS = { daily: 24, weekly: 168, monthly: 744 } as const;

/** Always a cap, and a usage limit the cap can reach. */
function checkCapacity({ v, has, fail }: Parsed): void {
  // Removing a cap takes AWS's non-idempotent -1 (terraform-provider-aws PR #36032): never ask for none.
  if (has('maxCapacity') && v.maxCapacity === 0)
    fail('maxCapacity', '0 (no cap) is not accepted: give the most RPUs the workgroup may use (>= baseCapacity)');
  else if (has('baseCapacity', 'maxCapacity') && v.maxCapacity < v.baseCapacity)
    fail('maxCapacity', `must be at least baseCapacity (${v.baseCapacity}), got ${v.maxCapacity}`);
  if (has('maxCapacity', 'usageLimitRpuHours', 'usageLimitPeriod') && v.maxCapacity > 0) {
    const reachable = v.maxCapacity * USAGE_LIMIT_PERIOD_HOURS[v.usageLimitPeriod];
    if (v.usageLimitRpuHours > reachable)
      fail(
        'usageLimitRpuHours',
        `${v.usageLimitRpuHours} RPU-hours ${v.usageLimitPeriod} can never be reached at maxCapacity ${v.maxCapacity} (at most ${reachable}): the limit would limit nothing`,
      );
  }
}

/** An emitted breach reaches the alarm topic through a CloudWatch alarm, which sums at most one day. */
function checkUsageAlarm({ v, has, fail }: Parsed): void {
  if (
    has('usageLimitBreachAction', 'usageLimitPeriod') &&
    v.usageLimitBreachAction === 'emit-metric' &&
    v.usageLimitPeriod !== 'daily'
  )
    fail(
      'usageLimitPeriod',
      `must be daily when usageLimitBreachAction is emit-metric (its alarm sums one day of compute), got ${v.usageLimitPeriod}`,
    );
}

/** The sale list and the trickle cadence. */
function checkCalendar({ v, has, fail }: Parsed): void {
  if (has('sale') && typeof v.sale !== 'string')
    for (const p of saleRangeProblems(v.sale)) fail('sale', p.replace(/^\[/, 'range ['));
  if (has('trickleSchedule') && v.trickleSchedule !== '') {
    const minutes = rateMinutesOf(v.trickleSchedule);
    if (minutes === undefined || rateMinutes(v.trickleSchedule) === undefined)
      fail(
        'trickleSchedule',
        `must be '' (idle outside the sale) or rate(N minutes|hours|days), got ${JSON.stringify(v.trickleSchedule)}`,
      );
    else if (minutes > MAX_WINDOW_MINUTES) fail('trickleSchedule', `can be at most 1 day, got ${minutes} minutes`);
  }
}

/** The producer's settings as a validated config sets them (kernel/producerSettings.ts names each one's key). */
export function producerSettingsOf(config: StackConfig): ProducerSettingValues {
  const values: Record<string, unknown> = {};
  for (const name of producerSettingNames) {
    const { configKey, derived } = PRODUCER_SETTINGS[name];
    // A derived setting is the config's derived value of the same name (the window, from the schedule).
    values[name] = config[(derived ? name : configKey) as keyof StackConfig];
  }
  return values as ProducerSettingValues;
}

/** The calendar the schedules follow, from a validated config. */
export function calendarOf(
  config: Pick<StackConfig, 'sale' | 'schedule' | 'trickleSchedule' | 'salesAhead'>,
): CalendarSpec {
  return {
    sale: config.sale,
    saleExpression: config.schedule,
    trickleExpression: config.trickleSchedule,
    salesAhead: config.salesAhead,
  };
}

/**
 * How long after a period's last producer run files can still land: the producer's own run (and
 * Scheduler's retries within one window), then a message's every receive up to the DLQ.
 */
export function loadTailMinutes(
  config: Pick<
    StackConfig,
    | 'producerTimeoutSeconds'
    | 'maxReceiveCount'
    | 'effectiveVisibilityTimeoutSeconds'
    | 'batchWindowSeconds'
    | 'windowMinutes'
  >,
): number {
  const seconds =
    config.producerTimeoutSeconds +
    config.maxReceiveCount * config.effectiveVisibilityTimeoutSeconds +
    config.batchWindowSeconds;
  return Math.ceil(seconds / 60) + config.windowMinutes;
}

/** Exactly one user per persona, each named once. */
function checkUsers({ v, has, fail }: Parsed): void {
  if (!has('users')) return;
  if (v.users.length !== personas.length)
    fail('users', `must list exactly ${personas.length} users (one per persona), got ${v.users.length}`);
  for (const persona of personas) {
    const count = v.users.filter((u) => u.persona === persona).length;
    if (count !== 1) fail('users', `needs exactly one ${persona}, got ${count}`);
  }
  const names = v.users.map((u) => u.name);
  const duplicates = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (duplicates.length > 0) fail('users', `duplicate user names: ${duplicates.join(', ')}`);
}

/** The deploy day (YYYY-MM-DD, UTC): BFSTREAM_DEPLOY_DATE when set (tests pin it), else today. */
export function deployDay(env: NodeJS.ProcessEnv = process.env, now: () => Date = () => new Date()): string {
  const pinned = env.BFSTREAM_DEPLOY_DATE;
  if (pinned === undefined || pinned === '') return now().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(pinned) || Number.isNaN(Date.parse(`${pinned}T00:00:00Z`)))
    throw new ConfigError([`BFSTREAM_DEPLOY_DATE: must be a day like 2026-11-27, got ${JSON.stringify(pinned)}`]);
  return pinned;
}

/** AWS blocks updates of a function on a retired runtime: refused by the deploy day; a warning from deprecation on. */
function checkRuntimeDates({ v, has, fail }: Parsed, options: ParseOptions): void {
  if (!has('lambdaRuntime')) return;
  const verdict = lambdaRuntimeVerdict(v.lambdaRuntime, options.deployDay ?? deployDay());
  if (verdict.problem) fail('lambdaRuntime', verdict.problem);
  if (verdict.warning) (options.warn ?? console.warn)(`${CONFIG_NAMESPACE}:lambdaRuntime: ${verdict.warning}`);
}

/** A dashboard needs its analysts' QuickSight principal: they author it. */
function checkDashboard({ v, has, fail }: Parsed): void {
  if (has('dashboardEnabled', 'quicksightPrincipalArn') && v.dashboardEnabled && v.quicksightPrincipalArn === '')
    fail('quicksightPrincipalArn', 'is required when dashboardEnabled is true');
  // The grant names the dashboard secret, which only dashboardEnabled creates.
  if (has('dashboardEnabled', 'quicksightSecretGranted') && v.quicksightSecretGranted && !v.dashboardEnabled)
    fail('quicksightSecretGranted', 'requires dashboardEnabled: the secret it grants exists only with the dashboard');
}

export interface ParseOptions {
  /** Costs for the capacity guard; default: measured (bench/results.json); null skips the guard (the capacity report shows what it would refuse). */
  capacityCosts?: CapacityCosts | null;
  /**
   * Refuse a config that lacks a required key (alarmEmail). On for what deploys: the program
   * (loadStackConfig) and the offline plan. Off for analyses of a stack file (capacity, cost),
   * which read a missing required key as '' (no alarm mail).
   */
  forDeploy?: boolean;
  /** The day of the deploy (YYYY-MM-DD, UTC) the runtime's AWS dates are checked against; default deployDay(). */
  deployDay?: string;
  /** Where warnings go (a deprecated runtime); default console.warn. */
  warn?: (message: string) => void;
}

/**
 * The capacity guard: a stack whose configured peak would keep the producer past half its
 * timeout (or memory), or outrun its consumers' concurrency x throughput, is refused,
 * with the change that would fix each problem (the model: infra/capacity.ts).
 */
export function capacityProblems(config: StackConfig, costs: CapacityCosts): readonly string[] {
  const problems = new Problems();
  const report = modelCapacity(config, costs);
  const { changes } = changesToHold(config, costs, config.peakLinesPerMinute);
  const fix = (...keys: ConfigKey[]) => {
    const c = changes.filter((ch) => (keys as string[]).includes(ch.key));
    return c.length ? `; hold it with ${c.map((ch) => `${CONFIG_NAMESPACE}:${ch.key} ${ch.to}`).join(' and ')}` : '';
  };
  for (const hop of report.hops) {
    if (hop.maxPeak >= config.peakLinesPerMinute) continue;
    if (hop.hop === 'producer run time') {
      problems.add(
        `${CONFIG_NAMESPACE}:peakLinesPerMinute: ${config.peakLinesPerMinute} sale lines/min makes the producer take ${hop.atPeak}, over ${CAPACITY_LIMITS.producerTimeoutShare * 100}% of producerTimeoutSeconds (${config.producerTimeoutSeconds} s)${fix('producerMemoryMb', 'producerTimeoutSeconds', 'schedule')}`,
      );
    } else if (hop.hop === 'producer memory') {
      problems.add(
        `${CONFIG_NAMESPACE}:peakLinesPerMinute: ${config.peakLinesPerMinute} sale lines/min puts ${hop.atPeak} in the producer, over ${CAPACITY_LIMITS.producerMemoryShare * 100}% of producerMemoryMb (${config.producerMemoryMb} MB)${fix('producerMemoryMb', 'schedule')}`,
      );
    } else if (hop.hop.startsWith('warehouse')) {
      problems.add(
        `${CONFIG_NAMESPACE}:baseCapacity: the warehouse loads ${Math.floor(hop.maxPeak)} sale lines/min (${hop.limit}), below peakLinesPerMinute ${config.peakLinesPerMinute}${fix('baseCapacity', 'maxCapacity')}`,
      );
    } else {
      problems.add(
        `${CONFIG_NAMESPACE}:maxConcurrency: the ${hop.hop} hold ${Math.floor(hop.maxPeak)} sale lines/min (${hop.limit}), below peakLinesPerMinute ${config.peakLinesPerMinute}${fix('maxConcurrency', 'consumerMemoryMb')}`,
      );
    }
  }
  for (const p of report.problems) problems.add(`${CONFIG_NAMESPACE}:${p.key}: ${p.message}`);
  return problems.all;
}

function didYouMean(word: string, candidates: readonly string[]): string {
  const match = closest(word, candidates);
  return match ? ` (did you mean ${match}?)` : '';
}

/**
 * Reads and validates the running stack's config (Pulumi program or mocks), and its AWS region;
 * `raw` (Pulumi's config of the running stack unless given) lets a test pass a config directly.
 */
export function loadStackConfig(
  env: NodeJS.ProcessEnv = process.env,
  raw: Record<string, string> = runningStackConfig(),
): { config: StackConfig; region: string } {
  // The AWS provider takes aws:region, or AWS_REGION / AWS_DEFAULT_REGION from the environment.
  const region = raw['aws:region'] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '';
  const regionProblem = REGION_PATTERN.test(region)
    ? []
    : [`aws:region: required, like us-east-1 (pulumi config set aws:region us-east-1), got ${JSON.stringify(region)}`];
  try {
    const config = parseStackConfig(raw, { forDeploy: true });
    if (regionProblem.length) throw new ConfigError(regionProblem);
    return { config, region };
  } catch (err) {
    if (err instanceof ConfigError && regionProblem.length && !err.problems.includes(regionProblem[0]))
      throw new ConfigError([...regionProblem, ...err.problems]);
    throw err;
  }
}

function runningStackConfig(): Record<string, string> {
  // Imported lazily so pure callers (docs, tests of the parser) need no Pulumi runtime.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the parser's pure callers never load Pulumi
  const pulumi = require('@pulumi/pulumi') as typeof import('@pulumi/pulumi');
  return pulumi.runtime.allConfig();
}

/**
 * Converts a stack YAML's `config:` block into what Pulumi passes the program:
 * every value a string, structured values JSON-encoded. Secure values are refused:
 * this project keeps no secrets in config.
 */
export function configFromStackYaml(config: Record<string, unknown> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(config ?? {})) {
    if (value && typeof value === 'object' && 'secure' in value)
      throw new ConfigError([`${key}: secure values are not used by this project`]);
    result[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return result;
}

/** A stack file that cannot be read or parsed: one line per problem, each naming the file. */
export class StackFileError extends ConfigError {
  constructor(problems: string[]) {
    super(problems);
    this.name = 'StackFileError';
    this.message = problems.join('\n');
  }
}

/** The stacks that have a file in the project: Pulumi.<stack>.yaml. */
export function stacksIn(projectDir = process.cwd()): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: only tests and the offline plan list stack files
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  return readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/**
 * A stack file's config (Pulumi.<stack>.yaml) as Pulumi passes it to the program.
 * A missing file or bad YAML (a duplicate key included, which Pulumi also refuses)
 * is a StackFileError with one line per problem, never a stack trace.
 */
export function stackYamlConfig(stack: string, projectDir = process.cwd()): Record<string, string> {
  // Lazy: only tests and the offline plan read stack files.
  /* eslint-disable @typescript-eslint/no-require-imports -- lazy: the program itself never reads a stack file */
  const { existsSync, readFileSync } = require('node:fs') as typeof import('node:fs');
  const { join } = require('node:path') as typeof import('node:path');
  const { parseDocument } = require('yaml') as typeof import('yaml');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const file = `Pulumi.${stack}.yaml`;
  const path = join(projectDir, file);
  if (!existsSync(path)) {
    const stacks = stacksIn(projectDir);
    const near = closest(stack, stacks);
    throw new StackFileError([
      `${file}: no such stack file in ${projectDir}${near ? ` (did you mean --stack ${near}?)` : ''}; stacks here: ${stacks.join(', ') || 'none'}`,
    ]);
  }
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const lines = text.split('\n');
    throw new StackFileError(
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        const where = at ? `:${at.line}:${at.col}` : '';
        if (e.code === 'DUPLICATE_KEY' && at)
          return `${file}${where}: duplicate key ${lines[at.line - 1].trim().split(/:\s|:$/)[0]} (each key may appear once)`;
        return `${file}${where}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`;
      }),
    );
  }
  const contents = doc.toJS() as { config?: unknown } | null;
  const config = contents?.config;
  if (config !== undefined && config !== null && (typeof config !== 'object' || Array.isArray(config)))
    throw new StackFileError([
      `${file}: config must be a map of key: value, got ${Array.isArray(config) ? 'a list' : typeof config}`,
    ]);
  try {
    return configFromStackYaml(config as Record<string, unknown> | undefined);
  } catch (err) {
    if (err instanceof ConfigError) throw new StackFileError(err.problems.map((p) => `${file}: ${p}`));
    throw err;
  }
}

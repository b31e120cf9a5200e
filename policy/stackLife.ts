// Rules that keep a stack able to live past its first `pulumi up`: later deploys that
// change nothing must plan nothing, the producer must not run before the warehouse can
// load what it writes, and a failed producer window must leave something to replay.
// Self-contained (no import from rules.ts, which lists these) to avoid a cycle.
import type {
  PolicyResource,
  ReportViolation,
  StackValidationArgs,
  StackValidationPolicy,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from '@pulumi/policy';

export const stackLifeTypes = {
  workgroup: 'aws:redshiftserverless/workgroup:Workgroup',
  schedule: 'aws:scheduler/schedule:Schedule',
  invocation: 'aws:lambda/invocation:Invocation',
  lambda: 'aws:lambda/function:Function',
  eventInvokeConfig: 'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
  queue: 'aws:sqs/queue:Queue',
  dataSet: 'aws:quicksight/dataSet:DataSet',
} as const;
const T = stackLifeTypes;

/**
 * Every parameter AWS returns for a Redshift Serverless workgroup (a fresh workgroup's
 * set; AWS adds keys over time, e.g. enable_large_strings_opt_in in terraform-provider-aws
 * #49939). Declaring only some of them gives a perpetual diff, and AWS refuses the no-op
 * update: every `pulumi up` after the first fails (pulumi-aws #4405, "Passing all the
 * default config parameters will not cause this issue"; terraform-provider-aws #33692).
 */
export const WORKGROUP_CONFIG_KEYS = [
  'auto_mv',
  'datestyle',
  'enable_case_sensitive_identifier',
  'enable_user_activity_logging',
  'query_group',
  'search_path',
  'max_query_execution_time',
  'require_ssl',
  'use_fips_ssl',
] as const;

const isKnown = (v: unknown) => v !== undefined && v !== null;

export const stackLifePolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  {
    name: 'redshift-workgroup-config-parameters',
    description:
      'A Redshift Serverless workgroup declares no configParameters, or all of them (a partial set fails every later pulumi up: pulumi-aws #4405).',
    enforcementLevel: 'mandatory',
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      if (
        args.type !== T.workgroup ||
        !Array.isArray(args.props.configParameters) ||
        args.props.configParameters.length === 0
      )
        return;
      const declared = new Set((args.props.configParameters as { parameterKey?: string }[]).map((p) => p.parameterKey));
      const missing = WORKGROUP_CONFIG_KEYS.filter((k) => !declared.has(k));
      if (missing.length)
        report(
          `workgroup declares configParameters ${[...declared].join(', ')} but not ${missing.join(', ')}: AWS returns them all, so every later update is a refused no-op (pulumi-aws #4405). Declare none, or all.`,
        );
    },
  },
  {
    // Going from a cap to none takes AWS's non-idempotent -1 (terraform-provider-aws PR #36032:
    // "Setting max_capacity to -1 ... removes the maximum"); an absent maxCapacity leaves whatever
    // AWS has, so removing the key from the program never removes the cap. Always send a number.
    name: 'redshift-workgroup-max-capacity',
    description:
      'A Redshift Serverless workgroup always declares maxCapacity, a number of RPUs at least its baseCapacity (no "no cap": AWS needs a non-idempotent -1 for that).',
    enforcementLevel: 'mandatory',
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      if (args.type !== T.workgroup) return;
      const max = args.props.maxCapacity;
      const base = args.props.baseCapacity;
      if (max === undefined || max === null || !(Number(max) > 0))
        report(
          `workgroup declares no maxCapacity (got ${JSON.stringify(max)}): its compute has no cap, and AWS clears a cap only with a non-idempotent -1 (terraform-provider-aws PR #36032)`,
        );
      else if (isKnown(base) && Number(max) < Number(base))
        report(`workgroup maxCapacity ${max} is below its baseCapacity ${base}`);
    },
  },
  {
    // https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html: a recurring
    // schedule without EndDate runs until deleted, so it wakes the warehouse outside any calendar.
    name: 'schedule-bounded-by-calendar',
    description:
      'Every EventBridge Scheduler schedule has an endDate: it runs for one period of the sale calendar, and nothing it wakes (the producer, the load check, the warehouse) runs outside it.',
    enforcementLevel: 'mandatory',
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      if (args.type !== T.schedule) return;
      const end = args.props.endDate;
      if (!isKnown(end))
        report(
          'schedule has no endDate: it runs, and wakes the warehouse, every day of the year, outside the calendar',
        );
      else if (isKnown(args.props.startDate) && Date.parse(String(args.props.startDate)) >= Date.parse(String(end)))
        report(`schedule starts (${args.props.startDate}) at or after its end (${end})`);
    },
  },
  {
    name: 'schedule-after-migration',
    description:
      'A schedule starts only after the warehouse migration succeeded (it depends on the migration Invocation): files landed before a COPY JOB exists are never auto-copied.',
    enforcementLevel: 'mandatory',
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      const invocations = args.resources.filter((r) => r.type === T.invocation);
      if (invocations.length === 0) return;
      for (const schedule of args.resources.filter((r) => r.type === T.schedule)) {
        if (!schedule.dependencies.some((d) => d.type === T.invocation))
          report(
            'schedule does not depend on the migration Invocation: the producer would write files before the COPY JOBs exist',
            schedule.urn,
          );
      }
    },
  },
  {
    name: 'scheduled-function-failure-destination',
    description:
      'A function run by a schedule has an async on-failure destination (a queue) and an event age no longer than the schedule allows: function errors are retried by Lambda, not Scheduler, then discarded.',
    enforcementLevel: 'mandatory',
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      const configs = args.resources.filter((r) => r.type === T.eventInvokeConfig);
      for (const schedule of args.resources.filter((r) => r.type === T.schedule)) {
        for (const fn of (schedule.propertyDependencies.target ?? []).filter((r) => r.type === T.lambda)) {
          const config = configs.find((c) =>
            (c.propertyDependencies.functionName ?? []).some((d: PolicyResource) => d.urn === fn.urn),
          );
          if (!config) {
            report(
              'the scheduled function has no FunctionEventInvokeConfig: a window that fails 3 times is discarded without a trace',
              fn.urn,
            );
            continue;
          }
          const onFailure = config.props.destinationConfig?.onFailure?.destination;
          if (
            !isKnown(onFailure) &&
            !(config.propertyDependencies.destinationConfig ?? []).some((d: PolicyResource) => d.type === T.queue)
          )
            report('the scheduled function has no on-failure destination', config.urn);
          const age = Number(config.props.maximumEventAgeInSeconds);
          const scheduleAge = Number(schedule.props.target?.retryPolicy?.maximumEventAgeInSeconds);
          if (!(age > 0))
            report(
              'the scheduled function keeps failed events up to 6 hours: set maximumEventAgeInSeconds to the window',
              config.urn,
            );
          else if (scheduleAge > 0 && age > scheduleAge)
            report(
              `maximumEventAgeInSeconds ${age} exceeds the schedule's ${scheduleAge}: a window would be retried after the next one started`,
              config.urn,
            );
        }
      }
    },
  },
  {
    // The QuickSight API refuses a custom-SQL physical table without its columns, so the data set
    // fails to create and the deploy with it (terraform-provider-aws #33273, #35052; QuickSight API
    // reference, CustomSql: "Columns ... Required: Yes").
    name: 'quicksight-custom-sql-columns',
    description: 'A QuickSight data set declares the columns of every custom-SQL table (the API requires them).',
    enforcementLevel: 'mandatory',
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      if (args.type !== T.dataSet) return;
      const tables = Array.isArray(args.props.physicalTableMaps) ? args.props.physicalTableMaps : [];
      for (const table of tables as { physicalTableMapId?: string; customSql?: { columns?: unknown[] } }[]) {
        if (table.customSql && !(Array.isArray(table.customSql.columns) && table.customSql.columns.length > 0))
          report(`custom-SQL table ${table.physicalTableMapId ?? '(unnamed)'} declares no columns`);
      }
    },
  },
];

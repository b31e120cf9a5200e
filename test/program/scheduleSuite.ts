// The schedules that drive the producer, one per calendar period, and what keeps a window that fails every attempt.
import { calendarOf } from '../../infra/config';
import { SCHEDULED_TIME_INPUT } from '../../infra/schedule';
import { calendarPeriods } from '../../kernel/calendar';
import { named, ofType } from '../../tools/mockGraph';
import { DEPLOY_TIME, FN, INVOCATION, Q, ROLE, SCHEDULE, type StackRun } from './stackRun';

export function describeSchedule(s: StackRun): void {
  test('one producer schedule per calendar period, each bounded by its startDate and endDate', () => {
    const { run, cfg } = s;
    const periods = calendarPeriods(calendarOf(cfg), new Date(DEPLOY_TIME));
    const producers = ofType(run, SCHEDULE).filter((r) => r.name.startsWith('schedule-'));
    expect(producers.map((r) => [r.name, r.inputs.scheduleExpression, r.inputs.startDate, r.inputs.endDate])).toEqual(
      periods.map((p) => [
        `schedule-${p.name}`,
        p.expression,
        // A period under way at the deploy starts at once (AWS refuses a startDate in the past).
        p.start > new Date(DEPLOY_TIME) ? p.start.toISOString().replace('.000Z', 'Z') : undefined,
        p.end.toISOString().replace('.000Z', 'Z'),
      ]),
    );
    expect(periods.filter((p) => p.kind === 'sale').map((p) => p.name)).toEqual(['sale-2027', 'sale-2028']);
    expect(producers.find((r) => r.name === 'schedule-sale-2027')?.inputs.scheduleExpression).toBe(cfg.schedule);
  });

  test('the scheduler targets the producer with the scheduled time, a retry policy and a DLQ', () => {
    const { run, cfg } = s;
    const schedule = named(run, SCHEDULE, 'schedule-sale-2027');
    expect(schedule.inputs.state).toBe(cfg.scheduleEnabled ? 'ENABLED' : 'DISABLED');
    expect(schedule.inputs.target).toMatchObject({
      arn: s.arnOf(FN, 'functions-producer'),
      roleArn: s.arnOf(ROLE, 'schedule-role'),
      input: SCHEDULED_TIME_INPUT,
      deadLetterConfig: { arn: s.arnOf(Q, 'schedule-dlq') },
      retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: cfg.windowMinutes * 60 },
    });
    expect(JSON.parse(schedule.inputs.target.input)).toEqual({ scheduledTime: '<aws.scheduler.scheduled-time>' });
    // It starts only after the migration succeeded (the engine orders by this dependency).
    expect(schedule.dependencies).toContain(named(run, INVOCATION, 'warehouse-migrate').urn);
    // A window that fails every async attempt is kept, with its event, for a replay.
    const asyncConfig = named(
      run,
      'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
      'functions-producer-async',
    );
    expect(asyncConfig.inputs).toMatchObject({
      functionName: named(run, FN, 'functions-producer').state.name,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: Math.min(21_600, cfg.windowMinutes * 60),
      destinationConfig: { onFailure: { destination: s.arnOf(Q, 'functions-producer-failures') } },
    });
    expect(named(run, FN, 'functions-producer').inputs.environment.variables.WINDOW_MINUTES).toBe(
      String(cfg.windowMinutes),
    );
  });
}

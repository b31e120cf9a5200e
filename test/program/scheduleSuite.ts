// The schedule that drives the producer, and what keeps a window that fails every attempt.
import { SCHEDULED_TIME_INPUT } from '../../infra/schedule';
import { named } from '../../tools/mockGraph';
import { FN, INVOCATION, Q, ROLE, type StackRun } from './stackRun';

export function describeSchedule(s: StackRun): void {
  test('the scheduler targets the producer with the scheduled time, a retry policy and a DLQ', () => {
    const { run, cfg } = s;
    const schedule = named(run, 'aws:scheduler/schedule:Schedule', 'schedule-schedule');
    expect(schedule.inputs.scheduleExpression).toBe(cfg.schedule);
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

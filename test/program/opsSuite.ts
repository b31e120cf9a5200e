// Operations: the encrypted alarm topic, what each alarm watches, the scheduled load check that
// publishes the warehouse's load errors, and the dashboard of every alarm.
import { calendarOf, loadTailMinutes } from '../../infra/config';
import { calendarPeriods, loadCheckPeriods } from '../../kernel/calendar';
import { named, ofType, type MockedResource } from '../../tools/mockGraph';
import { DEPLOY_TIME, FN, INVOCATION, Q, type StackRun } from './stackRun';

type AlarmInputs = Record<string, any>;

/** The alarms on the pipeline's queues and functions. */
function expectPipelineAlarms(s: StackRun, alarms: MockedResource[], byName: Record<string, AlarmInputs>): void {
  const { run, cfg } = s;
  expect(byName['ops-sales-dlq-not-empty']).toMatchObject({
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: named(run, Q, 'streams-sales-dlq').state.name },
    threshold: 0,
  });
  expect(byName['ops-inventory-oldest-message']).toMatchObject({
    metricName: 'ApproximateAgeOfOldestMessage',
    threshold: cfg.oldestMessageAgeAlarmSeconds,
  });
  expect(byName['ops-sales-consumer-errors'].dimensions).toEqual({
    FunctionName: named(run, FN, 'functions-sales-consumer').state.name,
  });
  expect(byName['ops-producer-errors'].dimensions).toEqual({
    FunctionName: named(run, FN, 'functions-producer').state.name,
  });
  expect(byName['ops-schedule-dlq-not-empty']).toBeDefined();
  expect(byName['ops-producer-failed-windows']).toMatchObject({
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: named(run, Q, 'functions-producer-failures').state.name },
    threshold: 0,
  });
  for (const metricName of ['AsyncEventsDropped', 'DestinationDeliveryFailures']) {
    expect(alarms.find((a) => a.inputs.metricName === metricName)?.inputs).toMatchObject({
      namespace: 'AWS/Lambda',
      dimensions: { FunctionName: named(run, FN, 'functions-producer').state.name },
      threshold: 0,
    });
  }
}

/** Auto-copy load errors: the migrator's scheduled check publishes them; the alarm watches the workgroup's count. */
function expectLoadCheck(s: StackRun, byName: Record<string, AlarmInputs>): void {
  const { run, stack } = s;
  expect(byName['ops-copy-job-load-errors']).toMatchObject({
    namespace: 'bfstream/Warehouse',
    metricName: 'CopyJobLoadErrors',
    dimensions: { Workgroup: `bfstream-${stack}` },
    statistic: 'Sum',
    threshold: 0,
  });
  // The runbook names the way back for the files auto-copy will never retry.
  expect(byName['ops-copy-job-load-errors'].alarmDescription).toContain(
    'npm run reload-failed -- --function <migrator>',
  );
  expect(byName['ops-load-check-failures'].dimensions).toEqual({
    QueueName: named(run, Q, 'warehouse-load-check-failures').state.name,
  });
  // One check per calendar period, at a multiple of the period's cadence, past the sale only for the tail.
  const checks = loadCheckPeriods(
    calendarPeriods(calendarOf(s.cfg), new Date(DEPLOY_TIME)),
    s.cfg.loadCheckMinutes,
    loadTailMinutes(s.cfg),
  );
  const schedules = ofType(run, 'aws:scheduler/schedule:Schedule').filter((r) =>
    r.name.startsWith('warehouse-load-check-'),
  );
  expect(schedules.map((r) => [r.name, r.inputs.scheduleExpression, r.inputs.endDate])).toEqual(
    checks.map((c) => [`warehouse-load-check-${c.name}`, c.expression, c.end.toISOString().replace('.000Z', 'Z')]),
  );
  const check = named(run, 'aws:scheduler/schedule:Schedule', 'warehouse-load-check-sale-2027');
  expect(check.inputs.target).toMatchObject({
    arn: s.arnOf(FN, 'warehouse-migrator'),
    input: JSON.stringify({ check: 'copyJobErrors' }),
    deadLetterConfig: { arn: s.arnOf(Q, 'warehouse-load-check-failures') },
  });
  expect(check.inputs.scheduleExpression).toBe('rate(15 minutes)');
  expect(check.inputs.state).toBe(s.cfg.scheduleEnabled ? 'ENABLED' : 'DISABLED');
  expect(check.dependencies).toContain(named(run, INVOCATION, 'warehouse-migrate').urn);
}

export function describeOps(s: StackRun): void {
  test('ops: an encrypted alarm topic and alarms on DLQs, queue age, consumer and producer errors', () => {
    const { run, cfg } = s;
    const topic = named(run, 'aws:sns/topic:Topic', 'ops-alarms');
    expect(topic.inputs.kmsMasterKeyId).toBe(s.arnOf('aws:kms/key:Key', 'ops-alarms-key'));
    const alarms = ofType(run, 'aws:cloudwatch/metricAlarm:MetricAlarm');
    for (const a of alarms) expect(a.inputs.alarmActions).toEqual([topic.state.arn]);
    const byName = Object.fromEntries(alarms.map((a) => [a.name, a.inputs]));
    expectPipelineAlarms(s, alarms, byName);
    expectLoadCheck(s, byName);
    const subscriptions = ofType(run, 'aws:sns/topicSubscription:TopicSubscription');
    expect(subscriptions.map((sub) => sub.inputs.endpoint)).toEqual(cfg.alarmEmail ? [cfg.alarmEmail] : []);
    const body = JSON.parse(named(run, 'aws:cloudwatch/dashboard:Dashboard', 'ops-dashboard').inputs.dashboardBody);
    expect([...body.widgets[0].properties.alarms].sort()).toEqual(alarms.map((a) => a.state.arn).sort());
  });
}

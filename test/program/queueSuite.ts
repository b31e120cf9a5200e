// The stream queues, their dead-letter queues and the event source mappings that drain them.
import { named, ofType } from '../../tools/mockGraph';
import { FN, Q, type StackRun } from './stackRun';

const MAPPING = 'aws:lambda/eventSourceMapping:EventSourceMapping';

export function describeQueues(s: StackRun): void {
  test('each queue: SSE, DLQ after maxReceiveCount, message size = producer packing, visibility >= 6 x timeout + window', () => {
    const { run, cfg } = s;
    const producer = named(run, FN, 'functions-producer');
    for (const stream of ['sales', 'inventory']) {
      const queue = named(run, Q, `streams-${stream}`);
      const dlq = named(run, Q, `streams-${stream}-dlq`);
      expect(queue.inputs.sqsManagedSseEnabled).toBe(true);
      expect(dlq.inputs.sqsManagedSseEnabled).toBe(true);
      expect(JSON.parse(queue.inputs.redrivePolicy)).toEqual({
        deadLetterTargetArn: dlq.state.arn,
        maxReceiveCount: cfg.maxReceiveCount,
      });
      expect(queue.inputs.maxMessageSize).toBe(cfg.maxMessageBytes);
      expect(producer.inputs.environment.variables.MAX_MESSAGE_BYTES).toBe(String(queue.inputs.maxMessageSize));
      const consumer = named(run, FN, `functions-${stream}-consumer`);
      expect(queue.inputs.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
        6 * consumer.inputs.timeout + cfg.batchWindowSeconds,
      );
      const allow = named(run, 'aws:sqs/redriveAllowPolicy:RedriveAllowPolicy', `streams-${stream}-dlq-allow`);
      expect(allow.inputs.queueUrl).toBe(dlq.state.url);
      expect(JSON.parse(allow.inputs.redriveAllowPolicy)).toEqual({
        redrivePermission: 'byQueue',
        sourceQueueArns: [queue.state.arn],
      });
    }
  });

  test('each event source mapping: the right queue and function, ReportBatchItemFailures, batch settings from config', () => {
    const { run, cfg } = s;
    expect(ofType(run, MAPPING)).toHaveLength(2);
    for (const stream of ['sales', 'inventory']) {
      expect(named(run, MAPPING, `functions-${stream}-mapping`).inputs).toMatchObject({
        eventSourceArn: s.arnOf(Q, `streams-${stream}`),
        functionName: s.arnOf(FN, `functions-${stream}-consumer`),
        functionResponseTypes: ['ReportBatchItemFailures'],
        batchSize: cfg.batchSize,
        maximumBatchingWindowInSeconds: cfg.batchWindowSeconds,
        scalingConfig: { maximumConcurrency: cfg.maxConcurrency },
      });
    }
  });
}

import { factTables, perStream, streamNames, streams } from './contracts';
import { andList, queueUrlVariables, streamNaming, streamNamings, type StreamNaming } from './streamNaming';
import { producerSettingsFromEnv } from '../functions/producer';

/** Every name of a stream, flat, for comparisons. */
const flat = (stream: string, table: string) => flatNames(streamNaming(stream, table));
const flatNames = (n: StreamNaming<string>) => {
  return {
    queueUrlVariable: n.queueUrlVariable,
    consumerFunction: n.consumerFunction,
    twinQueue: n.twinQueue,
    consumerRole: n.consumerRole,
    queue: n.resources.queue('streams'),
    deadLetterQueue: n.resources.deadLetterQueue('streams'),
    consumer: n.resources.consumer('functions'),
    placeholders: n.placeholders,
  };
};

describe('per-stream names', () => {
  test("the declared streams keep today's names: the stack's URNs and physical names, the twin's queues, the archives", () => {
    // Today's two streams come first, in this order; a stream added later comes after them.
    expect(streamNames.slice(0, 2)).toEqual(['sales', 'inventory']);
    expect(flat('sales', streams.sales.contract.table)).toEqual({
      queueUrlVariable: 'SALES_QUEUE_URL',
      consumerFunction: 'salesConsumer',
      twinQueue: 'sales-transactions',
      consumerRole: 'sales-consumer',
      queue: 'streams-sales',
      deadLetterQueue: 'streams-sales-dlq',
      consumer: 'functions-sales-consumer',
      placeholders: {
        queue: 'salesQueue',
        deadLetterQueue: 'salesDlq',
        consumer: 'salesConsumer',
        consumerLogs: 'salesConsumerLogs',
      },
    });
    expect(flat('inventory', streams.inventory.contract.table)).toMatchObject({
      queueUrlVariable: 'INVENTORY_QUEUE_URL',
      consumerFunction: 'inventoryConsumer',
      twinQueue: 'inventory-updates',
      queue: 'streams-inventory',
      deadLetterQueue: 'streams-inventory-dlq',
      consumer: 'functions-inventory-consumer',
    });
    for (const s of streamNames) expect(flatNames(streamNamings[s])).toEqual(flat(s, streams[s].contract.table));
  });

  test('a stream more gets names of its own, and no name of one stream is another stream’s', () => {
    const list = [...streamNames.map((s) => [s, streams[s].contract.table]), ['refunds', 'refunds']] as const;
    const names = list.map(([s, table]) => flat(s, table));
    expect(names[streamNames.length]).toEqual({
      queueUrlVariable: 'REFUNDS_QUEUE_URL',
      consumerFunction: 'refundsConsumer',
      twinQueue: 'refunds',
      consumerRole: 'refunds-consumer',
      queue: 'streams-refunds',
      deadLetterQueue: 'streams-refunds-dlq',
      consumer: 'functions-refunds-consumer',
      placeholders: {
        queue: 'refundsQueue',
        deadLetterQueue: 'refundsDlq',
        consumer: 'refundsConsumer',
        consumerLogs: 'refundsConsumerLogs',
      },
    });
    const all = names.flatMap((n) => [
      n.queueUrlVariable,
      n.consumerFunction,
      n.twinQueue,
      n.consumerRole,
      n.queue,
      n.deadLetterQueue,
      n.consumer,
      ...Object.values(n.placeholders).filter((p) => p !== n.consumerFunction),
    ]);
    expect(new Set(all).size).toBe(all.length);
  });

  test('a stream name that would not make an identifier, a variable and a resource name is refused', () => {
    for (const bad of ['', 'Sales', 'sales-returns', '1st', 'sales_returns'])
      expect(() => streamNaming(bad, 'returns')).toThrow(/must be lowercase letters and digits/);
  });

  test('the producer reads the queue variables the stack and the twin set (functions/producer.ts keeps its own rule)', () => {
    const urls = perStream((s) => `https://sqs/${s}`);
    expect(queueUrlVariables(urls)).toMatchObject({
      SALES_QUEUE_URL: 'https://sqs/sales',
      INVENTORY_QUEUE_URL: 'https://sqs/inventory',
    });
    expect(producerSettingsFromEnv(queueUrlVariables(urls)).queueUrls).toEqual(urls);
  });

  test('the fact tables are the streams’ contracts, in stream order', () => {
    expect(factTables).toEqual(streamNames.map((s) => streams[s].contract));
  });

  test('andList', () => {
    expect([[], ['a'], ['a', 'b'], ['a', 'b', 'c']].map(andList)).toEqual(['', 'a', 'a and b', 'a, b and c']);
  });
});

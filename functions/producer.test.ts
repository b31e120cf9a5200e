import { SQS_DEFAULT_MESSAGE_BYTES } from '../kernel/awsLimits';
import { producerSettingsFromEnv } from './producer';

const queues = { SALES_QUEUE_URL: 'https://sqs/sales', INVENTORY_QUEUE_URL: 'https://sqs/inventory' };

describe('producerSettingsFromEnv', () => {
  it('reads the environment infra/functions.ts sets, with its defaults', () => {
    expect(producerSettingsFromEnv({ ...queues })).toEqual({
      queueUrls: { sales: 'https://sqs/sales', inventory: 'https://sqs/inventory' },
      eventsPerMessage: 'fill',
      maxMessageBytes: SQS_DEFAULT_MESSAGE_BYTES,
      compression: 'gzip',
      windowMinutes: 15,
      peakLinesPerMinute: 2000,
      seed: 1,
      lostSalesRate: 0.04,
    });
    expect(
      producerSettingsFromEnv({
        ...queues,
        EVENTS_PER_MESSAGE: '10',
        MAX_MESSAGE_BYTES: '1048576',
        COMPRESSION: 'none',
        WINDOW_MINUTES: '1',
        PEAK_LINES_PER_MINUTE: '1',
        SEED: '4294967295',
        LOST_SALES_RATE: '0.5',
      }),
    ).toEqual({
      queueUrls: { sales: 'https://sqs/sales', inventory: 'https://sqs/inventory' },
      eventsPerMessage: 10,
      maxMessageBytes: 1048576,
      compression: 'none',
      windowMinutes: 1,
      peakLinesPerMinute: 1,
      seed: 4294967295,
      lostSalesRate: 0.5,
    });
  });

  it('takes an empty variable as unset', () => {
    const empty = { EVENTS_PER_MESSAGE: '', MAX_MESSAGE_BYTES: '', COMPRESSION: '', SEED: '', LOST_SALES_RATE: '' };
    expect(producerSettingsFromEnv({ ...queues, ...empty })).toEqual(producerSettingsFromEnv(queues));
  });

  it('lists every problem in one error, in the order of the variables', () => {
    expect(() =>
      producerSettingsFromEnv({
        SALES_QUEUE_URL: '',
        EVENTS_PER_MESSAGE: '0',
        COMPRESSION: 'zstd',
        MAX_MESSAGE_BYTES: '1023',
        WINDOW_MINUTES: '1.5',
        PEAK_LINES_PER_MINUTE: 'many',
        SEED: '-1',
        LOST_SALES_RATE: ' ',
      }),
    ).toThrow(
      new RangeError(
        'invalid producer settings: ' +
          [
            'SALES_QUEUE_URL is required',
            'INVENTORY_QUEUE_URL is required',
            `EVENTS_PER_MESSAGE must be 'fill' or a whole number 1..100000, got "0"`,
            'COMPRESSION must be gzip or none, got "zstd"',
            'MAX_MESSAGE_BYTES must be a whole number 1024..1048576, got "1023"',
            'WINDOW_MINUTES must be a whole number 1..1440, got "1.5"',
            'PEAK_LINES_PER_MINUTE must be a whole number 1..1000000, got "many"',
            'SEED must be a whole number 0..4294967295, got "-1"',
            'LOST_SALES_RATE must be a number 0..0.5, got " "',
          ].join('; '),
      ),
    );
  });
});

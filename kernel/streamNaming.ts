// Every name a stream gives the plumbing, derived from the stream's name and its fact table:
// the program's resources, the producer's environment, the shipped archives, the twin's
// queues and the access matrix all read them here. A stream added to `streams` in
// kernel/contracts.ts gets all of them; none is written by hand elsewhere. The derivation is
// pure and takes any stream name, so a test can derive the names of a stream not (yet) declared.
import { perStream, streamNames, streams, type StreamName } from './contracts';

export interface StreamNaming<S extends string = StreamName> {
  /** `sales`: the stream itself (its landing prefix's folder, its chunk ids, the twin's ledger column). */
  readonly stream: S;
  /** `SALES_QUEUE_URL`: the producer's environment variable holding the stream queue's URL. */
  readonly queueUrlVariable: string;
  /** `salesConsumer`: the consumer's function and archive. */
  readonly consumerFunction: `${S}Consumer`;
  /** `sales-transactions`: the twin's queue, after its prefix (the fact table's name in kebab case). */
  readonly twinQueue: string;
  /** `sales-consumer`: the consumer's role in the access matrix, and its Pulumi name under a component. */
  readonly consumerRole: `${S}-consumer`;
  /** Pulumi resource names under the component that declares them (`streams-sales`, `functions-sales-consumer`). */
  readonly resources: {
    queue(component: string): string;
    deadLetterQueue(component: string): string;
    consumer(component: string): string;
  };
  /** Access-matrix placeholders of the stream's resources: `salesQueue`, `salesDlq`, `salesConsumer`, `salesConsumerLogs`. */
  readonly placeholders: { queue: string; deadLetterQueue: string; consumer: string; consumerLogs: string };
}

/** The names of one stream whose fact table is `table`. */
export function streamNaming<S extends string>(stream: S, table: string): StreamNaming<S> {
  if (!/^[a-z][a-z0-9]*$/.test(stream))
    throw new Error(
      `stream name ${JSON.stringify(stream)} must be lowercase letters and digits, starting with a letter`,
    );
  const consumerFunction = `${stream}Consumer` as const;
  return Object.freeze({
    stream,
    queueUrlVariable: `${stream.toUpperCase()}_QUEUE_URL`,
    consumerFunction,
    twinQueue: table.replaceAll('_', '-'),
    consumerRole: `${stream}-consumer` as const,
    resources: Object.freeze({
      queue: (component: string) => `${component}-${stream}`,
      deadLetterQueue: (component: string) => `${component}-${stream}-dlq`,
      consumer: (component: string) => `${component}-${stream}-consumer`,
    }),
    placeholders: Object.freeze({
      queue: `${stream}Queue`,
      deadLetterQueue: `${stream}Dlq`,
      consumer: consumerFunction,
      consumerLogs: `${consumerFunction}Logs`,
    }),
  });
}

/** The names of every declared stream. */
export const streamNamings: Readonly<Record<StreamName, StreamNaming>> = perStream((stream) =>
  streamNaming(stream, streams[stream].contract.table),
);

/** `a`, `a and b`, `a, b and c`: a list in words (the streams in docs and printouts). */
export function andList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** The producer's queue variables, stream by stream: `SALES_QUEUE_URL` -> the sales queue's URL, ... */
export function queueUrlVariables<T>(queueUrls: Readonly<Record<StreamName, T>>): Record<string, T> {
  return Object.fromEntries(streamNames.map((s) => [streamNamings[s].queueUrlVariable, queueUrls[s]]));
}

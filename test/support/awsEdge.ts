// Services no emulator here covers (CloudWatch, QuickSight, EC2, Redshift Serverless), answered
// at the SDK's edge: a real client whose command pipeline ends in a table of answers by command
// name, before anything is signed or sent. The caller's code runs unchanged; an unanswered command
// fails loudly, so a step that starts calling something new cannot pass by accident.
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';

type Answer = (input: Record<string, unknown>) => unknown | Promise<unknown>;

/** Makes `client` answer each command in `answers` (by name, e.g. `DescribeAlarmsCommand`) and refuse any other. */
export function answerAtEdge<C extends { middlewareStack: object }>(client: C, answers: Record<string, Answer>): C {
  // Every client's stack takes an initialize middleware; its typed input/output differ per service.
  (client.middlewareStack as MiddlewareStack<object, MetadataBearer>).add(
    (_next, context) => async (args) => {
      const name = (context as { commandName?: string }).commandName ?? '?';
      const answer = answers[name];
      if (!answer) throw new Error(`the fake ${client.constructor.name} has no answer for ${name}`);
      const output = (await answer(args.input as Record<string, unknown>)) as object;
      return { output: { $metadata: { httpStatusCode: 200 }, ...output }, response: {} };
    },
    { step: 'initialize', name: 'answerAtEdge' },
  );
  return client;
}

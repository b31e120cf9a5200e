// Lambda's Invoke API on loopback, over bare archives (bareLambda.ts): the real
// @aws-sdk/client-lambda, pointed here, invokes the functions the program ships. It speaks
// what the SDK reads of the REST protocol (Lambda API reference, Invoke): POST
// /2015-03-31/functions/{name}/invocations, the payload as the body, and a function's own
// error as 200 with X-Amz-Function-Error and {errorType, errorMessage, trace}.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BareFunction } from './bareLambda';

export interface LambdaEndpoint {
  url: string;
  /** Invocations received, by function name. */
  invocations: Map<string, number>;
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export async function startLambdaEndpoint(functions: Record<string, BareFunction>): Promise<LambdaEndpoint> {
  const invocations = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const match = req.method === 'POST' ? INVOKE_PATH.exec((req.url ?? '').split('?')[0]) : null;
      if (!match) return reply(404, { message: `not a Lambda Invoke request: ${req.method} ${req.url}` });
      const name = decodeURIComponent(match[1]).split(':').at(-1)!;
      const fn = functions[name];
      if (!fn)
        return reply(
          404,
          { Type: 'User', message: `Function not found: ${name}` },
          { 'x-amzn-errortype': 'ResourceNotFoundException' },
        );
      let event: unknown;
      try {
        event = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        return reply(
          400,
          { Type: 'User', message: 'Could not parse request body into json' },
          {
            'x-amzn-errortype': 'InvalidRequestContentException',
          },
        );
      }
      invocations.set(name, (invocations.get(name) ?? 0) + 1);
      const answer = await fn.invoke(event);
      if (answer.error)
        return reply(
          200,
          {
            errorType: answer.error.name ?? 'Error',
            errorMessage: answer.error.message ?? '',
            trace: (answer.error.stack ?? '').split('\n'),
          },
          { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' },
        );
      reply(200, answer.result ?? null, { 'x-amz-executed-version': '$LATEST' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    invocations,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

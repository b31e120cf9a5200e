// One run of the program under mocks per stack, shared by the groups of the program suite
// (programSuite.ts) and read through a few helpers. One run per jest file: Pulumi's runtime
// state is per process.
import { parseStackConfig, type StackConfig } from '../../infra/config';
import { named, runUnderMocks, stackConfigUnderTest, type MockedResource, type MockRun } from '../../tools/mockGraph';

export const Q = 'aws:sqs/queue:Queue';
export const FN = 'aws:lambda/function:Function';
export const ROLE = 'aws:iam/role:Role';
export const ROLE_POLICY = 'aws:iam/rolePolicy:RolePolicy';
export const BUCKET = 'aws:s3/bucket:Bucket';
export const NAMESPACE = 'aws:redshiftserverless/namespace:Namespace';
export const WORKGROUP = 'aws:redshiftserverless/workgroup:Workgroup';
export const INVOCATION = 'aws:lambda/invocation:Invocation';
export const SCHEDULE = 'aws:scheduler/schedule:Schedule';
/** The deploy's clock of every program run under test: between two sales, so both stacks declare two. */
export const DEPLOY_TIME = '2027-06-01T00:00:00Z';

/** The stack's program run and its validated config; read them inside a test (they are set in beforeAll). */
export interface StackRun {
  stack: 'dev' | 'prod';
  readonly run: MockRun;
  readonly cfg: StackConfig;
  /** The state's ARN of the resource of this type and name. */
  arnOf(type: string, name: string): string;
}

/** Runs the stack's program once, before the tests of the enclosing describe. */
export function stackUnderMocks(
  stack: 'dev' | 'prod',
  outputsByType?: Record<string, Record<string, unknown>>,
): StackRun {
  let run: MockRun | undefined;
  let cfg: StackConfig | undefined;
  beforeAll(async () => {
    const config = stackConfigUnderTest(stack);
    cfg = parseStackConfig(config);
    run = await runUnderMocks({ stack, config, outputsByType, deployTime: DEPLOY_TIME });
  }, 120_000);
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error(`the ${stack} program has not run yet (read it inside a test)`);
    return value;
  };
  return {
    stack,
    get run() {
      return ready(run);
    },
    get cfg() {
      return ready(cfg);
    },
    arnOf: (type, name) => named(ready(run), type, name).state.arn as string,
  };
}

export function policyOf(r: MockedResource, key = 'policy'): { Statement: any[] } {
  return JSON.parse(r.inputs[key]);
}

/** Statements as [Sid, Effect, sorted actions, sorted resources], for exact comparison. */
export function shape(statements: any[]) {
  const arr = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
  return statements.map((s) => ({
    Sid: s.Sid,
    Effect: s.Effect,
    Action: [...arr(s.Action)].sort(),
    Resource: [...arr(s.Resource)].sort(),
    ...(s.Condition ? { Condition: s.Condition } : {}),
  }));
}

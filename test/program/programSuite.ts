// The whole program's resource graph under mocks, for one stack file (program.dev.test.ts,
// program.prod.test.ts: one program run per jest file, reused by every test). Each concern's
// assertions live in a suite of its own; this lists them.
import { describeFunctions } from './functionSuite';
import { DISTINCTIVE_ENDPOINT, describeGraph } from './graphSuite';
import { describeServiceIam } from './iamSuite';
import { describeLanding } from './landingSuite';
import { describeOps } from './opsSuite';
import { describePersonas } from './personaSuite';
import { describeQueues } from './queueSuite';
import { describeSchedule } from './scheduleSuite';
import { WORKGROUP, stackUnderMocks } from './stackRun';
import { describeWarehouse } from './warehouseSuite';

export function describeStack(stack: 'dev' | 'prod'): void {
  describe(`the ${stack} stack under mocks`, () => {
    const s = stackUnderMocks(stack, { [WORKGROUP]: { endpoints: [DISTINCTIVE_ENDPOINT] } });
    describeGraph(s);
    describeQueues(s);
    describeServiceIam(s);
    describeLanding(s);
    describeSchedule(s);
    describeWarehouse(s);
    describeFunctions(s);
    describePersonas(s);
    describeOps(s);
  });
}

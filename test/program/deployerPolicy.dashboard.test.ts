// The deployer's policy of the prod stack with the dashboard on (docs/deployer-policy.dashboard.json),
// evaluated against that stack's graph (see deployerSuite.ts).
import { describeDeployerPolicy } from './deployerSuite';

describeDeployerPolicy('prod', true);

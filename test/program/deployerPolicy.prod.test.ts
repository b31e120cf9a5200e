// The deployer's least-privilege policy, evaluated against the prod stack's graph (see deployerSuite.ts).
import { describeDeployerPolicy } from './deployerSuite';

describeDeployerPolicy('prod');

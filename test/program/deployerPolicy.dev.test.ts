// The deployer's least-privilege policy, evaluated against the dev stack's graph (see deployerSuite.ts).
import { describeDeployerPolicy } from './deployerSuite';

describeDeployerPolicy('dev');

import { describeStack } from './programSuite';

describeStack('dev');

import { describeStack } from './programSuite';

describeStack('prod');

import { describeAccess } from './accessSuite';

describeAccess('prod');

import { describeAccess } from './accessSuite';

describeAccess('dev');

// The prod stack with dashboardEnabled: true (see dashboardSuite.ts).
import { quicksightSuite } from './dashboardSuite';

quicksightSuite('prod');

// A run's windows inside the contract's timestamps: years 0001-9999.
import { runRangeProblem } from './runBounds';

it('takes a run that ends on the last instant, and refuses one a second longer or starting before year 1', () => {
  expect(runRangeProblem('9999-12-31T22:00:00Z', 120)).toBeUndefined();
  expect(runRangeProblem('0001-01-01T00:00:00Z', 15)).toBeUndefined();
  expect(runRangeProblem('9999-12-31T22:00:01Z', 120)).toMatch(
    /^start 9999-12-31T22:00:01Z plus the run's 2h ends after 9999-12-31T23:59:59Z/,
  );
  expect(runRangeProblem('0000-12-31T23:45:00Z', 30)).toMatch(/is before 0001-01-01T00:00:00Z/);
});

import { Problems } from './problems';

describe('Problems', () => {
  it('lists every problem in the order found, and throws them as one error', () => {
    const problems = new Problems()
      .check(true, 'never')
      .check(false, 'first')
      .whole('runs', 0, 1, 10)
      .whole('seed', 1.5, 0, 0xffffffff)
      .whole('size', 4, 1, 10)
      .add('last');
    expect(problems.all).toEqual([
      'first',
      'runs must be a whole number 1..10, got 0',
      'seed must be a whole number 0..4294967295, got 1.5',
      'last',
    ]);
    expect(() => problems.throwIfAny('invalid options')).toThrow(
      new RangeError(
        'invalid options: first; runs must be a whole number 1..10, got 0; seed must be a whole number 0..4294967295, got 1.5; last',
      ),
    );
  });

  it('builds a lazy message only when the check fails, and does not throw when empty', () => {
    const build = jest.fn(() => 'built');
    const problems = new Problems().check(true, build);
    expect(build).not.toHaveBeenCalled();
    expect(problems.empty).toBe(true);
    expect(() => problems.throwIfAny('x')).not.toThrow();
    problems.check(false, build);
    expect(build).toHaveBeenCalledTimes(1);
    expect(() => problems.throwIfAny('x', (m) => new TypeError(m))).toThrow(TypeError);
  });
});

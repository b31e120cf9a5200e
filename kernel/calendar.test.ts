import {
  calendarPeriods,
  loadCheckPeriods,
  rangeBound,
  rateExpression,
  rateTriggers,
  saleMorning,
  saleRangeProblems,
  thanksgivingDay,
  thanksgivingToCyberMonday,
  THANKSGIVING_TO_CYBER_MONDAY,
  type CalendarSpec,
} from './calendar';

const iso = (d: Date) => d.toISOString();

describe('the sale calendar', () => {
  it('knows US Thanksgiving: the fourth Thursday of November', () => {
    // timeanddate.com: 2026-11-26, 2027-11-25, 2028-11-23, 2030-11-28, 2033-11-24.
    expect([2026, 2027, 2028, 2030, 2033].map(thanksgivingDay)).toEqual([26, 25, 23, 28, 24]);
  });

  it('runs the preset from Thanksgiving 00:00 to the end of Cyber Monday, US Eastern (EST, UTC-5)', () => {
    const s = thanksgivingToCyberMonday(2027);
    expect(iso(s.start)).toBe('2027-11-25T05:00:00.000Z');
    expect(iso(s.end)).toBe('2027-11-30T05:00:00.000Z');
    expect((+s.end - +s.start) / 3_600_000).toBe(120);
  });

  it('lets Cyber Monday fall in December (2030)', () => {
    const s = thanksgivingToCyberMonday(2030);
    expect(iso(s.start)).toBe('2030-11-28T05:00:00.000Z');
    // Cyber Monday is 2 December 2030; the sale ends at the start of Tuesday 3 December.
    expect(iso(s.end)).toBe('2030-12-03T05:00:00.000Z');
  });

  it('reads explicit dates in US Eastern time, summer time included, and ISO instants as given', () => {
    expect(iso(rangeBound('2027-07-10', 'start')!)).toBe('2027-07-10T04:00:00.000Z');
    expect(iso(rangeBound('2027-07-11', 'end')!)).toBe('2027-07-12T04:00:00.000Z');
    expect(iso(rangeBound('2027-03-01T12:00:00Z', 'start')!)).toBe('2027-03-01T12:00:00.000Z');
    expect(rangeBound('2027-02-30', 'start')).toBeUndefined();
    expect(rangeBound('next friday', 'start')).toBeUndefined();
  });

  it('names every problem of an explicit list', () => {
    expect(
      saleRangeProblems([
        { start: '2027-07-10', end: '2027-07-12' },
        { start: '2027-07-12', end: '2027-07-13' },
        { start: '2027-08-02', end: '2027-08-01' },
        { start: 'soon', end: '2027-09-01' },
      ]),
    ).toEqual([
      '[2]: ends (2027-08-02T04:00:00.000Z) before it starts',
      '[3].start: "soon" is not an ISO-8601 instant or a YYYY-MM-DD date',
      '[1] overlaps [0]',
    ]);
  });

  const prod: CalendarSpec = {
    sale: THANKSGIVING_TO_CYBER_MONDAY,
    saleExpression: 'rate(1 minute)',
    trickleExpression: '',
    salesAhead: 2,
  };

  it('declares the coming sales from the clock: a deploy in December 2026 runs next November', () => {
    const periods = calendarPeriods(prod, new Date('2026-12-07T04:30:00Z'));
    expect(periods.map((p) => [p.name, p.kind, iso(p.start), iso(p.end), p.expression])).toEqual([
      ['sale-2027', 'sale', '2027-11-25T05:00:00.000Z', '2027-11-30T05:00:00.000Z', 'rate(1 minute)'],
      ['sale-2028', 'sale', '2028-11-23T05:00:00.000Z', '2028-11-28T05:00:00.000Z', 'rate(1 minute)'],
    ]);
  });

  it('keeps the sale under way at deploy time, and fills the gaps with the trickle when one is set', () => {
    const during = new Date('2027-11-27T12:00:00Z');
    const periods = calendarPeriods({ ...prod, trickleExpression: 'rate(1 hour)' }, during);
    expect(periods.map((p) => `${p.name} ${p.kind} ${iso(p.start)}..${iso(p.end)} ${p.expression}`)).toEqual([
      'sale-2027 sale 2027-11-25T05:00:00.000Z..2027-11-30T05:00:00.000Z rate(1 minute)',
      'trickle-2028 trickle 2027-11-30T05:00:00.000Z..2028-11-23T05:00:00.000Z rate(1 hour)',
      'sale-2028 sale 2028-11-23T05:00:00.000Z..2028-11-28T05:00:00.000Z rate(1 minute)',
    ]);
    const before = calendarPeriods({ ...prod, trickleExpression: 'rate(1 hour)' }, new Date('2027-06-01T00:00:00Z'));
    expect(before[0]).toMatchObject({ name: 'trickle-2027', start: new Date('2026-12-01T05:00:00Z') });
  });

  it('starts the twin on the morning after the sale opens: Black Friday 06:00 UTC', () => {
    expect(saleMorning(prod, new Date('2026-12-07T00:00:00Z'))).toBe('2026-11-27T06:00:00Z');
    expect(saleMorning(prod, new Date('2027-11-26T00:00:00Z'))).toBe('2027-11-26T06:00:00Z');
    expect(saleMorning({ sale: [{ start: '2027-07-10', end: '2027-07-11' }] }, new Date('2027-01-01'))).toBe(
      '2027-07-11T06:00:00Z',
    );
  });

  it('counts a rate schedule’s triggers from its first one, within a month', () => {
    const first = new Date('2027-11-25T05:00:00Z');
    const end = new Date('2027-11-30T05:00:00Z');
    const month = [new Date('2027-11-01T00:00:00Z'), new Date('2027-12-01T00:00:00Z')] as const;
    expect(rateTriggers(first, end, 1, ...month)).toHaveLength(120 * 60);
    expect(rateTriggers(first, end, 15, new Date('2027-11-25T05:07:00Z'), month[1])[0]).toBe(
      Date.parse('2027-11-25T05:15:00Z'),
    );
    expect(rateExpression(1)).toBe('rate(1 minute)');
    expect(rateExpression(120)).toBe('rate(2 hours)');
    expect(rateExpression(1440)).toBe('rate(1 day)');
  });
});

describe('the load check follows the calendar', () => {
  const periods = calendarPeriods(
    {
      sale: THANKSGIVING_TO_CYBER_MONDAY,
      saleExpression: 'rate(1 minute)',
      trickleExpression: 'rate(2 hours)',
      salesAhead: 1,
    },
    new Date('2027-06-01T00:00:00Z'),
  );

  it('runs at a multiple of each period’s cadence, and past the sale only for the tail', () => {
    const checks = loadCheckPeriods(periods, 15, 40);
    expect(checks.map((c) => `${c.name} ${c.expression} ..${c.end.toISOString()}`)).toEqual([
      // The trickle hands over to the sale at its start: no tail.
      'trickle-2027 rate(2 hours) ..2027-11-25T05:00:00.000Z',
      'sale-2027 rate(15 minutes) ..2027-11-30T05:40:00.000Z',
    ]);
  });
});

// The sale calendar: when the pipeline runs at its sale cadence, when it trickles, and when it
// idles. Pure: every function that needs "now" takes it as an argument, so a test pins the date.
// The program declares one EventBridge Scheduler schedule per period (startDate/endDate), the cost
// tool counts their triggers, and the twin starts its default run on a sale morning from it.

/** US Thanksgiving (the fourth Thursday of November) to the end of Cyber Monday, in US Eastern time. */
export const THANKSGIVING_TO_CYBER_MONDAY = 'us-thanksgiving-to-cyber-monday';
export const SALE_PRESETS = [THANKSGIVING_TO_CYBER_MONDAY] as const;
export type SalePreset = (typeof SALE_PRESETS)[number];

/** An explicit sale: ISO-8601 instants (`2027-03-01T00:00:00Z`), or dates read in US Eastern time (the end date included). */
export interface SaleRange {
  start: string;
  end: string;
}

export type SaleSpec = SalePreset | SaleRange[];

export const US_EASTERN = 'America/New_York';
const MINUTE = 60_000;
const DAY = 86_400_000;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** One period of the calendar: a schedule runs `expression` from `start` until `end`. */
export interface CalendarPeriod {
  /** Stable, unique, resource-name safe: `sale-2027`, `sale-2027-03-01`, `trickle-2027`. */
  name: string;
  kind: 'sale' | 'trickle';
  start: Date;
  end: Date;
  /** rate(N minutes|hours|days). */
  expression: string;
}

export interface CalendarSpec {
  sale: SaleSpec;
  /** The producer's cadence during the sale. */
  saleExpression: string;
  /** The producer's cadence outside the sale; '' idles. */
  trickleExpression: string;
  /** How many sales (the current one included) a deploy declares ahead. */
  salesAhead: number;
}

/** Minutes between triggers of `rate(N minute(s)|hour(s)|day(s))`; undefined for anything else. */
export function rateMinutesOf(expression: string): number | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match) return undefined;
  const value = Number(match[1]);
  return value * (match[2].startsWith('minute') ? 1 : match[2].startsWith('hour') ? 60 : 1440);
}

/** `rate(N minutes)` in the unit EventBridge Scheduler's grammar wants (singular for 1). */
export function rateExpression(minutes: number): string {
  const [value, unit] =
    minutes % 1440 === 0 ? [minutes / 1440, 'day'] : minutes % 60 === 0 ? [minutes / 60, 'hour'] : [minutes, 'minute'];
  return `rate(${value} ${unit}${value === 1 ? '' : 's'})`;
}

/** Offset of US Eastern from UTC at `instant`, in ms (negative: -5 h in winter, -4 h in summer). */
function easternOffset(instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: US_EASTERN,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant of midnight (00:00) US Eastern time on the given day. */
export function easternMidnight(year: number, month: number, day: number): Date {
  const wall = Date.UTC(year, month - 1, day);
  // Midnight is never in a DST gap in New York (changes happen at 02:00): one correction suffices.
  const guess = wall - easternOffset(wall);
  return new Date(wall - easternOffset(guess));
}

/** US Thanksgiving of `year`: the fourth Thursday of November (day of month). */
export function thanksgivingDay(year: number): number {
  const firstWeekday = new Date(Date.UTC(year, 10, 1)).getUTCDay();
  const firstThursday = 1 + ((4 - firstWeekday + 7) % 7);
  return firstThursday + 21;
}

/** Thanksgiving 00:00 to the end of Cyber Monday (Tuesday 00:00), US Eastern: five days. */
export function thanksgivingToCyberMonday(year: number): { start: Date; end: Date } {
  const day = thanksgivingDay(year);
  // Date.UTC rolls day 27 + 5 over into December, as Cyber Monday itself does in 2030.
  const tuesday = new Date(Date.UTC(year, 10, day + 5));
  return {
    start: easternMidnight(year, 11, day),
    end: easternMidnight(tuesday.getUTCFullYear(), tuesday.getUTCMonth() + 1, tuesday.getUTCDate()),
  };
}

/** Reads an explicit range's bound: an ISO instant, or a date in US Eastern time (`end` takes the whole day). */
export function rangeBound(text: string, bound: 'start' | 'end'): Date | undefined {
  const date = DATE_ONLY.exec(text);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const day = new Date(Date.UTC(y, m - 1, d));
    if (day.getUTCMonth() !== m - 1) return undefined;
    const next = new Date(day.getTime() + (bound === 'end' ? DAY : 0));
    return easternMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** Every problem with an explicit sale list: unreadable bounds, empty or overlapping ranges. */
export function saleRangeProblems(ranges: SaleRange[]): string[] {
  const problems: string[] = [];
  const read = ranges.map((r, i) => {
    const start = rangeBound(r.start, 'start');
    const end = rangeBound(r.end, 'end');
    if (!start)
      problems.push(`[${i}].start: ${JSON.stringify(r.start)} is not an ISO-8601 instant or a YYYY-MM-DD date`);
    if (!end) problems.push(`[${i}].end: ${JSON.stringify(r.end)} is not an ISO-8601 instant or a YYYY-MM-DD date`);
    if (start && end && end <= start) problems.push(`[${i}]: ends (${end.toISOString()}) before it starts`);
    return { i, start, end };
  });
  const ok = read.filter((r) => r.start && r.end && r.end > r.start).sort((a, b) => +a.start! - +b.start!);
  for (let k = 1; k < ok.length; k++)
    if (ok[k].start! < ok[k - 1].end!) problems.push(`[${ok[k].i}] overlaps [${ok[k - 1].i}]`);
  return problems;
}

/** Sales with their names, in order: the preset from the year before `now`'s, or the explicit ranges. */
function allSales(sale: SaleSpec, now: Date, count: number): { name: string; start: Date; end: Date }[] {
  if (typeof sale === 'string') {
    const first = now.getUTCFullYear() - 1;
    return Array.from({ length: count + 2 }, (_, k) => ({
      name: `sale-${first + k}`,
      ...thanksgivingToCyberMonday(first + k),
    }));
  }
  return sale
    .map((r) => ({ start: rangeBound(r.start, 'start')!, end: rangeBound(r.end, 'end')! }))
    .sort((a, b) => +a.start - +b.start)
    .map((r) => ({ name: `sale-${r.start.toISOString().slice(0, 10)}`, ...r }));
}

/**
 * The periods a deploy at `now` declares, in time order: the sales not yet over (at most
 * `salesAhead` of them), and when a trickle is configured, the gaps before and between them.
 * The first trickle starts where the last sale before `now` ended (or at `now` when there was none).
 */
export function calendarPeriods(spec: CalendarSpec, now: Date): CalendarPeriod[] {
  const sales = allSales(spec.sale, now, spec.salesAhead);
  const coming = sales.filter((s) => s.end > now).slice(0, spec.salesAhead);
  const periods: CalendarPeriod[] = [];
  let previousEnd = sales.filter((s) => s.end <= now).at(-1)?.end ?? now;
  for (const sale of coming) {
    if (spec.trickleExpression && sale.start > previousEnd && sale.start > now)
      periods.push({
        name: `trickle-${sale.name.slice('sale-'.length)}`,
        kind: 'trickle',
        start: previousEnd,
        end: sale.start,
        expression: spec.trickleExpression,
      });
    periods.push({ ...sale, kind: 'sale', expression: spec.saleExpression });
    previousEnd = sale.end;
  }
  return periods;
}

/** The sale periods of a calendar whose sale is current or next at `now`, and the one before. */
export function currentOrNextSale(spec: Pick<CalendarSpec, 'sale'>, now: Date): { start: Date; end: Date } | undefined {
  const sales = allSales(spec.sale, now, 1);
  const started = sales.filter((s) => s.start <= now).at(-1);
  return started ?? sales.find((s) => s.start > now);
}

/**
 * The twin's default start: 06:00 UTC of the sale's second day (Black Friday for the preset), for
 * the latest sale that has begun by `now`, or the next one when none has.
 */
export function saleMorning(spec: Pick<CalendarSpec, 'sale'>, now: Date): string {
  const sale = currentOrNextSale(spec, now);
  if (!sale) throw new RangeError('the calendar has no sale');
  const firstDay = Date.UTC(sale.start.getUTCFullYear(), sale.start.getUTCMonth(), sale.start.getUTCDate());
  return new Date(firstDay + DAY + 6 * 60 * MINUTE).toISOString().replace('.000Z', 'Z');
}

/**
 * When a rate schedule fires inside [from, to): every `minutes` from the schedule's first trigger
 * `first` (its startDate, or when it was created), up to but excluding its `end`.
 */
export function rateTriggers(first: Date, end: Date, minutes: number, from: Date, to: Date): number[] {
  const step = minutes * MINUTE;
  const lo = Math.max(+from, +first);
  const hi = Math.min(+to, +end);
  const times: number[] = [];
  for (let t = +first + Math.ceil((lo - +first) / step) * step; t < hi; t += step) times.push(t);
  return times;
}

/**
 * The load-error check's periods: each producer period, at a whole multiple of its cadence no
 * shorter than `atMostEveryMinutes` (so each check falls on a producer run's wake), extended by
 * `tailMinutes` while the period's last files can still land, unless the next period takes over.
 */
export function loadCheckPeriods(
  periods: CalendarPeriod[],
  atMostEveryMinutes: number,
  tailMinutes: number,
): CalendarPeriod[] {
  return periods.map((period, i) => {
    const cadence = rateMinutesOf(period.expression) ?? atMostEveryMinutes;
    const minutes = cadence * Math.max(1, Math.ceil(atMostEveryMinutes / cadence));
    const handedOver = periods[i + 1] && +periods[i + 1].start === +period.end;
    return {
      ...period,
      expression: rateExpression(minutes),
      end: handedOver ? period.end : new Date(+period.end + tailMinutes * MINUTE),
    };
  });
}

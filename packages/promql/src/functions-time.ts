/**
 * Calendar functions (`hour`, `minute`, `month`, `year`, `day_of_week`, ...), in UTC. Calendar fields
 * come from a days-since-epoch calculation, so every int64 second count works (not only the range a
 * JavaScript Date can hold).
 */
import { Labels } from '@vigil/model';
import type { StepSeries, VectorValue } from './eval-values.js';
import type { Evaluator } from './eval.js';
import { derivedSeries, floatPresence, finishVector, keepsDistinct } from './functions.js';

interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
  yearDay: number;
}

const MAX_INT64 = 9223372036854775807;

/** Go's `int64(f)` on amd64: truncation, and the minimum int64 for NaN and out-of-range values. */
function toInt64(f: number): number {
  if (f !== f || f >= MAX_INT64 || f < -MAX_INT64) return -9223372036854775808;
  return Math.trunc(f);
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** UTC calendar fields of a Unix time in seconds (proleptic Gregorian, as Go's time package). */
export function civilFromUnix(sec: number): Civil {
  const days = Math.floor(sec / 86400);
  const secOfDay = sec - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const cumulative = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
  const yearDay = cumulative[month - 1] + day + (month > 2 && isLeap(year) ? 1 : 0);
  const weekday = (((days + 4) % 7) + 7) % 7;
  return { year, month, day, hour: Math.floor(secOfDay / 3600), minute: Math.floor((secOfDay % 3600) / 60), weekday, yearDay };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export const DATE_FUNCTIONS: ReadonlyMap<string, (c: Civil) => number> = new Map<string, (c: Civil) => number>([
  ['year', (c) => c.year],
  ['month', (c) => c.month],
  ['day_of_month', (c) => c.day],
  ['day_of_week', (c) => c.weekday],
  ['day_of_year', (c) => c.yearDay],
  ['hour', (c) => c.hour],
  ['minute', (c) => c.minute],
  ['days_in_month', (c) => (c.month === 2 && isLeap(c.year) ? 29 : DAYS_IN_MONTH[c.month - 1])],
]);

/** A calendar function of each sample value (seconds), or of the evaluation time without an argument. */
export function evalDateFunction(ev: Evaluator, name: string, input: VectorValue | null): VectorValue {
  const f = DATE_FUNCTIONS.get(name)!;
  const n = ev.n;
  if (input === null) {
    const values = ev.f64();
    for (let i = 0; i < n; i++) values[i] = f(civilFromUnix(Math.trunc(ev.time(i) / 1000)));
    return { type: 'vector', series: [{ labels: Labels.EMPTY, values, present: ev.u8().fill(1), dropName: false }] };
  }
  const out: StepSeries[] = [];
  for (const s of input.series) {
    const values = ev.f64();
    for (let i = 0; i < n; i++) if (s.present[i] === 1) values[i] = f(civilFromUnix(toInt64(s.values[i])));
    // Histogram samples have no time value: left out.
    out.push(derivedSeries(ev, s, values, floatPresence(ev, s)));
  }
  return finishVector(ev, out, keepsDistinct(input));
}

// AssemblyScript: the timestamps API servers write, read in the line (layout.as.ts) by the walk and the request counter.
import { lineByte } from './layout.as';

/**
 * Epoch milliseconds of the timestamps API servers write (2025-06-01T00:00:00.012480Z: UTC,
 * 0 to 9 fraction digits, fraction cut, a day past the month's end rolled over), NaN for every other form, which the caller hands to
 * utc-timestamp.ts and Date.parse: the same rules as utcTimestamp there.
 */
export function epochMs(start: i32, stop: i32): f64 {
  const length = stop - start;
  if (length < 20 || length > 30 || lineByte(stop - 1) != 0x5a) return NaN;
  if (
    lineByte(start + 4) != 0x2d ||
    lineByte(start + 7) != 0x2d ||
    lineByte(start + 10) != 0x54 ||
    lineByte(start + 13) != 0x3a ||
    lineByte(start + 16) != 0x3a
  )
    return NaN;
  const year = decimal(start, 4);
  const month = decimal(start + 5, 2);
  const day = decimal(start + 8, 2);
  const hour = decimal(start + 11, 2);
  const minute = decimal(start + 14, 2);
  const second = decimal(start + 17, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 31) return NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  let ms = 0;
  if (length > 20) {
    if (lineByte(start + 19) != 0x2e || length == 21) return NaN;
    let place = 100;
    for (let i = start + 20; i < stop - 1; i++) {
      const b = lineByte(i);
      if (!isDigit(b)) return NaN;
      ms += <i32>(b - 0x30) * place;
      place /= 10;
    }
  }
  // Days since 1970-01-01 of a proleptic Gregorian date (years from 1000 on, so no era below 0).
  const y = month <= 2 ? year - 1 : year;
  const era = y / 400;
  const yearOfEra = y - era * 400;
  const dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
  const days = era * 146097 + dayOfEra - 719468;
  return <f64>days * 86400000 + <f64>(((hour * 60 + minute) * 60 + second) * 1000 + ms);
}

/** The decimal number of `count` digits at `at`, or -1. */
function decimal(at: i32, count: i32): i32 {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const b = lineByte(i);
    if (!isDigit(b)) return -1;
    n = n * 10 + <i32>(b - 0x30);
  }
  return n;
}


@inline function isDigit(b: u32): bool {
  return b >= 0x30 && b <= 0x39;
}

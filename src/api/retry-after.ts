/**
 * The HTTP `Retry-After` response header, read strictly as RFC 9110 defines it:
 *
 *   Retry-After = HTTP-date / delay-seconds          (RFC 9110 §10.2.3)
 *   delay-seconds = 1*DIGIT
 *   HTTP-date = IMF-fixdate / obs-date               (RFC 9110 §5.6.7)
 *
 * A value that is neither is malformed and yields `undefined`, so the caller falls back to its
 * own backoff. `Date.parse` is not used: it reads `"120junk"` as the year 120 and `"-5"` as a
 * date in 2001, which would turn a malformed header into "retry now".
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const MONTH = MONTHS.join('|');

/** `Sun, 06 Nov 1994 08:49:37 GMT` (the preferred format). */
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) (${MONTH}) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`);
/** `Sunday, 06-Nov-94 08:49:37 GMT` (obsolete RFC 850 format, two-digit year). */
const RFC850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-(${MONTH})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`);
/** `Sun Nov  6 08:49:37 1994` (obsolete asctime format, always GMT). */
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (${MONTH}) ( \\d|\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})$`);

/**
 * Parses an HTTP `Retry-After` value into whole seconds to wait, counted from `nowMs` (ms since
 * the epoch): delay-seconds as given, an HTTP-date as the seconds from `nowMs` to it (rounded up;
 * 0 for a date in the past). Surrounding whitespace is ignored. Anything else — `120junk`, `-5`,
 * `1.5`, an empty value, a date in another format — is malformed: `undefined`.
 * Source: RFC 9110 §10.2.3 (Retry-After) and §5.6.7 (HTTP-date formats, all three of which a
 * recipient must accept).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = parseHttpDate(text, nowMs);
  if (at === undefined) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/**
 * An HTTP-date (RFC 9110 §5.6.7) as ms since the epoch, or undefined when `text` is not one or
 * names no real time (31 Feb, 25:00). A two-digit RFC 850 year is the year with those last two
 * digits that is not more than 50 years after `nowMs`, as §5.6.7 requires.
 */
function parseHttpDate(text: string, nowMs: number): number | undefined {
  let fields: [year: number, month: string, day: number, hour: number, minute: number, second: number];
  let match: RegExpExecArray | null;
  if ((match = IMF_FIXDATE.exec(text))) {
    fields = [Number(match[3]), match[2]!, Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6])];
  } else if ((match = RFC850_DATE.exec(text))) {
    const thisYear = new Date(nowMs).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(match[3]);
    if (year > thisYear + 50) year -= 100;
    fields = [year, match[2]!, Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6])];
  } else if ((match = ASCTIME_DATE.exec(text))) {
    fields = [Number(match[6]), match[1]!, Number(match[2]!.trim()), Number(match[3]), Number(match[4]), Number(match[5])];
  } else {
    return undefined;
  }
  const [year, monthName, day, hour, minute, second] = fields;
  const month = MONTHS.indexOf(monthName as (typeof MONTHS)[number]);
  // A leap second (:60) is allowed by the grammar; it counts as the next second.
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const at = Date.UTC(year, month, day, hour, minute, second);
  const check = new Date(Date.UTC(year, month, day));
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month) return undefined;
  return at;
}

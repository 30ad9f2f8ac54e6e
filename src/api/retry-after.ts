/**
 * The HTTP `Retry-After` response header (RFC 9110 §10.2.3), read as the client needs it.
 */

/**
 * Parses an HTTP `Retry-After` value into seconds from `nowMs`: digits first (delta-seconds),
 * then an HTTP date; anything else is ignored. (`Date.parse("120")` is the year 120, hence
 * the order.) Source: RFC 9110 §10.2.3.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

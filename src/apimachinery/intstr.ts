/** IntOrString percentages, as upstream's apimachinery util/intstr. */

/** An invalid int-or-percent value (e.g. a maxSurge or maxUnavailable). */
export class IntOrPercentError extends Error {
  override readonly name = 'IntOrPercentError';
}

/**
 * Upstream's GetScaledValueFromIntOrPercent: a number is used as is; "N%" is N percent of
 * `total`, rounded up or down. Throws IntOrPercentError for other strings.
 */
export function scaledValueFromIntOrPercent(value: number | string, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const match = /^(-?\d+)%$/.exec(value);
  if (!match) {
    if (/^-?\d+$/.test(value)) throw new IntOrPercentError(`invalid type: string is not a percentage`);
    throw new IntOrPercentError(`invalid value for IntOrString: invalid value ${JSON.stringify(value)}`);
  }
  // Integer arithmetic first so 25% of 4 is exactly 1 (no float drift before ceil/floor).
  const scaled = Number(match[1]) * total;
  return roundUp ? Math.ceil(scaled / 100) : Math.floor(scaled / 100);
}

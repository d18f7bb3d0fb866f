import { badRequest } from './errors.js';

/** An optional integer query parameter; 400 when present but not an integer. */
export function optionalIntParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return n;
}

/**
 * A boolean query parameter read as upstream's query conversion reads it: absent is false; "0"
 * and "false" (any case) are false; every other value, the empty string and "True" included, is
 * true.
 */
export function boolParam(query: URLSearchParams, name: string): boolean {
  return optionalBoolParam(query, name) ?? false;
}

/** A boolean query parameter that may be absent (upstream's `*bool` options): undefined when absent, else as {@link boolParam}. */
export function optionalBoolParam(query: URLSearchParams, name: string): boolean | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  const lower = v.toLowerCase();
  return lower !== 'false' && lower !== '0';
}

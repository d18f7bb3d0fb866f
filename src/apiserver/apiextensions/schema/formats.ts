/**
 * Upstream's string formats for custom resources (kube-openapi's strfmt registry, as
 * apiextensions-apiserver supports them); a format not listed here is not checked, as upstream.
 */
const checks: Record<string, (v: string) => boolean> = {
  'date-time': isDateTime,
  datetime: isDateTime,
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)),
  duration: (v) => /^(\s*[-+]?\d+(\.\d+)?\s*(ns|us|µs|ms|s|m|h|d|w)\s*)+$/.test(v),
  byte: (v) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v),
  uuid: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v),
  uuid3: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v),
  uuid4: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(v),
  uuid5: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(v),
  email: (v) => /^[^\s@]+@[^\s@]+$/.test(v),
  hostname: (v) =>
    v.length <= 255 && /^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/.test(v),
  ipv4: isIPv4,
  ipv6: isIPv6,
  cidr: (v) => {
    const [ip, bits, extra] = v.split('/');
    if (extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
    return (isIPv4(ip) && Number(bits) <= 32) || (isIPv6(ip) && Number(bits) <= 128);
  },
  mac: (v) => /^([0-9a-fA-F]{2}([:-]))([0-9a-fA-F]{2}\2){4}[0-9a-fA-F]{2}$/.test(v) || /^([0-9a-fA-F]{4}\.){2}[0-9a-fA-F]{4}$/.test(v),
  uri: (v) => /^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$/.test(v),
  hexcolor: (v) => /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(v),
  rgbcolor: (v) => /^rgb\(\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*\)$/.test(v),
  bsonobjectid: (v) => /^[0-9a-fA-F]{24}$/.test(v),
  password: () => true,
};

function isDateTime(v: string): boolean {
  return /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T')));
}

function isIPv4(v: string): boolean {
  const parts = v.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIPv6(v: string): boolean {
  if (!v.includes(':') || !/^[0-9a-fA-F:.]+$/.test(v)) return false;
  const doubles = v.split('::').length - 1;
  if (doubles > 1) return false;
  const groups = v.split(':').filter((g) => g !== '');
  const last = groups.at(-1) ?? '';
  const v4 = last.includes('.');
  if (v4 && !isIPv4(last)) return false;
  const hex = v4 ? groups.slice(0, -1) : groups;
  if (!hex.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = hex.length + (v4 ? 2 : 0);
  return doubles ? count < 8 : count === 8;
}

/** True when `value` is valid for string format `format` (unknown formats always are). */
export function matchesFormat(format: string, value: string): boolean {
  const check = checks[format];
  return check ? check(value) : true;
}

/** Options of {@link StringInterner}. */
export interface StringInternerOptions {
  /** Strings remembered before the table starts over (default 65,536). */
  maxEntries?: number;
  /** Longer strings are left alone (default 128): the repeated ones are short. */
  maxLength?: number;
}

/**
 * Makes equal short strings of decoded objects one string in memory. Every decode of an API
 * object (JSON.parse) makes new strings, so the same image, scheduler name, condition type or
 * mount path is held once per object per decode; a cache that keeps thousands of pods holds
 * each of those strings thousands of times. Strings are immutable and compared by value, so
 * handing out an equal string that is already held changes nothing but memory.
 *
 * The table is bounded: when it holds `maxEntries` strings it starts over (strings seen once,
 * such as UIDs, would otherwise fill it for ever); a repeated string is back in it at its next
 * sighting.
 */
export class StringInterner {
  private table = new Map<string, string>();
  private readonly maxEntries: number;
  private readonly maxLength: number;

  constructor(options: StringInternerOptions = {}) {
    this.maxEntries = options.maxEntries ?? 65_536;
    this.maxLength = options.maxLength ?? 128;
  }

  /** The held string equal to `text` (remembering `text` when none is). */
  intern(text: string): string {
    if (text.length > this.maxLength) return text;
    const held = this.table.get(text);
    if (held !== undefined) return held;
    if (this.table.size >= this.maxEntries) this.table = new Map();
    this.table.set(text, text);
    return text;
  }

  /**
   * Replaces, in place, every string value inside a JSON value just decoded (and not yet shared)
   * by its interned equal; returns the value (a string argument's interned equal).
   */
  internAll<T>(value: T): T {
    if (typeof value === 'string') return this.intern(value) as T;
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i] as unknown;
        if (typeof item === 'string') value[i] = this.intern(item);
        else if (typeof item === 'object' && item !== null) this.internAll(item);
      }
      return value;
    }
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const item = record[key];
      if (typeof item === 'string') record[key] = this.intern(item);
      else if (typeof item === 'object' && item !== null) this.internAll(item);
    }
    return value;
  }
}

/**
 * A small Prometheus metrics library: counters, gauges and histograms, each optionally a vector
 * over label names, kept in a {@link Registry} that renders the text exposition format 0.0.4
 * (what upstream components serve at /metrics). There is no default registry: the composition
 * root creates one per process and hands it to the components that record into it.
 */

/** The Content-Type of {@link Registry.render}'s answer. */
export const textFormatContentType = 'text/plain; version=0.0.4; charset=utf-8';

/** Prometheus' default histogram buckets (seconds), as client_golang's DefBuckets. */
export const defaultBuckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** `count` buckets starting at `start`, each `factor` times the previous (client_golang's ExponentialBuckets). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (start <= 0 || factor <= 1 || count < 1) throw new Error(`exponentialBuckets: invalid start ${start}, factor ${factor} or count ${count}`);
  const buckets: number[] = [];
  for (let i = 0, b = start; i < count; i++, b *= factor) buckets.push(b);
  return buckets;
}

/** What every metric family is declared with. */
export interface MetricOptions {
  /** The family's name, e.g. `apiserver_request_total` (counters end in `_total`). */
  name: string;
  /** The HELP text. */
  help: string;
  /** Label names, in the order `labels(...)` takes their values. Default: none. */
  labelNames?: readonly string[];
}

/** Options of a {@link Histogram}. */
export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, increasing; +Inf is implied. Default {@link defaultBuckets}. */
  buckets?: readonly number[];
}

/** Options of {@link Registry}. */
export interface RegistryOptions {
  /** A monotonic clock in milliseconds, for timing what is observed. Default `performance.now`. */
  now?: () => number;
}

type MetricType = 'counter' | 'gauge' | 'histogram';

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A sample value as the text format writes it. */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** Escapes HELP text: backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

/** `{a="x",b="y"}` (with `extra` appended), or '' when there are no labels. */
function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const pairs = names.map((n, i) => `${n}="${escapeLabelValue(values[i] ?? '')}"`);
  if (extra !== undefined) pairs.push(extra);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** A level of the label-value tree: further levels, or the child at the last label. */
type Level<C> = Map<string, Level<C>> | { child: C };

/**
 * The children of a family, found by walking one map per label so that a lookup of existing
 * label values allocates nothing.
 */
class ChildTable<C> {
  private root = new Map<string, Level<C>>();
  readonly entries: { values: readonly string[]; child: C }[] = [];

  constructor(
    private readonly family: string,
    private readonly labelNames: readonly string[],
  ) {}

  get(values: readonly string[], make: () => C): C {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.family}: ${values.length} label values given for ${this.labelNames.length} labels (${this.labelNames.join(', ')})`);
    }
    if (values.length === 0) {
      const only = this.entries[0];
      if (only) return only.child;
    }
    let level: Map<string, Level<C>> = this.root;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      const next = level.get(value);
      if (i === values.length - 1) {
        if (next && !(next instanceof Map)) return next.child;
        const child = make();
        level.set(value, { child });
        this.entries.push({ values: [...values], child });
        return child;
      }
      if (next instanceof Map) {
        level = next;
      } else {
        const created = new Map<string, Level<C>>();
        level.set(value, created);
        level = created;
      }
    }
    const child = make();
    this.entries.push({ values: [], child });
    return child;
  }

  /** Forgets every child. */
  clear(): void {
    this.root = new Map();
    this.entries.length = 0;
  }
}

/** What the registry needs from every family. */
interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  /** Appends the family's sample lines to `out`. */
  writeSamples(out: string[]): void;
}

/** One counter: a value that only goes up. */
export class CounterChild {
  private value = 0;

  /** Adds `amount` (default 1); a negative amount is an error. */
  inc(amount = 1): void {
    if (amount < 0) throw new Error('a counter cannot decrease');
    this.value += amount;
  }

  /** The current value. */
  get(): number {
    return this.value;
  }
}

/** One gauge: a value that goes up and down. */
export class GaugeChild {
  private value = 0;

  /** Sets the value. */
  set(value: number): void {
    this.value = value;
  }

  /** Adds `amount` (default 1). */
  inc(amount = 1): void {
    this.value += amount;
  }

  /** Subtracts `amount` (default 1). */
  dec(amount = 1): void {
    this.value -= amount;
  }

  /** The current value. */
  get(): number {
    return this.value;
  }
}

/** One histogram: counts of observations per bucket, their sum and count. */
export class HistogramChild {
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(private readonly upperBounds: readonly number[]) {
    this.counts = new Array<number>(upperBounds.length + 1).fill(0);
  }

  /** Records one observation. */
  observe(value: number): void {
    const bounds = this.upperBounds;
    // Binary search for the first bound >= value.
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (value <= bounds[mid]) hi = mid;
      else lo = mid + 1;
    }
    this.counts[lo]++;
    this.sum += value;
    this.count++;
  }

  /** The number of observations. */
  sampleCount(): number {
    return this.count;
  }

  /** The sum of observations. */
  sampleSum(): number {
    return this.sum;
  }

  /** Cumulative counts per upper bound, +Inf last. */
  cumulativeCounts(): number[] {
    let running = 0;
    return this.counts.map((c) => (running += c));
  }
}

abstract class BaseFamily<C> implements Family {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly type: MetricType;
  protected readonly children: ChildTable<C>;

  constructor(options: MetricOptions) {
    if (!metricNamePattern.test(options.name)) throw new Error(`invalid metric name ${JSON.stringify(options.name)}`);
    const labelNames = options.labelNames ?? [];
    for (const l of labelNames) {
      if (!labelNamePattern.test(l) || l.startsWith('__')) throw new Error(`${options.name}: invalid label name ${JSON.stringify(l)}`);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = labelNames;
    this.children = new ChildTable<C>(options.name, labelNames);
  }

  protected abstract makeChild(): C;

  /** The child for these label values (in `labelNames` order), created on first use. */
  labels(...values: string[]): C {
    return this.children.get(values, () => this.makeChild());
  }

  /**
   * Removes every child (client_golang's `Reset`): for series computed afresh at each scrape,
   * whose label values come and go (a gone endpoint must not keep its last value).
   */
  reset(): void {
    this.children.clear();
  }

  writeSamples(out: string[]): void {
    // A family without labels always has its one sample, as client_golang's plain metrics.
    if (this.labelNames.length === 0) this.labels();
    this.writeChildSamples(out);
  }

  protected abstract writeChildSamples(out: string[]): void;
}

/** A counter family (a vector when it has label names); names end in `_total`. */
export class Counter extends BaseFamily<CounterChild> {
  readonly type = 'counter';

  protected makeChild(): CounterChild {
    return new CounterChild();
  }

  /** Adds to the unlabelled counter. */
  inc(amount = 1): void {
    this.labels().inc(amount);
  }

  protected writeChildSamples(out: string[]): void {
    for (const { values, child } of this.children.entries) out.push(`${this.name}${labelText(this.labelNames, values)} ${formatValue(child.get())}`);
  }
}

/** A gauge family (a vector when it has label names). */
export class Gauge extends BaseFamily<GaugeChild> {
  readonly type = 'gauge';

  protected makeChild(): GaugeChild {
    return new GaugeChild();
  }

  /** Sets the unlabelled gauge. */
  set(value: number): void {
    this.labels().set(value);
  }

  protected writeChildSamples(out: string[]): void {
    for (const { values, child } of this.children.entries) out.push(`${this.name}${labelText(this.labelNames, values)} ${formatValue(child.get())}`);
  }
}

/** A histogram family (a vector when it has label names): `_bucket{le=...}`, `_sum` and `_count` samples. */
export class Histogram extends BaseFamily<HistogramChild> {
  readonly type = 'histogram';
  /** The upper bounds, increasing, without +Inf. */
  readonly buckets: readonly number[];

  constructor(options: HistogramOptions) {
    const buckets = [...(options.buckets ?? defaultBuckets)].filter((b) => b !== Infinity);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i] > buckets[i - 1])) throw new Error(`${options.name}: buckets must increase`);
    }
    if ((options.labelNames ?? []).includes('le')) throw new Error(`${options.name}: "le" is reserved for buckets`);
    super(options);
    this.buckets = buckets;
  }

  protected makeChild(): HistogramChild {
    return new HistogramChild(this.buckets);
  }

  /** Records one observation in the unlabelled histogram. */
  observe(value: number): void {
    this.labels().observe(value);
  }

  protected writeChildSamples(out: string[]): void {
    const les = [...this.buckets.map(formatValue), '+Inf'];
    for (const { values, child } of this.children.entries) {
      const cumulative = child.cumulativeCounts();
      for (let i = 0; i < les.length; i++) {
        out.push(`${this.name}_bucket${labelText(this.labelNames, values, `le="${les[i]}"`)} ${cumulative[i]}`);
      }
      const labels = labelText(this.labelNames, values);
      out.push(`${this.name}_sum${labels} ${formatValue(child.sampleSum())}`);
      out.push(`${this.name}_count${labels} ${child.sampleCount()}`);
    }
  }
}

/**
 * The metric families of one process, rendered in the Prometheus text format. Declaring a
 * family that exists returns it (components built again, e.g. after a leader election, record
 * into the same series); declaring it with another type or other labels is an error.
 */
export class Registry {
  /** The registry's monotonic clock in milliseconds, for timing observations. */
  readonly now: () => number;
  private readonly families = new Map<string, Family>();
  private readonly collectHooks = new Set<() => void | Promise<void>>();

  constructor(options: RegistryOptions = {}) {
    this.now = options.now ?? (() => performance.now());
  }

  /** A counter family (its name should end in `_total`). */
  counter(options: MetricOptions): Counter {
    return this.declare(options, 'counter', () => new Counter(options)) as Counter;
  }

  /** A gauge family. */
  gauge(options: MetricOptions): Gauge {
    return this.declare(options, 'gauge', () => new Gauge(options)) as Gauge;
  }

  /** A histogram family. */
  histogram(options: HistogramOptions): Histogram {
    return this.declare(options, 'histogram', () => new Histogram(options)) as Histogram;
  }

  /**
   * Runs `hook` before each render, to set gauges computed on demand (object counts, running
   * containers). A hook that throws leaves its gauges as they were. Returns a function that
   * removes the hook.
   */
  onCollect(hook: () => void | Promise<void>): () => void {
    this.collectHooks.add(hook);
    return () => this.collectHooks.delete(hook);
  }

  /** Runs the collect hooks, then renders every family (sorted by name) in the text format 0.0.4. */
  async render(onHookError?: (err: unknown) => void): Promise<string> {
    const results = await Promise.allSettled([...this.collectHooks].map(async (hook) => hook()));
    for (const r of results) if (r.status === 'rejected') onHookError?.(r.reason);
    const out: string[] = [];
    const names = [...this.families.keys()].sort();
    for (const name of names) {
      const family = this.families.get(name) as Family;
      out.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`);
      family.writeSamples(out);
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }

  private declare(options: MetricOptions, type: MetricType, make: () => Family): Family {
    const existing = this.families.get(options.name);
    if (existing) {
      const labels = options.labelNames ?? [];
      if (existing.type !== type || existing.labelNames.join(',') !== labels.join(',')) {
        throw new Error(`metric ${options.name} is already registered as a ${existing.type} with labels (${existing.labelNames.join(', ')})`);
      }
      return existing;
    }
    const family = make();
    this.families.set(options.name, family);
    return family;
  }
}

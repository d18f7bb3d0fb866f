import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';

/** One line of a CRI container log file: `<RFC3339Nano> <stdout|stderr> <P|F> <content>`. */
export interface CriLogLine {
  /** The timestamp as written in the file. */
  time: string;
  /** The timestamp in milliseconds since the epoch (truncated), for comparisons. */
  timeMs: number;
  stream: 'stdout' | 'stderr';
  /** True for `P`: the content continues in the next line (containerd splits long lines). */
  partial: boolean;
  /** The content, without the line's newline. */
  content: Buffer;
}

const SPACE = 0x20;
const NEWLINE = 0x0a;

/** Parses one CRI log line (without its trailing newline); undefined when malformed. */
export function parseCriLogLine(line: Buffer): CriLogLine | undefined {
  const first = line.indexOf(SPACE);
  if (first <= 0) return undefined;
  const second = line.indexOf(SPACE, first + 1);
  if (second < 0) return undefined;
  const stream = line.subarray(first + 1, second).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  // The tag field may hold several `:`-separated tags; `P` is the only one defined.
  const third = line.indexOf(SPACE, second + 1);
  const tagEnd = third < 0 ? line.length : third;
  const tags = line.subarray(second + 1, tagEnd).toString('latin1');
  const time = line.subarray(0, first).toString('latin1');
  const timeMs = Date.parse(time);
  if (Number.isNaN(timeMs)) return undefined;
  return {
    time,
    timeMs,
    stream,
    partial: tags.split(':').includes('P'),
    content: third < 0 ? Buffer.alloc(0) : line.subarray(third + 1),
  };
}

/**
 * A timestamp in upstream's RFC3339NanoFixed form (nine fraction digits, zone kept), as the
 * kubelet prints it for `kubectl logs --timestamps`.
 */
export function fixedNanoTimestamp(time: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(time);
  if (!m) return time;
  return `${m[1]}.${(m[2] ?? '').slice(0, 9).padEnd(9, '0')}${m[3]}`;
}

/** Options of {@link readContainerLog}. */
export interface ReadContainerLogOptions {
  /** Keep reading as the file grows (default false). */
  follow?: boolean;
  /** Start this many lines from the end of the file (default: the whole file); 0 prints nothing old. */
  tailLines?: number;
  /** Skip lines logged before this time. */
  sinceTime?: Date;
  /** Prefix each line with its RFC3339Nano timestamp (default false). */
  timestamps?: boolean;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
  /** Stops reading (a follow ends only through it or through `isContainerRunning`). */
  signal?: AbortSignal;
  /** When following: once this says false and the file is drained, reading ends. Default: always running. */
  isContainerRunning?: () => boolean;
  /** How often a follow checks the file when no change notification came (default 250 ms). */
  pollIntervalMs?: number;
}

const CHUNK = 64 * 1024;

/** The offset at which the last `lines` lines of the file start. */
async function tailOffset(file: FileHandle, size: number, lines: number): Promise<number> {
  if (lines <= 0) return size;
  let end = size;
  let found = 0;
  // A last line without a newline still counts as a line.
  let skipFinalNewline = true;
  const buf = Buffer.alloc(CHUNK);
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const { bytesRead } = await file.read(buf, 0, end - start, start);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buf[i] !== NEWLINE) {
        skipFinalNewline = false;
        continue;
      }
      if (skipFinalNewline) {
        skipFinalNewline = false;
        continue;
      }
      found++;
      if (found === lines) return start + i + 1;
    }
    end = start;
  }
  return 0;
}

/** Turns log lines into output: joins partial lines, filters by time, adds timestamps, limits bytes. */
class LogFormatter {
  private inPartial = false;
  private written = 0;

  constructor(
    private readonly options: ReadContainerLogOptions,
    private readonly out: Writable,
  ) {}

  /** True once limitBytes is reached. */
  get full(): boolean {
    return this.options.limitBytes !== undefined && this.written >= this.options.limitBytes;
  }

  async line(raw: Buffer): Promise<void> {
    const line = parseCriLogLine(raw);
    if (!line) return;
    const since = this.options.sinceTime;
    if (since && line.timeMs < since.getTime()) return;
    const parts: Buffer[] = [];
    // Continuations of a partial line keep the first part's prefix only.
    if (this.options.timestamps && !this.inPartial) parts.push(Buffer.from(`${fixedNanoTimestamp(line.time)} `));
    parts.push(line.content);
    if (!line.partial) parts.push(Buffer.from('\n'));
    this.inPartial = line.partial;
    await this.write(Buffer.concat(parts));
  }

  private async write(data: Buffer): Promise<void> {
    if (this.full || this.out.destroyed || this.out.writableEnded) return;
    const limit = this.options.limitBytes;
    const chunk = limit !== undefined && this.written + data.length > limit ? data.subarray(0, limit - this.written) : data;
    this.written += chunk.length;
    if (this.out.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('close', done);
        this.options.signal?.removeEventListener('abort', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
      this.options.signal?.addEventListener('abort', done);
    });
  }
}

/**
 * Writes a CRI container log file's content to `out` as the kubelet serves `containerLogs`:
 * lines joined across partial (`P`) records, optionally from the last `tailLines`, after
 * `sinceTime`, with timestamps, up to `limitBytes`. With `follow`, keeps reading as the file
 * grows (and reopens it when it is replaced, as after a rotation) until the signal aborts, the
 * output closes, or `isContainerRunning()` is false and the file is drained. Does not end `out`.
 */
export async function readContainerLog(path: string, options: ReadContainerLogOptions, out: Writable): Promise<void> {
  const signal = options.signal;
  const formatter = new LogFormatter(options, out);
  const stopped = () => signal?.aborted === true || formatter.full || out.destroyed || out.writableEnded;
  let file = await open(path, 'r');
  let watcher: FSWatcher | undefined;
  let wake: (() => void) | undefined;
  const onChange = () => wake?.();
  try {
    let info = await file.stat();
    let offset = options.tailLines !== undefined ? await tailOffset(file, info.size, options.tailLines) : 0;
    let pending = Buffer.alloc(0);
    const buf = Buffer.alloc(CHUNK);
    /** Reads what the file holds past `offset`; returns whether anything was read. */
    const drain = async (): Promise<boolean> => {
      let any = false;
      while (!stopped()) {
        const { bytesRead } = await file.read(buf, 0, CHUNK, offset);
        if (bytesRead === 0) break;
        any = true;
        offset += bytesRead;
        let data = pending.length ? Buffer.concat([pending, buf.subarray(0, bytesRead)]) : Buffer.from(buf.subarray(0, bytesRead));
        let start = 0;
        for (let nl = data.indexOf(NEWLINE); nl >= 0 && !stopped(); nl = data.indexOf(NEWLINE, start)) {
          await formatter.line(data.subarray(start, nl));
          start = nl + 1;
        }
        data = data.subarray(start);
        pending = Buffer.from(data);
      }
      return any;
    };
    const flushPending = async () => {
      if (pending.length && !stopped()) await formatter.line(pending);
      pending = Buffer.alloc(0);
    };
    await drain();
    if (!options.follow) {
      await flushPending();
      return;
    }
    if (signal?.aborted) return;
    try {
      watcher = watch(path, onChange);
      watcher.on('error', () => watcher?.close());
    } catch (err) {
      // Without notifications the poll interval alone paces the follow.
      if (!(err instanceof Error)) throw err;
    }
    const poll = options.pollIntervalMs ?? 250;
    while (!stopped()) {
      // Checked before draining, so that what was written before the container ended is read.
      const running = options.isContainerRunning ? options.isContainerRunning() : true;
      await drain();
      if (stopped()) return;
      const current = await stat(path).catch((err: unknown) => {
        if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      });
      if (current && (current.ino !== info.ino || current.size < offset)) {
        // Replaced (rotated) or truncated: the rest of the old file was drained above.
        await flushPending();
        await file.close();
        file = await open(path, 'r');
        info = await file.stat();
        offset = 0;
        watcher?.close();
        watcher = watch(path, onChange);
        watcher.on('error', () => watcher?.close());
        continue;
      }
      if (!running) {
        await flushPending();
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, poll);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          signal?.removeEventListener('abort', done);
          out.off('close', done);
          resolve();
        }
        wake = done;
        signal?.addEventListener('abort', done);
        out.on('close', done);
      });
    }
  } finally {
    watcher?.close();
    await file.close();
  }
}

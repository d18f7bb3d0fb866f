import type { SelectedEvent, SelectedEventSink } from './operations.js';
import type { WatchEnd } from './rest-store.js';

/** The part of an HTTP/1.1 or HTTP/2 response that a watch stream writes to. */
export interface WatchResponse {
  write(chunk: Buffer, callback?: (err?: Error | null) => void): boolean;
  cork(): void;
  uncork(): void;
}

/**
 * Renders one event as the bytes of its line in the watch's representation, or undefined to
 * leave it out. Events of the store (`shared`) should render to the same Buffer for every
 * watcher of one representation (cached on the event), so a thousand watchers encode it once.
 */
export type WatchRenderer = (ev: SelectedEvent) => Buffer | undefined;

/**
 * One API watch's side of the wire: it takes the watcher's events synchronously as they are
 * published (it is the watch's {@link SelectedEventSink}), keeps their rendered lines until the
 * turn of the event loop ends, and then writes them to the response at once: one write (one
 * TLS record, one syscall) per watcher per turn however many events arrived in it, with no
 * promise, timer or copy per event. What was written and not yet taken by the kernel counts as
 * the watcher's backlog, so the watch hub closes a watcher whose client stopped reading.
 */
export class WatchStream implements SelectedEventSink {
  /** Resolves with how the watch ended, once it did. */
  readonly ended: Promise<WatchEnd>;
  private resolveEnded!: (how: WatchEnd) => void;
  private finished = false;
  private queued = false;
  private pending: Buffer[] = [];
  /** Stored bytes and count of the pending events. */
  private pendingBytes = 0;
  private pendingEvents = 0;
  /** Stored bytes and count of the events written whose write has not completed. */
  private inFlightBytes = 0;
  private inFlightEvents = 0;
  /** Bytes and events of each write in flight, oldest first (writes complete in order). */
  private readonly writes: number[] = [];

  /** Use {@link WatchStreams.open}. */
  constructor(
    private readonly res: WatchResponse,
    private readonly signal: AbortSignal,
    private readonly render: WatchRenderer,
    private readonly schedule: (stream: WatchStream) => void,
  ) {
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
  }

  /** Takes one event; it is written when the current turn of the event loop ends. */
  event(ev: SelectedEvent): void {
    if (this.finished) return;
    const line = this.render(ev);
    if (!line) return;
    this.pending.push(line);
    this.pendingBytes += ev.shared?.bytes ?? 0;
    this.pendingEvents++;
    if (!this.queued) {
      this.queued = true;
      this.schedule(this);
    }
  }

  /** Stored bytes of the events taken and not yet handed to the kernel. */
  backlogBytes(): number {
    return this.pendingBytes + this.inFlightBytes;
  }

  /** Events taken and not yet handed to the kernel. */
  backlogEvents(): number {
    return this.pendingEvents + this.inFlightEvents;
  }

  /**
   * The watch is over: what is pending is written now, unless the watcher lagged (dropped, as
   * upstream's cacher drops an unresponsive watcher) or its client is gone. Later events are
   * ignored; the caller ends the response.
   */
  end(how: WatchEnd): void {
    if (this.finished) return;
    if (how.reason === 'lagging') this.drop();
    else this.flush();
    this.finished = true;
    this.resolveEnded(how);
  }

  /** Writes the pending lines in one go (corked: one chunk on HTTP/1.1). */
  flush(): void {
    this.queued = false;
    if (this.finished || !this.pending.length) return;
    if (this.signal.aborted) return this.drop();
    const lines = this.pending;
    this.pending = [];
    this.writes.push(this.pendingBytes, this.pendingEvents);
    this.inFlightBytes += this.pendingBytes;
    this.inFlightEvents += this.pendingEvents;
    this.pendingBytes = 0;
    this.pendingEvents = 0;
    const last = lines.length - 1;
    if (last === 0) {
      this.res.write(lines[0]!, this.written);
      return;
    }
    this.res.cork();
    for (let i = 0; i < last; i++) this.res.write(lines[i]!);
    this.res.write(lines[last]!, this.written);
    this.res.uncork();
  }

  private drop(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingEvents = 0;
  }

  /** A write completed (or failed, its connection gone): its events are no longer behind. */
  private readonly written = (): void => {
    this.inFlightBytes -= this.writes.shift() ?? 0;
    this.inFlightEvents -= this.writes.shift() ?? 0;
  };
}

/**
 * The watch streams of one API server: opens each watch's {@link WatchStream} and writes every
 * stream that has pending events once per turn of the event loop, from one setImmediate for
 * all of them.
 */
export class WatchStreams {
  private due: WatchStream[] = [];
  private scheduled = false;

  /** A stream for one watch's response; it stops writing once `signal` aborts. */
  open(res: WatchResponse, signal: AbortSignal, render: WatchRenderer): WatchStream {
    return new WatchStream(res, signal, render, this.schedule);
  }

  private readonly schedule = (stream: WatchStream): void => {
    this.due.push(stream);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flushDue);
  };

  private readonly flushDue = (): void => {
    this.scheduled = false;
    const due = this.due;
    this.due = [];
    for (const stream of due) {
      try {
        stream.flush();
      } catch (error) {
        // One broken response ends its own watch, not the others'.
        stream.end({ reason: 'failed', error });
      }
    }
  };
}

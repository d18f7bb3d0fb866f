/**
 * A single-consumer queue that a producer fills synchronously and a consumer drains as an
 * async iterator. Watches use it to hand committed events from the write path (or a backend's
 * callback) to the watcher's `for await`. It holds only what is not yet consumed; bounding it
 * is the producer's choice (see {@link AsyncQueue.size}).
 */
export class AsyncQueue<T> {
  private items: T[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private finished = false;
  private failure: { error: unknown } | undefined;

  /** Number of items waiting to be consumed. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** True once {@link end}, {@link fail} or {@link close} was called. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** Appends an item; ignored once the queue is finished. */
  push(item: T): void {
    if (this.finished) return;
    this.items.push(item);
    this.notify();
  }

  /** Ends the queue after the items already in it are consumed. */
  end(): void {
    this.finished = true;
    this.notify();
  }

  /** Ends the queue with an error, raised after the items already in it are consumed. */
  fail(error: unknown): void {
    if (this.finished) return;
    this.failure = { error };
    this.finished = true;
    this.notify();
  }

  /** Ends the queue at once, dropping what was not yet consumed. */
  close(): void {
    this.items = [];
    this.head = 0;
    this.failure = undefined;
    this.end();
  }

  /** Yields the items in order until the queue ends. */
  async *drain(): AsyncGenerator<T, void, undefined> {
    for (;;) {
      if (this.head < this.items.length) {
        const item = this.items[this.head] as T;
        // The consumed slot lets go of its item at once (items may be large objects).
        (this.items as (T | undefined)[])[this.head] = undefined;
        this.head++;
        if (this.head === this.items.length) {
          this.items = [];
          this.head = 0;
        } else if (this.head >= 64 && this.head * 2 >= this.items.length) {
          // Reclaim the consumed part now and then instead of shifting per item.
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        yield item;
        continue;
      }
      if (this.failure) throw this.failure.error;
      if (this.finished) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

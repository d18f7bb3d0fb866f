import { readFileSync } from 'node:fs';
import type { Registry } from './metrics.js';

/** Where {@link registerProcessMetrics} reads the process's figures; injected so tests are exact. */
export interface ProcessFacts {
  /** Resident and virtual memory in bytes (Linux: /proc/self/status). */
  memory(): { resident: number; virtual: number };
  /** V8's heap and Node's off-heap memory, as `process.memoryUsage()` gives them. */
  heap(): { heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  /** CPU time used so far, in seconds. */
  cpuSeconds(): number;
  /** When the process started, in seconds since the epoch. */
  startTimeSeconds: number;
}

/** The figures of this process. */
export function currentProcessFacts(): ProcessFacts {
  const startTimeSeconds = Date.now() / 1000 - process.uptime();
  return {
    memory() {
      // memoryUsage.rss() is cheap; the virtual size is only in /proc on Linux.
      let virtual = 0;
      try {
        const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmSize:'));
        virtual = Number(line?.split(/\s+/)[1] ?? 0) * 1024;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      return { resident: process.memoryUsage.rss(), virtual };
    },
    heap: () => process.memoryUsage(),
    cpuSeconds() {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1e6;
    },
    startTimeSeconds,
  };
}

/**
 * Declares the process gauges every upstream component serves (client_golang's process
 * collector: resident and virtual memory, CPU seconds, start time) and Node's heap figures under
 * the names prom-client uses, set at each scrape.
 */
export function registerProcessMetrics(registry: Registry, facts: ProcessFacts = currentProcessFacts()): void {
  const resident = registry.gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.' });
  const virtual = registry.gauge({ name: 'process_virtual_memory_bytes', help: 'Virtual memory size in bytes.' });
  // A gauge whose value only grows: the library's counters only count up by increments.
  const cpu = registry.gauge({ name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.' });
  const start = registry.gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.' });
  const heapUsed = registry.gauge({ name: 'nodejs_heap_size_used_bytes', help: 'Process heap size used from Node.js in bytes.' });
  const heapTotal = registry.gauge({ name: 'nodejs_heap_size_total_bytes', help: 'Process heap size from Node.js in bytes.' });
  const external = registry.gauge({ name: 'nodejs_external_memory_bytes', help: 'Node.js external memory size in bytes.' });
  const arrayBuffers = registry.gauge({ name: 'nodejs_array_buffers_bytes', help: 'Memory allocated for ArrayBuffers and Buffers in bytes.' });
  start.set(facts.startTimeSeconds);
  registry.onCollect(() => {
    const memory = facts.memory();
    resident.set(memory.resident);
    virtual.set(memory.virtual);
    cpu.set(facts.cpuSeconds());
    const heap = facts.heap();
    heapUsed.set(heap.heapUsed);
    heapTotal.set(heap.heapTotal);
    external.set(heap.external);
    arrayBuffers.set(heap.arrayBuffers);
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../apimachinery/clock.js';
import { CgroupSummaryProvider, parseCgroupUsage, parseCgroupV1Usage, parseNodeUsage } from './cgroup-summary.js';

test('a cgroup v2 directory gives CPU time, usage and working set (usage minus inactive_file)', () => {
  const usage = parseCgroupUsage('usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n', '10485760\n', 'anon 4194304\ninactive_file 2097152\nactive_file 1048576\n');
  assert.deepEqual(usage, { usageCoreNanoSeconds: 1_500_000_000, usageBytes: 10_485_760, workingSetBytes: 8_388_608 });
});

test('a cgroup v1 container gives the same figures from cpuacct and memory', () => {
  const usage = parseCgroupV1Usage('1500000000\n', '10485760\n', 'cache 3000000\ninactive_file 1\ntotal_inactive_file 2097152\n');
  assert.deepEqual(usage, { usageCoreNanoSeconds: 1_500_000_000, usageBytes: 10_485_760, workingSetBytes: 8_388_608 });
});

test('the node figures come from /proc/stat busy ticks and /proc/meminfo', () => {
  const usage = parseNodeUsage('cpu  100 0 50 1000 20 0 0 0 0 0\ncpu0 100 0 50 1000 20 0 0 0 0 0\n', 'MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    600 kB\n');
  assert.deepEqual(usage, { usageCoreNanoSeconds: 150 * 10_000_000, usageBytes: 800 * 1024, workingSetBytes: 400 * 1024 });
});

test('the summary lists each pod with its containers; usageNanoCores is the rate between two samples', async () => {
  const clock = new FakeClock();
  const files = new Map<string, string>([
    ['/cg/k8s.io/c1/cpu.stat', 'usage_usec 1000000\n'],
    ['/cg/k8s.io/c1/memory.current', '2000000\n'],
    ['/cg/k8s.io/c1/memory.stat', 'inactive_file 500000\n'],
    ['/cg/k8s.io/c2/cpu.stat', 'usage_usec 0\n'],
    ['/cg/k8s.io/c2/memory.current', '1000000\n'],
    ['/cg/k8s.io/c2/memory.stat', 'inactive_file 0\n'],
    ['/cg/cpuacct/k8s.io/v1c/cpuacct.usage', '5\n'],
    ['/cg/memory/k8s.io/v1c/memory.usage_in_bytes', '4096\n'],
    ['/p/stat', 'cpu  100 0 0 100 0 0 0 0\n'],
    ['/p/meminfo', 'MemTotal: 4 kB\nMemFree: 1 kB\nMemAvailable: 2 kB\n'],
  ]);
  const start = new Date(clock.now().getTime() - 10_000);
  const provider = new CgroupSummaryProvider({
    nodeName: 'n1',
    clock,
    cgroupRoot: '/cg',
    procRoot: '/p',
    readFile: async (path) => files.get(path),
    containers: async () => [
      { id: 'c1', name: 'app', podName: 'web', podNamespace: 'default', podUid: 'u1', startTime: start },
      { id: 'c2', name: 'side', podName: 'web', podNamespace: 'default', podUid: 'u1', startTime: start },
      { id: 'v1c', name: 'v1', podName: 'legacy', podNamespace: 'default', podUid: 'u3', startTime: start },
      { id: 'gone', name: 'x', podName: 'other', podNamespace: 'default', podUid: 'u2', startTime: start },
    ],
  });
  const first = await provider.summary();
  assert.deepEqual(first.pods.map((p) => p.podRef.name), ['web', 'legacy'], 'a container without a cgroup is left out');
  assert.equal(first.pods[1]?.memory?.workingSetBytes, 4096);
  // Seen the first time: the average since the container started 10 s ago (1 s of CPU: 100m).
  assert.equal(first.pods[0]?.containers[0]?.cpu?.usageNanoCores, 100_000_000);
  assert.equal(first.node.cpu?.usageNanoCores, undefined);
  assert.equal(first.pods[0]?.memory?.workingSetBytes, 2_500_000);
  assert.equal(first.node.memory?.workingSetBytes, 2048);

  clock.advance(10_000);
  files.set('/cg/k8s.io/c1/cpu.stat', 'usage_usec 3000000\n'); // 2 s of CPU in 10 s: 200m
  files.set('/cg/k8s.io/c2/cpu.stat', 'usage_usec 1000000\n'); // 100m
  const second = await provider.summary();
  const pod = second.pods.find((p) => p.podRef.name === 'web')!;
  assert.equal(pod.podRef.name, 'web');
  assert.deepEqual(pod.containers.map((c) => [c.name, c.cpu?.usageNanoCores]), [['app', 200_000_000], ['side', 100_000_000]]);
  assert.equal(pod.cpu?.usageNanoCores, 300_000_000);
  assert.equal(pod.cpu?.usageCoreNanoSeconds, 4_000_000_000);
  assert.equal(second.node.cpu?.usageNanoCores, 0);
});

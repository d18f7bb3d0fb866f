/** Test support for the preflight checks: {@link fixtureHost}, a machine made of fixtures. */
import type { CommandResult, PreflightHost } from './types.js';

/** What a {@link fixtureHost} holds; everything absent unless given. */
export interface FixtureMachine {
  /** File contents by path. */
  files?: Record<string, string>;
  /** Directory listings by path. */
  dirs?: Record<string, string[]>;
  /** Paths of executable files. */
  executables?: string[];
  /** Answers commands by `command args...`; default: not installed (-1). */
  commands?: Record<string, CommandResult>;
  /** Ports something listens on. */
  busyPorts?: number[];
  /** Directories that exist, with their modes; writable unless in `readOnly`. Default { '/': 0o755 }. */
  existingDirs?: Record<string, number>;
  readOnly?: string[];
}

/** A host whose files, commands and ports are the fixtures'. */
export function fixtureHost(machine: FixtureMachine): PreflightHost {
  const existing = machine.existingDirs ?? { '/': 0o755 };
  return {
    readFile: async (path) => machine.files?.[path],
    readDir: async (path) => machine.dirs?.[path],
    isExecutable: async (path) => machine.executables?.includes(path) ?? false,
    run: async (command, args) => machine.commands?.[[command, ...args].join(' ')] ?? { code: -1, stdout: '', stderr: `${command}: not found` },
    portFree: async (port) => !(machine.busyPorts ?? []).includes(port),
    writable: async (path) => {
      let dir = path;
      while (existing[dir] === undefined && dir !== '/') dir = dir.slice(0, dir.lastIndexOf('/')) || '/';
      return { writable: !(machine.readOnly ?? []).includes(dir), existing: dir, mode: existing[dir] };
    },
    searchPath: ['/usr/local/bin', '/usr/bin', '/usr/sbin'],
  };
}

/** A Debian machine with everything the node uses installed (binaries and CNI plugins). */
export const installedExecutables = [
  '/usr/bin/containerd',
  '/usr/bin/containerd-shim-runc-v2',
  '/usr/sbin/runc',
  '/usr/sbin/nft',
  '/usr/sbin/conntrack',
  '/usr/sbin/iptables',
  '/usr/sbin/nginx',
  '/usr/lib/cni/bridge',
  '/usr/lib/cni/host-local',
  '/usr/lib/cni/loopback',
  '/usr/lib/cni/portmap',
];

/**
 * /proc/self/mountinfo as seen on machines with each cgroup layout (abridged): Debian 12 in a
 * VM (hybrid), an older systemd host (v1), a current one (v2), and inside `ip netns exec`, which
 * mounts a fresh sysfs on /sys with no cgroup tree under it.
 */
export const mountinfoFixtures = {
  hybrid: `22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
23 28 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`,
  v1: `22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
23 28 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
25 23 0:24 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755
27 25 0:26 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:6 - cgroup cgroup rw,xattr,name=systemd
30 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct
31 25 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory
32 25 0:31 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpuset,clone_children
33 25 0:32 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,devices
34 25 0:33 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,freezer
35 25 0:34 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,pids
36 25 0:35 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,blkio
`,
  v2: `22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
23 28 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
26 23 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`,
  netnsExec: `22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
1210 1180 0:95 / /sys rw,relatime - sysfs skiff-ns rw
`,
};

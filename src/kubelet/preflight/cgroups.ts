/**
 * The cgroup check: runc puts every container into cgroups, so the cgroup filesystems must be
 * mounted where this process can see them (/proc/self/mountinfo) with the controllers runc
 * uses. `ip netns exec` remounts /sys for the namespace it enters and hides the whole tree:
 * then every sandbox fails ("no cgroup mount found in mountinfo").
 */
import type { PreflightCheck, PreflightHost } from './types.js';

/** How the cgroup hierarchies are mounted: v1 (legacy), v2 (unified), hybrid (v1 controllers plus a v2 tree), or none visible. */
export type CgroupLayout = 'v1' | 'v2' | 'hybrid' | 'none';

/** One cgroup mount from mountinfo. */
interface CgroupMount {
  mountPoint: string;
  version: 1 | 2;
  /** For v1: the controllers in the mount's super options (cpu, memory, ..., name=systemd). */
  controllers: string[];
}

/** Every v1 controller name (the other super options are mount flags such as clone_children or xattr). */
const v1ControllerNames = new Set(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'pids', 'blkio', 'net_cls', 'net_prio', 'perf_event', 'hugetlb', 'rdma', 'misc']);
/** The v1 controllers runc's cgroupfs manager needs for the limits containerd asks for. */
const requiredV1Controllers = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'pids'];
/** The v2 controllers runc needs in the root's cgroup.controllers (devices are eBPF in v2, not a controller). */
const requiredV2Controllers = ['cpu', 'memory', 'pids'];
const optionalV2Controllers = ['cpuset', 'io'];

const hiddenFix =
  'cgroup mounts are not visible: /sys was remounted (ip netns exec?); run in the host mount namespace (e.g. nsenter --net=/run/netns/NAME)';

function cgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    // Fields: id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const before = line.slice(0, separator).split(' ');
    const [fsType, , superOptions = ''] = line.slice(separator + 3).split(' ');
    const mountPoint = before[4];
    if (!mountPoint) continue;
    if (fsType === 'cgroup2') mounts.push({ mountPoint, version: 2, controllers: [] });
    else if (fsType === 'cgroup') {
      const controllers = superOptions.split(',').filter((o) => v1ControllerNames.has(o) || o.startsWith('name='));
      mounts.push({ mountPoint, version: 1, controllers });
    }
  }
  return mounts;
}

/** The layout mountinfo shows. */
export function cgroupLayout(mountinfo: string): CgroupLayout {
  const mounts = cgroupMounts(mountinfo);
  const v1 = mounts.some((m) => m.version === 1);
  const v2 = mounts.some((m) => m.version === 2);
  if (v1 && v2) return 'hybrid';
  if (v1) return 'v1';
  return v2 ? 'v2' : 'none';
}

/** Checks that cgroups are visible, which version they are, and that runc's controllers are there. */
export async function checkCgroups(host: PreflightHost): Promise<PreflightCheck> {
  const name = 'cgroups';
  const mountinfo = await host.readFile('/proc/self/mountinfo');
  if (mountinfo === undefined) return { name, status: 'failed', message: '/proc/self/mountinfo cannot be read: mount /proc (the node needs a Linux host)' };
  const mounts = cgroupMounts(mountinfo);
  const layout = cgroupLayout(mountinfo);
  if (layout === 'none') {
    const rootEntries = (await host.readDir('/sys/fs/cgroup')) ?? [];
    const sysMounted = mountinfo.split('\n').some((l) => l.split(' ')[4] === '/sys');
    return {
      name,
      status: 'failed',
      message: sysMounted || rootEntries.length === 0
        ? hiddenFix
        : 'no cgroup filesystem is mounted: mount cgroup2 on /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup)',
    };
  }
  if (layout === 'v2') {
    const root = mounts.find((m) => m.mountPoint === '/sys/fs/cgroup');
    if (!root) return { name, status: 'failed', message: `cgroup v2 is mounted at ${mounts[0]?.mountPoint ?? '?'}, not /sys/fs/cgroup: mount it there (runc looks there)` };
    const controllers = ((await host.readFile('/sys/fs/cgroup/cgroup.controllers')) ?? '').trim().split(/\s+/).filter(Boolean);
    const missing = requiredV2Controllers.filter((c) => !controllers.includes(c));
    if (missing.length > 0) {
      return { name, status: 'failed', message: `cgroup v2 lacks the ${missing.join(', ')} controllers runc needs: enable them in the kernel (cgroup_enable=) or free them from a v1 hierarchy` };
    }
    const absent = optionalV2Controllers.filter((c) => !controllers.includes(c));
    if (absent.length > 0) return { name, status: 'warning', message: `cgroup v2 without ${absent.join(', ')}: cpuset and I/O limits are not applied` };
    return { name, status: 'ok', message: `cgroup v2 (unified) at /sys/fs/cgroup: ${controllers.join(' ')}` };
  }
  const v1 = new Set(mounts.filter((m) => m.version === 1).flatMap((m) => m.controllers));
  const missing = requiredV1Controllers.filter((c) => !v1.has(c));
  if (missing.length > 0) {
    return { name, status: 'failed', message: `cgroup ${layout} lacks the ${missing.join(', ')} hierarchies runc needs: mount them under /sys/fs/cgroup (e.g. mount -t cgroup -o ${missing[0]} cgroup /sys/fs/cgroup/${missing[0]})` };
  }
  // The v1 mounts must be where runc finds them: under /sys/fs/cgroup, visible in the directory.
  const entries = new Set((await host.readDir('/sys/fs/cgroup')) ?? []);
  const unseen = mounts.filter((m) => m.mountPoint.startsWith('/sys/fs/cgroup/') && !entries.has(m.mountPoint.slice('/sys/fs/cgroup/'.length).split('/')[0] ?? ''));
  if (unseen.length > 0) return { name, status: 'failed', message: hiddenFix };
  const label = layout === 'hybrid' ? 'hybrid (v1 controllers and a v2 tree)' : 'v1 (legacy)';
  const systemd = v1.has('name=systemd') ? '' : ' (no name=systemd hierarchy: fine with the cgroupfs driver Skiff uses)';
  return { name, status: 'ok', message: `cgroup ${label}: ${[...v1].filter((c) => !c.startsWith('name=')).sort().join(' ')}${systemd}` };
}

import type { Mounter } from './mounter.js';

/** One mount recorded by {@link FakeMounter}. */
export interface FakeMount {
  source: string;
  target: string;
  fsType: string;
  options: readonly string[];
}

/**
 * A {@link Mounter} for tests: records mounts in memory without touching the system; `failNext`
 * makes the next mount fail with that message.
 */
export class FakeMounter implements Mounter {
  readonly mounts: FakeMount[] = [];
  readonly unmounted: string[] = [];
  failNext: string | undefined;

  async mount(source: string, target: string, fsType: string, options: readonly string[]): Promise<void> {
    if (this.failNext !== undefined) {
      const message = this.failNext;
      this.failNext = undefined;
      throw new Error(message);
    }
    this.mounts.push({ source, target, fsType, options: [...options] });
  }

  async unmount(target: string): Promise<void> {
    const index = this.mounts.findLastIndex((mount) => mount.target === target);
    if (index < 0) throw new Error(`umount: ${target}: not mounted`);
    this.mounts.splice(index, 1);
    this.unmounted.push(target);
  }

  async mountPointsUnder(dir: string): Promise<string[]> {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    return this.mounts.map((mount) => mount.target).filter((target) => target === dir || target.startsWith(prefix));
  }
}

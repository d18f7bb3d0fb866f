import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { containerdPaths } from '../kubelet/containerd/config.js';
import { runImagesCommand } from '../kubelet/images/images-command.js';
import { defaultDataDir } from './flags.js';
import { runBuildBusybox } from './build-busybox-command.js';

const usage = `Usage:
  skiff images import FILE...   import OCI layout or docker-archive tars into this node's containerd
  skiff images ls [-q]          list the node's images
  skiff images build-busybox NAME:TAG ...   build a small image from busybox-static (--help)

Flags:
  --data-dir value   the node's data dir (default ${defaultDataDir()})
  --address value    containerd's socket (default <data-dir>/agent/containerd/containerd.sock)`;

/** `skiff images ...`: manages the images of this machine's node (air-gapped installs). */
export async function runImages(args: string[]): Promise<number> {
  if (args[0] === 'build-busybox') return runBuildBusybox(args.slice(1), (files, flags) => runImages(['import', ...flags, ...files]));
  const { values, positionals } = parseArgs({
    args,
    options: { 'data-dir': { type: 'string' }, address: { type: 'string' }, help: { type: 'boolean', short: 'h' }, quiet: { type: 'boolean', short: 'q' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || positionals.length === 0) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const address = values.address ?? containerdPaths(join(dataDir, 'agent', 'containerd')).address;
  return runImagesCommand([...positionals, ...(values.quiet ? ['-q'] : [])], { address });
}

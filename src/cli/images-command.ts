import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { containerdPaths } from '../kubelet/containerd/config.js';
import { runImagesCommand } from '../kubelet/images/images-command.js';
import { findCluster, type FindClusterOptions } from './cluster-discovery.js';
import { defaultDataDir } from './flags.js';
import { runBuildBusybox } from './build-busybox-command.js';
import { probeUnixSocket } from './socket-probe.js';

const usage = `Usage:
  skiff images import FILE...   import OCI layout or docker-archive tars into this node's containerd
  skiff images ls [-q]          list the node's images
  skiff images build-busybox NAME:TAG ...   build a small image from busybox-static (--help)

Flags:
  --data-dir value   the node's data dir (default: the config file's, the running server's, else ${defaultDataDir()})
  --address value    containerd's socket (default <data-dir>/agent/containerd/containerd.sock)`;

/**
 * `skiff images ...`: manages the images of this machine's node (air-gapped installs). Checks
 * that containerd's socket answers first, and names it when it does not.
 */
export async function runImages(args: string[], discovery: FindClusterOptions = {}): Promise<number> {
  if (args[0] === 'build-busybox') return runBuildBusybox(args.slice(1), (files, flags) => runImages(['import', ...flags, ...files], discovery));
  const { values, positionals } = parseArgs({
    args,
    options: { 'data-dir': { type: 'string' }, address: { type: 'string' }, help: { type: 'boolean', short: 'h' }, quiet: { type: 'boolean', short: 'q' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || positionals.length === 0) {
    if (values.help) console.log(usage);
    else console.error(`${usage}\n\nRun 'skiff images --help' for usage.`);
    return values.help ? 0 : 2;
  }
  if (!['import', 'ls', 'list'].includes(positionals[0]!)) {
    console.error(`skiff images: unknown command ${JSON.stringify(positionals[0])}\nRun 'skiff images --help' for usage.`);
    return 2;
  }
  let address = values.address;
  let source = '--address';
  if (!address) {
    const location = findCluster({ ...discovery, dataDir: values['data-dir'] });
    address = containerdPaths(join(location.dataDir, 'agent', 'containerd')).address;
    source = `data dir ${location.dataDir} from ${location.source}`;
  }
  const problem = await probeUnixSocket(address);
  if (problem) {
    console.error(`skiff images: containerd's socket ${address} (${source}) ${problem}: is \`skiff server\` or \`skiff agent\` running? Give --data-dir DIR or --address SOCKET`);
    return 1;
  }
  return runImagesCommand([...positionals, ...(values.quiet ? ['-q'] : [])], { address });
}

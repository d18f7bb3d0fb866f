#!/usr/bin/env node
import { runAgent } from './agent-command.js';
import { errorMessage } from '../apimachinery/errors.js';
import { runDemo } from './demo-command.js';
import { isUsageError } from './flags.js';
import { runCanary } from './canary/canary-command.js';
import { runCheckConfig } from './check-config-command.js';
import { runImages } from './images-command.js';
import { runKubectl } from './kubectl-command.js';
import { runServer } from './server-command.js';
import { runTrace } from './trace-command.js';
import { runUi } from './ui-command.js';
import { runSecretsEncrypt } from './secrets-encrypt-command.js';
import { runNetworkCleanup } from './service-networking.js';
import { formatVersion, skiffVersion } from './version.js';

const usage = `skiff: Kubernetes in one small program

Usage:
  skiff server [flags]     run the control plane (API server on SQLite or etcd)
  skiff agent [flags]      join a server as a node (containerd, or --simulated)
  skiff check-config       check this machine can run a node (cgroups, kernel, binaries)
  skiff secrets-encrypt    status, rotate or reencrypt the keys of Secrets encrypted at rest
  skiff images CMD         import and list this node's images (air-gapped installs)
  skiff kubectl ARGS...    run kubectl against this machine's cluster
  skiff canary CMD TARGET  status, set-weight, promote, abort or migrate an Ingress or HTTPRoute canary
  skiff trace FROM TO      explain, step by step, where a connection from a pod or node goes and stops
  skiff demo [--clean]     put the seed's scenarios on the cluster (namespace seed)
  skiff ui [--port N]      the seed's pictures of this cluster, drawn live, on 127.0.0.1
  skiff network-cleanup    remove the Service proxy's nftables table and Service route
  skiff version            print skiff's, Kubernetes' and Node's versions
  skiff help               this text

Flags of server and agent can also be set in /etc/skiff/config.yaml (as root) or
~/.skiff/config.yaml, or the file --config names. Run 'skiff <command> --help' for a command's flags.

Exit codes: 0 success, 1 failure, 2 usage error.`;

/**
 * The command line entry point: dispatches on the first argument. Exit codes: 0 success,
 * 1 runtime failure, 2 usage error (with a pointer to `--help`).
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'server':
        return await runServer(rest);
      case 'agent':
        return await runAgent(rest);
      case 'check-config':
        return await runCheckConfig(rest);
      case 'secrets-encrypt':
        return await runSecretsEncrypt(rest);
      case 'images':
        return await runImages(rest);
      case 'canary':
        return await runCanary(rest);
      case 'trace':
        return await runTrace(rest);
      case 'demo':
        return await runDemo(rest);
      case 'ui':
        return await runUi(rest);
      case 'kubectl':
        return await runKubectl(rest);
      case 'network-cleanup':
        return await runNetworkCleanup(rest);
      case 'version':
      case '--version':
        if (rest.includes('--help') || rest.includes('-h')) {
          console.log('Usage: skiff version\n\nPrints the versions of skiff, of the Kubernetes API it serves and of Node.');
          return 0;
        }
        console.log(formatVersion(skiffVersion()));
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(usage);
        return 0;
      default:
        console.error(`skiff: unknown command ${JSON.stringify(command)}\nRun 'skiff --help' for usage.`);
        return 2;
    }
  } catch (err) {
    if (!isUsageError(err)) throw err;
    console.error(`skiff ${command}: ${errorMessage(err)}\nRun 'skiff ${command} --help' for usage.`);
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('skiff:', errorMessage(err));
    process.exitCode = 1;
  },
);

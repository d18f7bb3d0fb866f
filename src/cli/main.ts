#!/usr/bin/env node
import { runAgent } from './agent-command.js';
import { runDemo } from './demo-command.js';
import { runImages } from './images-command.js';
import { runKubectl } from './kubectl-command.js';
import { runServer } from './server-command.js';
import { runNetworkCleanup } from './service-networking.js';

const usage = `skiff: Kubernetes in one small program

Usage:
  skiff server [flags]     run the control plane (API server on SQLite or etcd)
  skiff agent [flags]      join a server as a node (containerd, or --simulated)
  skiff images CMD         import and list this node's images (air-gapped installs)
  skiff kubectl ARGS...    run kubectl against this machine's cluster
  skiff demo [--clean]     put the seed's scenarios on the cluster (namespace seed)
  skiff network-cleanup    remove the Service proxy's nftables table and Service route
  skiff help               this text

Run 'skiff server --help' for the server's flags.`;

/** The command line entry point: dispatches on the first argument. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server':
      return runServer(rest);
    case 'agent':
      return runAgent(rest);
    case 'images':
      return runImages(rest);
    case 'demo':
      return runDemo(rest);
    case 'kubectl':
      return runKubectl(rest);
    case 'network-cleanup':
      return runNetworkCleanup(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return 0;
    default:
      console.error(`skiff: unknown command ${JSON.stringify(command)}\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('skiff:', err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);

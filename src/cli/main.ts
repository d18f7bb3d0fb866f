#!/usr/bin/env node
import { runAgent } from './agent-command.js';
import { runCheckConfig } from './check-config-command.js';
import { runImages } from './images-command.js';
import { runKubectl } from './kubectl-command.js';
import { runServer } from './server-command.js';

const usage = `skiff: Kubernetes in one small program

Usage:
  skiff server [flags]     run the control plane (API server on SQLite or etcd)
  skiff agent [flags]      join a server as a node (containerd, or --simulated)
  skiff check-config       check this machine can run a node (cgroups, kernel, binaries)
  skiff images CMD         import and list this node's images (air-gapped installs)
  skiff kubectl ARGS...    run kubectl against this machine's cluster
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
    case 'check-config':
      return runCheckConfig(rest);
    case 'images':
      return runImages(rest);
    case 'kubectl':
      return runKubectl(rest);
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

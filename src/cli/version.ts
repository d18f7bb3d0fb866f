import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { versionInfo } from '../apiserver/discovery.js';

/** What `skiff version` prints. */
export interface SkiffVersion {
  /** package.json's version. */
  version: string;
  /** The checkout's commit, or 'unknown' outside a git checkout. */
  gitCommit: string;
  /** The Kubernetes version the API server reports at /version. */
  kubernetes: string;
  /** The Node.js running skiff. */
  node: string;
}

/** Options of {@link skiffVersion}: where to look (defaults: this installation). */
export interface SkiffVersionOptions {
  /** The repository (or install) root holding package.json. Default: three levels above this compiled file (dist/src/cli). */
  root?: string;
  /** Runs git; returns its output. Default: `git` in `root`. */
  git?: (args: string[], cwd: string) => string;
}

function runGit(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
}

/** Skiff's version, commit, served Kubernetes version and Node version. */
export function skiffVersion(options: SkiffVersionOptions = {}): SkiffVersion {
  const root = options.root ?? fileURLToPath(new URL('../../../', import.meta.url));
  const pkg: unknown = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
  const version = typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : 'unknown';
  let gitCommit: string;
  try {
    gitCommit = (options.git ?? runGit)(['rev-parse', 'HEAD'], root).trim() || 'unknown';
  } catch {
    // Not a checkout (an installed copy) or no git: say so rather than fail.
    gitCommit = 'unknown';
  }
  const served = versionInfo();
  const kubernetes = 'gitVersion' in served && typeof served.gitVersion === 'string' ? served.gitVersion : 'unknown';
  return { version, gitCommit, kubernetes, node: process.version };
}

/** The lines `skiff version` prints, as `k3s --version` does. */
export function formatVersion(v: SkiffVersion): string {
  return `skiff version v${v.version} (${v.gitCommit})\nkubernetes ${v.kubernetes}\nnode ${v.node}`;
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));

/** Runs bin/skiff with `args`; its exit code and output. */
function skiff(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [skiffBin, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : undefined) : 0;
      if (code === undefined) reject(err ?? new Error('no exit code'));
      else resolve({ code, stdout, stderr });
    });
  });
}

test('skiff version and skiff --version print the versions and exit 0', async () => {
  for (const args of [['version'], ['--version']]) {
    const r = await skiff(args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^skiff version v\d+\.\d+\.\d+ \((\w+|unknown)\)\nkubernetes v1\.\d+\.\d+\+skiff\nnode v\d+/);
  }
});

test('usage errors exit 2 with a pointer to --help; --help exits 0', async () => {
  const unknown = await skiff(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, `skiff: unknown command "frobnicate"\nRun 'skiff --help' for usage.\n`);
  const bogus = await skiff(['server', '--bogus']);
  assert.equal(bogus.code, 2);
  assert.match(bogus.stderr, /^skiff server: .*'--bogus'.*\nRun 'skiff server --help' for usage\.\n$/);
  const badValue = await skiff(['agent', '--server', 'https://127.0.0.1:1', '--token', 'x', '--kubelet-port', 'many']);
  assert.equal(badValue.code, 2);
  assert.match(badValue.stderr, /^skiff agent: --kubelet-port: invalid port many\nRun 'skiff agent --help' for usage\.\n$/);
  const unknownImages = await skiff(['images', 'frobnicate']);
  assert.equal(unknownImages.code, 2);
  assert.equal(unknownImages.stderr, `skiff images: unknown command "frobnicate"\nRun 'skiff images --help' for usage.\n`);
  for (const command of [[], ['server'], ['agent'], ['images'], ['version'], ['check-config']]) {
    const help = await skiff([...command, '--help']);
    assert.equal(help.code, 0, `skiff ${command.join(' ')} --help: ${help.stderr}`);
    assert.match(help.stdout, /Usage/);
  }
});

test('skiff kubectl and skiff images without a server exit 1 naming the kubeconfig or socket they tried', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-no-server-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const kubectl = await skiff(['kubectl', '--data-dir', dir, 'get', 'nodes']);
  assert.equal(kubectl.code, 1);
  assert.equal(
    kubectl.stderr,
    `skiff kubectl: no kubeconfig at ${join(dir, 'kubeconfig.yaml')} (from --data-dir): is \`skiff server\` running? Give --data-dir DIR, --kubeconfig FILE or set KUBECONFIG\n`,
  );
  const images = await skiff(['images', 'ls', '--data-dir', dir]);
  assert.equal(images.code, 1);
  assert.match(images.stderr, new RegExp(`^skiff images: containerd's socket ${join(dir, 'agent', 'containerd', 'containerd.sock')} \\(data dir ${dir} from --data-dir\\) does not exist`));
});

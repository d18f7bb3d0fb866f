import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseMountInfo } from './mounter.js';

const execFileAsync = promisify(execFile);
const unshare = ['/usr/bin/unshare', '/bin/unshare'].find((path) => existsSync(path));
const skip = process.getuid?.() !== 0 ? 'needs root' : unshare === undefined ? 'unshare is not installed' : false;

// The mounts happen in a child process inside its own private mount namespace, so nothing
// can leak into the host's mount table even if the test fails half-way.
test('memory-backed emptyDir and secret volumes are real tmpfs mounts, unmounted by tearDown', { skip }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'skiff-tmpfs-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const podsDir = join(root, 'pods');
  const script = `
    import { PodVolumes } from ${JSON.stringify(new URL('./volumes.js', import.meta.url).href)};
    import { readFile, writeFile, stat } from 'node:fs/promises';
    const mounts = async () => (await readFile('/proc/self/mountinfo', 'utf8')).split('\\n').filter((l) => l.includes(${JSON.stringify(podsDir)}));
    const volumes = new PodVolumes({
      podsDir: ${JSON.stringify(podsDir)},
      nodeName: 'n',
      sources: {
        configMap: () => undefined,
        secret: () => ({ metadata: { name: 's' }, data: { k: Buffer.from('v').toString('base64') } }),
        persistentVolumeClaim: () => undefined,
        persistentVolume: () => undefined,
      },
    });
    const pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [{ name: 'c' }], volumes: [
      { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '2Mi' } },
      { name: 's', secret: { secretName: 's' } },
    ] } };
    const paths = await volumes.setUp(pod);
    await volumes.setUp(pod);
    await writeFile(paths.get('mem') + '/f', 'x');
    const during = await mounts();
    const secret = await readFile(paths.get('s') + '/k', 'utf8');
    await volumes.tearDown('u1');
    const after = await mounts();
    let podDirGone = false;
    try { await stat(${JSON.stringify(join(podsDir, 'u1'))}); } catch { podDirGone = true; }
    console.log(JSON.stringify({ paths: [...paths], during, secret, after, podDirGone }));
  `;
  const { stdout } = await execFileAsync(unshare!, ['--mount', '--propagation', 'private', process.execPath, '--input-type=module', '-e', script]);
  const result = JSON.parse(stdout) as { paths: [string, string][]; during: string[]; secret: string; after: string[]; podDirGone: boolean };
  const paths = new Map(result.paths);
  const points = parseMountInfo(result.during.join('\n'));
  assert.deepEqual(points.sort(), [paths.get('mem'), paths.get('s')].sort(), 'one mount per volume, no double mount on the second setUp');
  const memLine = result.during.find((line) => line.split(' ')[4] === paths.get('mem'))!;
  assert.match(memLine, / - tmpfs tmpfs .*size=2048k/);
  assert.equal(result.secret, 'v');
  assert.deepEqual(result.after, []);
  assert.equal(result.podDirGone, true);
  const hostMounts = parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
  assert.ok(!hostMounts.some((point) => point.startsWith(podsDir)), 'nothing leaked into this mount namespace');
});

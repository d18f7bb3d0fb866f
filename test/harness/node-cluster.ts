import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clusterPolling, TestCluster, type TestClusterOptions } from './cluster.js';
import { waitFor } from '../../src/testing/wait.js';
import { writeTestImages } from './images.js';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));

/** The address the node of {@link startNodeCluster} has, unless `options.nodeIP` says otherwise. */
export const nodeClusterIP = '192.168.76.1';

/**
 * A cluster whose server runs its own node agent (containerd) on a machine with its own address
 * ({@link nodeClusterIP}), so pods reach `kubernetes.default.svc` and cluster DNS as on a real
 * node: the test images are written to `imagesDir`, imported with `skiff images import`, and the
 * node is Ready when this resolves.
 */
export async function startNodeCluster(nodeName: string, imagesDir: string, options: TestClusterOptions = {}): Promise<TestCluster> {
  const c = await TestCluster.start({ nodeIP: nodeClusterIP, ...options, agent: true, serverArgs: ['--node-name', nodeName, ...(options.serverArgs ?? [])] });
  try {
    const files = await writeTestImages(imagesDir);
    await waitFor('containerd to answer', async () => existsSync(c.containerdSocket), { ...clusterPolling, timeoutMs: 60_000 });
    const imported = await c.netns.run(process.execPath, [skiffBin, 'images', 'import', '--data-dir', c.dataDir, ...files]);
    assert.equal(imported.code, 0, `skiff images import failed:\n${imported.stderr}\n${imported.stdout}`);
    await waitFor(`${nodeName} to be Ready`, async () => (await c.kubectl(['get', 'node', nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True', { ...clusterPolling, timeoutMs: 90_000, intervalMs: 500 });
  } catch (err) {
    // The caller never gets the cluster: take it down here, with its log for the failure.
    const log = c.log.slice(-6000);
    await c.stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- server log ---\n${log}`);
  }
  return c;
}

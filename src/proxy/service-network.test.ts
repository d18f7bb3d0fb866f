import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CommandResult } from './nftables.js';
import { ensureServiceRoute, removeServiceNetwork } from './service-network.js';

/** A runner that records commands; `present` says which `show`/`list` commands find something. */
function recorder(present: (args: string[]) => boolean) {
  const calls: string[] = [];
  const run = async (program: string, args: string[]): Promise<CommandResult> => {
    calls.push(`${program} ${args.join(' ')}`);
    const probe = args.includes('show') || args.includes('list');
    return { code: probe && !present(args) ? 1 : 0, stdout: '', stderr: '' };
  };
  return { calls, run };
}

test('ensureServiceRoute creates the bridge once and routes the Service CIDR through it', async () => {
  const fresh = recorder(() => false);
  await ensureServiceRoute('10.170.0.0/16', { run: fresh.run });
  assert.deepEqual(fresh.calls, [
    'ip link show dev skiff-svc0',
    'ip link add skiff-svc0 type bridge',
    'ip link set skiff-svc0 up',
    'ip route replace 10.170.0.0/16 dev skiff-svc0',
  ]);
  const again = recorder(() => true);
  await ensureServiceRoute('10.170.0.0/16', { run: again.run });
  assert.ok(!again.calls.some((c) => c.includes('link add')));
});

test('removeServiceNetwork deletes the table and the bridge when present, and only then', async () => {
  const present = recorder(() => true);
  assert.deepEqual(await removeServiceNetwork({ run: present.run }), { table: true, counters: true, bridge: true });
  assert.ok(present.calls.includes('nft delete table ip skiff'));
  assert.ok(present.calls.includes('nft delete table ip skiff-connections'));
  assert.ok(present.calls.includes('ip link del skiff-svc0'));
  const gone = recorder(() => false);
  assert.deepEqual(await removeServiceNetwork({ run: gone.run }), { table: false, counters: false, bridge: false });
  assert.equal(gone.calls.length, 3);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../apimachinery/clock.js';
import { resources } from '../client/client.js';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { isStatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import { apiServerClient } from '../testing/controllers.js';
import { MemoryClient } from '../testing/memory-client.js';
import { waitFor } from '../testing/wait.js';
import type { CommandResult } from './nftables.js';
import { PolicyEnforcer } from './policy-enforcer.js';
import { ServiceProxy } from './service-proxy.js';
import { namespace, networkPolicy, pod, testNode } from './testing.js';

const { pods, namespaces, networkpolicies: networkPolicies } = resources;

test('a PolicyEnforcer composed into the ServiceProxy: policies in its table, pod changes as element deltas, policy changes as full syncs', async () => {
  const clock = new FakeClock();
  const client = new MemoryClient({ clock });
  await client.create(namespaces, '', namespace('default'));
  await client.create(pods, 'default', pod('web', '10.42.0.10', { app: 'web' }));
  await client.create(pods, 'default', pod('client', '10.42.1.20', { role: 'client' }, { node: 'node-b' }));
  const allowClients = networkPolicy('web-from-clients', {
    podSelector: { matchLabels: { app: 'web' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }],
  });
  await client.create(networkPolicies, 'default', allowClients);
  const loaded: string[] = [];
  const proxy = new ServiceProxy({
    client,
    node: testNode,
    clock,
    run: async (_program, _args, stdin): Promise<CommandResult> => {
      loaded.push(stdin);
      return { code: 0, stdout: '', stderr: '' };
    },
    parts: [new PolicyEnforcer({ client, node: testNode, clock })],
  });
  const stop = new AbortController();
  const running = proxy.start(stop.signal);
  try {
    await waitFor('the full sync', () => loaded.length === 1, { clock });
    assert.match(loaded[0]!, /^delete table ip skiff$/m);
    assert.match(loaded[0]!, /chain policy-forward \{\n\t\ttype filter hook forward priority filter; policy accept;/);
    assert.match(loaded[0]!, /set policy-ingress-isolated \{\n\t\ttype ipv4_addr\n\t\telements = \{\n\t\t\t10\.42\.0\.10,/);
    assert.match(loaded[0]!, /frontends/, 'the Services are in the same table');

    // A second client pod starts on another node: one element.
    await client.create(pods, 'default', pod('client-2', '10.42.1.21', { role: 'client' }, { node: 'node-b' }));
    await waitFor('a partial sync', () => loaded.length === 2, { clock });
    assert.match(loaded[1]!, /^add element ip skiff np-[0-9a-f]+-in-0-peers \{ 10\.42\.1\.21 \}\n$/);

    // The policy goes: its rules leave the chains, a full sync.
    await client.delete(networkPolicies, 'default', 'web-from-clients');
    await waitFor('a full sync', () => loaded.length === 3, { clock });
    assert.match(loaded[2]!, /^delete table ip skiff$/m);
    assert.doesNotMatch(loaded[2]!, /np-[0-9a-f]+-in-0-peers/);
  } finally {
    stop.abort();
    await running;
  }
});

test('through the API server: policies are defaulted, validated, selectable by name, and enforced', async () => {
  const { client, close } = await apiServerClient();
  const loaded: string[] = [];
  const stop = new AbortController();
  const proxy = new ServiceProxy({
    client,
    node: testNode,
    minSyncIntervalMs: 0,
    run: async (_program, _args, stdin): Promise<CommandResult> => {
      loaded.push(stdin);
      return { code: 0, stdout: '', stderr: '' };
    },
    parts: [new PolicyEnforcer({ client, node: testNode })],
  });
  const running = proxy.start(stop.signal);
  try {
    await client.create(pods, 'default', pod('db', '10.42.0.11', { app: 'db' }));
    const created = await client.create<NetworkPolicy & KubeObject>(
      networkPolicies,
      'default',
      networkPolicy('db-dns-only', { podSelector: { matchLabels: { app: 'db' } }, egress: [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }] }] }),
    );
    assert.deepEqual(created.spec?.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(created.spec?.egress?.[0]?.ports, [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
    assert.equal(created.metadata?.generation, 1);
    await assert.rejects(
      client.create(networkPolicies, 'default', networkPolicy('bad', { podSelector: {}, ingress: [{ from: [{}] }] })),
      (error: unknown) => isStatusError(error, 422) && /spec\.ingress\[0\]\.from\[0\]: Required value: must specify a peer/.test(error.message),
    );
    const listed = await client.list(networkPolicies, 'default', { fieldSelector: 'metadata.name=db-dns-only' });
    assert.deepEqual(listed.items.map((p) => p.metadata?.name), ['db-dns-only']);

    const egress = await waitFor('the policy in the table', () => loaded.join('').match(/ip saddr @np-[0-9a-f]+-targets meta l4proto udp th dport 53 return/), { intervalMs: 20 });
    assert.ok(egress);
  } finally {
    stop.abort();
    await running;
    await close();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { desiredRuleset } from './desired-ruleset.js';
import { NftablesSyncer, type CommandResult } from './nftables.js';
import { seedCluster, testNode } from './testing.js';

/** A fake `nft` recording each transaction; `fail` makes the next one exit 1. */
function fakeNft(): { texts: string[]; fail: boolean; run: (program: string, args: string[], stdin: string) => Promise<CommandResult> } {
  const fake = {
    texts: [] as string[],
    fail: false,
    run: async (program: string, args: string[], stdin: string): Promise<CommandResult> => {
      assert.equal(program, 'nft');
      assert.deepEqual(args, ['-f', '-']);
      fake.texts.push(stdin);
      if (fake.fail) {
        fake.fail = false;
        return { code: 1, stdout: '', stderr: 'Error: Could not process rule: No such file or directory' };
      }
      return { code: 0, stdout: '', stderr: '' };
    },
  };
  return fake;
}

function seedWith(change: (c: ReturnType<typeof seedCluster>) => void = () => undefined) {
  const cluster = seedCluster();
  change(cluster);
  return desiredRuleset({ ...cluster, node: testNode }).ruleset;
}

test('first sync is full, then element deltas, nothing when unchanged', async () => {
  const nft = fakeNft();
  const syncer = new NftablesSyncer({ run: nft.run });
  assert.equal((await syncer.sync(seedWith())).mode, 'full');
  assert.match(nft.texts[0]!, /^add table ip skiff\ndelete table ip skiff\ntable ip skiff \{/);
  assert.equal((await syncer.sync(seedWith())).mode, 'unchanged');
  assert.equal(nft.texts.length, 1, 'no nft run when nothing changed');
  const partial = await syncer.sync(seedWith((c) => (c.endpointSlices[2]!.endpoints[0]!.addresses = ['10.42.0.2'])));
  assert.equal(partial.mode, 'partial');
  assert.equal(
    nft.texts[1],
    'delete element ip skiff endpoints-4 { 10.170.11.88 . tcp . 80 . 0 }\n' +
      'delete element ip skiff hairpin { 10.42.0.3 . 10.42.0.3 }\n' +
      'add element ip skiff endpoints-4 { 10.170.11.88 . tcp . 80 . 0 : 10.42.0.2 . 8080 }\n' +
      'add element ip skiff hairpin { 10.42.0.2 . 10.42.0.2 }\n',
  );
});

test('after a failed sync the next one is full', async () => {
  const nft = fakeNft();
  const syncer = new NftablesSyncer({ run: nft.run });
  await syncer.sync(seedWith());
  nft.fail = true;
  await assert.rejects(syncer.sync(seedWith((c) => c.endpointSlices.pop())), /nft -f \(partial sync\) exited 1: Error: Could not process rule/);
  assert.equal((await syncer.sync(seedWith((c) => c.endpointSlices.pop()))).mode, 'full');
  assert.equal((await syncer.sync(seedWith((c) => c.endpointSlices.pop()), { full: true })).mode, 'full');
});

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { NftSession } from './nft-session.js';

// A stand-in for `nft -i`: answers `describe meta mark`, logs every other line (with its pid)
// to a file, fails lines holding `refused` on standard error, exits on `crash`, stays silent on `hang`.
const dir = mkdtempSync(join(tmpdir(), 'skiff-nft-session-'));
const log = join(dir, 'log');
const fakeNft = join(dir, 'nft');
writeFileSync(
  fakeNft,
  `#!${process.execPath}
const fs = require('fs');
if (process.argv[2] !== '-i') process.exit(2);
let buffer = '';
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let at;
  while ((at = buffer.indexOf('\\n')) >= 0) {
    const line = buffer.slice(0, at);
    buffer = buffer.slice(at + 1);
    if (line === 'describe meta mark') { process.stdout.write('meta expression, datatype mark\\n'); continue; }
    fs.appendFileSync(${JSON.stringify(log)}, process.pid + ' ' + process.env.HOME + ' ' + line + '\\n');
    if (line.includes('crash')) process.exit(1);
    if (line.includes('hang')) { process.stdin.pause(); return; }
    if (line.includes('refused')) process.stderr.write('Error: Could not process rule: No such file or directory\\n' + line + '\\n');
  }
});
`,
);
chmodSync(fakeNft, 0o755);
after(() => rmSync(dir, { recursive: true, force: true }));

function logged(): string[][] {
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' '));
}

test('each transaction is one line to one process; errors come back; a process is replaced after a crash and after maxTransactions', async (t) => {
  writeFileSync(log, '');
  const session = new NftSession({ nft: fakeNft, maxTransactions: 3 });
  t.after(() => session.close());
  await session.transaction('delete element ip skiff m { 1 }\nadd element ip skiff m { 1 : 2 }\n');
  await assert.rejects(session.transaction('add element ip skiff refused { 1 }'), /^Error: nft -i: Error: Could not process rule: No such file or directory\nadd element ip skiff refused \{ 1 \}$/);
  await session.transaction('add element ip skiff m { 3 }');
  await session.transaction('add element ip skiff m { 4 }');
  await assert.rejects(session.transaction('crash'), /nft -i exited 1/);
  await session.transaction('add element ip skiff m { 5 }');
  const lines = logged();
  assert.deepEqual(
    lines.map((words) => words.slice(2).join(' ')),
    [
      'delete element ip skiff m { 1 }; add element ip skiff m { 1 : 2 }',
      'add element ip skiff refused { 1 }',
      'add element ip skiff m { 3 }',
      'add element ip skiff m { 4 }',
      'crash',
      'add element ip skiff m { 5 }',
    ],
  );
  const pids = lines.map(([pid]) => pid);
  assert.equal(new Set(pids.slice(0, 3)).size, 1, 'one process for the first three transactions');
  assert.notEqual(pids[3], pids[2], 'a new process after three transactions');
  assert.equal(pids[4], pids[3]);
  assert.notEqual(pids[5], pids[4], 'a new process after the crash');
  assert.ok(lines.every(([, home]) => home === '/dev/null'), 'no history file');
});

test('a transaction that gets no answer fails in time; what cannot be one line is refused', async (t) => {
  writeFileSync(log, '');
  // Generous: the fake's start, on a loaded machine, must fit in it too.
  const session = new NftSession({ nft: fakeNft, timeoutMs: 3000 });
  t.after(() => session.close());
  await session.transaction('add element ip skiff m { 5 }');
  await assert.rejects(session.transaction('hang'), /nft -i no answer within 3000 ms/);
  await session.transaction('add element ip skiff m { 6 }');
  const pids = logged().map(([pid]) => pid);
  assert.equal(pids.length, 3);
  assert.notEqual(pids[2], pids[1], 'a new process after the one that hung');
  assert.equal(NftSession.accepts('add element ip skiff m { 1 }\ndelete element ip skiff m { 2 }\n'), true);
  assert.equal(NftSession.accepts('add element ip skiff m { 1 } # why'), false);
  await assert.rejects(session.transaction('add rule ip skiff c counter comment "#1"'), /cannot go through the session/);
});

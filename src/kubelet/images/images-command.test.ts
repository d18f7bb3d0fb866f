import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCtrImagesList, runImagesCommand } from './images-command.js';
import { createTar } from './tar.js';

const listing = `REF                 TYPE                                       DIGEST                                                                  SIZE    PLATFORMS   LABELS
sha256:36c0278d91bc application/vnd.oci.image.manifest.v1+json sha256:bd622c0e423cb4deeb4b7bcafe1b0539ce46d55ad9811c7f431f47af4a55c448 1.0 MiB linux/amd64 io.cri-containerd.image=managed
skiff.dev/bb:1      application/vnd.oci.image.manifest.v1+json sha256:bd622c0e423cb4deeb4b7bcafe1b0539ce46d55ad9811c7f431f47af4a55c448 1.0 MiB linux/amd64 io.cri-containerd.image=managed
skiff.dev/pause:1   application/vnd.oci.image.manifest.v1+json sha256:4d79d0ae20508d89da79f928b5f9baac8662ce865ca890453c97390c734d94fe 1.0 KiB linux/amd64 -
`;

function capture(isTTY = false): { text: () => string; isTTY: boolean; write(s: string): boolean } {
  let out = '';
  return { isTTY, text: () => out, write: (s: string) => ((out += s), true) };
}

describe('images command', () => {
  test('parses ctr images ls', () => {
    assert.deepEqual(parseCtrImagesList(listing)[1], {
      name: 'skiff.dev/bb:1',
      digest: 'sha256:bd622c0e423cb4deeb4b7bcafe1b0539ce46d55ad9811c7f431f47af4a55c448',
      size: '1.0 MiB',
      platforms: 'linux/amd64',
    });
  });

  test('ls and import through a stand-in ctr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-imgcmd-'));
    try {
      writeFileSync(join(dir, 'listing'), listing);
      const ctrPath = join(dir, 'ctr');
      writeFileSync(
        ctrPath,
        `#!/bin/sh\ncase "$*" in\n*"images ls"*) cat ${dir}/listing ;;\n*"images import -") cat > /dev/null; echo "unpacking skiff.dev/x:1 (sha256:${'c'.repeat(64)})...done" ;;\nesac\n`,
        { mode: 0o755 },
      );
      let out = capture();
      assert.equal(await runImagesCommand(['ls', '-q'], { address: 'a', ctrPath, stdout: out }), 0);
      assert.equal(out.text(), 'skiff.dev/bb:1\nskiff.dev/pause:1\n');
      out = capture();
      assert.equal(await runImagesCommand(['ls'], { address: 'a', ctrPath, stdout: out }), 0);
      assert.equal(out.text(), 'IMAGE               DIGEST         SIZE      PLATFORMS\nskiff.dev/bb:1      bd622c0e423c   1.0 MiB   linux/amd64\nskiff.dev/pause:1   4d79d0ae2050   1.0 KiB   linux/amd64\n');

      writeFileSync(join(dir, 'x.tar'), createTar([{ type: 'file', path: 'f', content: 'x' }]));
      out = capture();
      const err = capture();
      assert.equal(await runImagesCommand(['import', join(dir, 'x.tar')], { address: 'a', ctrPath, stdout: out, stderr: err }), 0);
      assert.equal(out.text(), `imported skiff.dev/x:1 (sha256:${'c'.repeat(64)})\n`);
      assert.match(err.text(), /^x\.tar \[#+\] 100% 2\.0 KiB\/2\.0 KiB\n$/);

      const failed = capture();
      assert.equal(await runImagesCommand(['import', join(dir, 'missing.tar')], { address: 'a', ctrPath, stderr: failed }), 1);
      assert.match(failed.text(), /^error: .*ENOENT/);
      assert.equal(await runImagesCommand(['frob'], { address: 'a', stderr: capture() }), 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

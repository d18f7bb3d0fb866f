import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseBuildBusyboxArgs, splitCommandWords } from './build-busybox-command.js';

describe('skiff images build-busybox arguments', () => {
  test('name, command, ports and files make the image; -o writes instead of importing', () => {
    const r = parseBuildBusyboxArgs([
      'hello:1',
      '--cmd', 'httpd -f -p 8080 -h /www',
      '--port', '8080',
      '--port', '9090',
      '--file', '/www/index.html=hello=world',
      '--file', '/bin/hi=#!/bin/sh\necho hi',
      '-o', '/tmp/hello.tar',
    ]);
    assert.notEqual(r, 'help');
    if (r === 'help') return;
    assert.deepEqual(r.image, {
      name: 'hello:1',
      cmd: ['httpd', '-f', '-p', '8080', '-h', '/www'],
      exposedPorts: { '8080/tcp': {}, '9090/tcp': {} },
      files: [
        { path: '/www/index.html', content: 'hello=world', mode: 0o644 },
        { path: '/bin/hi', content: '#!/bin/sh\necho hi', mode: 0o755 },
      ],
    });
    assert.equal(r.output, '/tmp/hello.tar');
    assert.deepEqual(r.importFlags, []);
  });

  test('without -o the node flags go on to the import', () => {
    const r = parseBuildBusyboxArgs(['skiff.dev/x:2', '--data-dir', '/srv/skiff', '--address', '/run/c.sock']);
    assert.notEqual(r, 'help');
    if (r === 'help') return;
    assert.equal(r.output, undefined);
    assert.deepEqual(r.importFlags, ['--data-dir', '/srv/skiff', '--address', '/run/c.sock']);
    assert.deepEqual(r.image, { name: 'skiff.dev/x:2' });
  });

  test('bad input is refused with the reason', () => {
    assert.throws(() => parseBuildBusyboxArgs([]), /one image NAME:TAG/);
    assert.throws(() => parseBuildBusyboxArgs(['a:1', 'b:1']), /one image NAME:TAG/);
    assert.throws(() => parseBuildBusyboxArgs(['Bad:1']), /invalid image reference/);
    assert.throws(() => parseBuildBusyboxArgs(['a:1', '--port', '70000']), /not a port/);
    assert.throws(() => parseBuildBusyboxArgs(['a:1', '--port', '80x']), /not a port/);
    assert.throws(() => parseBuildBusyboxArgs(['a:1', '--file', 'relative=x']), /ABSOLUTE/);
    assert.throws(() => parseBuildBusyboxArgs(['a:1', '--cmd', '  ']), /empty command/);
    assert.throws(() => parseBuildBusyboxArgs(['a:1', '--nope']), /Unknown option/);
    assert.equal(parseBuildBusyboxArgs(['--help']), 'help');
  });

  test('commands split into words as a shell would', () => {
    assert.deepEqual(splitCommandWords(`sh -c 'echo "hi there"; sleep 1'`), ['sh', '-c', 'echo "hi there"; sleep 1']);
    assert.deepEqual(splitCommandWords(`echo "a \\"b\\"" c\\ d ''`), ['echo', 'a "b"', 'c d', '']);
    assert.throws(() => splitCommandWords(`echo 'open`), /unterminated/);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAccessLogMessage } from './access-log.js';

test('a syslog datagram of the access log gives the status and the upstream address nginx answered from', () => {
  assert.deepEqual(parseAccessLogMessage('<190>Dec  4 12:00:00 skiff: skiff1 200 10.43.0.11:80'), { address: '10.43.0.11', port: 80, code: '200' });
  assert.deepEqual(parseAccessLogMessage('<190>Dec 14 01:02:03 skiff: skiff1 503 [FD00:10:43::a]:8080'), { address: 'fd00:10:43::a', port: 8080, code: '503' });
});

test('when nginx tried several addresses, the last one answered', () => {
  assert.deepEqual(parseAccessLogMessage('<190>Dec  4 12:00:00 skiff: skiff1 502 10.43.0.11:80, 10.43.0.12:80'), { address: '10.43.0.12', port: 80, code: '502' });
  assert.deepEqual(parseAccessLogMessage('<190>Dec  4 12:00:00 skiff: skiff1 200 10.43.0.11:80 : 10.43.0.13:81'), { address: '10.43.0.13', port: 81, code: '200' });
});

test('anything else is not an access-log line', () => {
  for (const m of ['', 'hello', '<190>Dec  4 12:00:00 skiff: skiff1 200 -', '<190>Dec  4 12:00:00 skiff: skiff1 200 unix:/run/x.sock', '<190>Dec  4 12:00:00 skiff: skiff2 200 10.0.0.1:80', '<190>x skiff: skiff1 200 10.0.0.1:99999', '<190>x skiff: skiff1 20 10.0.0.1:80']) {
    assert.equal(parseAccessLogMessage(m), undefined, m);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../testing/wait.js';
import { NginxProcess } from './nginx-process.js';

const nginxBinary = '/usr/sbin/nginx';

/** A configuration answering `body` on a unix socket (no network port is used). */
const config = (dir: string, body: string) => `pid ${dir}/nginx.pid;
error_log stderr notice;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  server { listen unix:${dir}/http.sock; location / { return 200 "${body}\\n"; } }
}
`;

const get = (dir: string): Promise<string> =>
  new Promise((resolve) => execFile('curl', ['-s', '--max-time', '5', '--unix-socket', join(dir, 'http.sock'), 'http://x/'], (err, stdout) => resolve(err ? '' : stdout)));

const alive = async (pid: number): Promise<boolean> => (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')) !== '';

test('nginx runs supervised: reloads gracefully, comes back when killed (its workers with it), stops on abort', { skip: !existsSync(nginxBinary) || !existsSync('/usr/bin/curl') }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-nginx-'));
  await mkdir(join(dir, 'tmp'));
  const configFile = join(dir, 'nginx.conf');
  await writeFile(configFile, config(dir, 'one'));
  const logs: string[] = [];
  const nginx = new NginxProcess({ binary: nginxBinary, prefixDir: dir, configFile, pidFile: join(dir, 'nginx.pid'), initialBackoffMs: 50, workerScanMs: 50, loadTimeoutMs: 2000, log: (l) => logs.push(l) });
  const abort = new AbortController();
  const running = nginx.run(abort.signal);
  try {
    const polling = { timeoutMs: 10_000, intervalMs: 50 };
    await waitFor('nginx answering', async () => (await get(dir)) === 'one\n', polling);
    assert.match((await nginx.test(configFile)) ?? 'valid', /valid/);
    await writeFile(join(dir, 'broken.conf'), 'http { nonsense; }');
    assert.match((await nginx.test(join(dir, 'broken.conf'))) ?? '', /\[emerg\].*broken\.conf:1/);

    // reload() resolves once new connections get the new configuration: no waiting after it.
    for (const body of ['two-a', 'two-b', 'two']) {
      await writeFile(configFile, config(dir, body));
      assert.equal(await nginx.reload(), true);
      assert.equal(await get(dir), `${body}\n`);
    }

    // A configuration nginx -t passes but the master cannot apply (its socket's directory is missing): not taken, the old one serves.
    await writeFile(configFile, config(dir, 'three').replace(`unix:${dir}/http.sock`, `unix:${dir}/missing/http.sock`));
    assert.equal(await nginx.reload(), false);
    assert.equal(await get(dir), 'two\n');
    await writeFile(configFile, config(dir, 'two'));
    assert.equal(await nginx.reload(), true);

    const first = nginx.pid;
    assert.ok(first);
    // After the reload, the workers of the new generation only: the old ones leave as they finish.
    const workers = await waitFor('one generation of workers', async () => {
      const pids = (await readFile(`/proc/${first}/task/${first}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean).map(Number);
      return pids.length === 1 ? pids : undefined;
    }, polling);
    process.kill(first, 'SIGKILL');
    // A killed master leaves its unix socket file (a TCP port has no such file); the restarts retry until it is gone.
    await waitFor('the master gone', async () => !(await alive(first)), polling);
    await rm(join(dir, 'http.sock'), { force: true });
    await waitFor('a new master', () => nginx.pid !== undefined && nginx.pid !== first, polling);
    await waitFor('answering again', async () => (await get(dir)) === 'two\n', polling).catch((err: unknown) => assert.fail(`${String(err)}\n${logs.join('\n')}`));
    for (const w of workers) assert.equal(await alive(w), false, `worker ${w} of the killed master is gone`);
    assert.ok(logs.some((l) => /nginx exited \(signal SIGKILL\); restarting/.test(l)), logs.join('\n'));

    const last = nginx.pid!;
    abort.abort();
    await running;
    assert.equal(await alive(last), false);
  } finally {
    abort.abort();
    await running;
    await rm(dir, { recursive: true, force: true });
  }
});

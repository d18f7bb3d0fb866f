import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlagsWithConfig } from './config-file.js';
import { isUsageError, type FlagSpec } from './flags.js';

const specs: FlagSpec[] = [
  { name: 'data-dir', type: 'string', help: '', default: '/var/lib/skiff' },
  { name: 'https-port', type: 'string', help: '', default: '6443' },
  { name: 'token', type: 'string', help: '', default: '' },
  { name: 'disable-agent', type: 'boolean', help: '', default: false },
];

/** A config file holding `text`, and a cleanup. */
async function configFile(t: { after: (fn: () => Promise<void>) => void }, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.yaml');
  await writeFile(file, text);
  return file;
}

test('command-line flags win over the config file, which wins over the defaults', async (t) => {
  const file = await configFile(t, 'data-dir: /srv/skiff\nhttps-port: 7443\ndisable-agent: true\n');
  const flags = parseFlagsWithConfig(['--config', file, '--https-port=8443'], specs);
  assert.equal(flags['data-dir'], '/srv/skiff');
  assert.equal(flags['https-port'], '8443');
  assert.equal(flags['disable-agent'], true);
  assert.equal(flags.token, '');
  assert.equal(flags['log-level'], 'info');
  assert.equal(flags.config, file);
});

test('the default config file is read when present and skipped when absent', async (t) => {
  const file = await configFile(t, 'token: secret\nlog-level: debug\n');
  const flags = parseFlagsWithConfig([], specs, { defaultPath: file });
  assert.equal(flags.token, 'secret');
  assert.equal(flags['log-level'], 'debug');
  const none = parseFlagsWithConfig([], specs, { defaultPath: join(tmpdir(), 'skiff-no-such-dir', 'config.yaml') });
  assert.equal(none.token, '');
  assert.equal(none.config, undefined);
});

test('an unknown key, a wrong type, or a missing --config file is a usage error naming it', async (t) => {
  const unknown = await configFile(t, 'data-dir: /srv\nhttp-port: 1\n');
  assert.throws(
    () => parseFlagsWithConfig(['--config', unknown], specs),
    (err: Error) => isUsageError(err) && err.message === `${unknown}: unknown key "http-port" (keys are flag names without dashes)`,
  );
  const wrongType = await configFile(t, 'disable-agent: "yes"\n');
  assert.throws(() => parseFlagsWithConfig(['--config', wrongType], specs), /disable-agent: expected true or false, got "yes"/);
  assert.throws(() => parseFlagsWithConfig(['--config', '/nonexistent/skiff.yaml'], specs), (err: Error) => isUsageError(err) && /--config: \/nonexistent\/skiff.yaml: no such file/.test(err.message));
  assert.throws(() => parseFlagsWithConfig(['--bogus'], specs), (err: Error) => isUsageError(err) && /--bogus/.test(err.message));
});

test('-v and --v set the verbosity as klog does', () => {
  const defaultPath = join(tmpdir(), 'skiff-no-such-dir', 'config.yaml');
  assert.equal(parseFlagsWithConfig(['-v', '4'], specs, { defaultPath }).v, '4');
  assert.equal(parseFlagsWithConfig(['--v=2'], specs, { defaultPath }).v, '2');
});

test('ignoreUnknownKeys reads the keys a command knows from a file written for another', async (t) => {
  const file = await configFile(t, 'data-dir: /srv/skiff\nservice-cidr: 10.170.0.0/16\n');
  assert.throws(() => parseFlagsWithConfig(['--config', file], specs), (err: unknown) => isUsageError(err) && /unknown key "service-cidr"/.test(String(err)));
  const flags = parseFlagsWithConfig(['--config', file], specs, { ignoreUnknownKeys: true });
  assert.equal(flags['data-dir'], '/srv/skiff');
  assert.equal(flags['service-cidr'], undefined);
});

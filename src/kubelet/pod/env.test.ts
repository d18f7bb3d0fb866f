import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Container, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { ContainerConfigError, expandContainerCommand, resolveContainerEnv, type EnvSources } from './env.js';
import { downwardAPIPayload } from '../volumes/downward-api.js';
import { expand, mappingFor } from './expansion.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const configMaps: Record<string, ConfigMap> = {
  'shop/app-config': { metadata: { name: 'app-config' }, data: { MODE: 'prod', 'log.level': 'debug', '1BAD': 'x', URL: 'http://$(HOST)' } },
};
const secrets: Record<string, Secret> = {
  'shop/db': { metadata: { name: 'db' }, data: { password: b64('s3cret'), USER: b64('admin') } },
};

function sources(overrides: Partial<EnvSources> = {}): EnvSources {
  return {
    configMap: (ns, name) => configMaps[`${ns}/${name}`],
    secret: (ns, name) => secrets[`${ns}/${name}`],
    nodeName: 'node-a',
    hostIP: '192.168.1.10',
    podIPs: ['10.42.0.5', 'fd00::5'],
    nodeAllocatable: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '10Gi' },
    ...overrides,
  };
}

const pod: Pod = {
  metadata: { name: 'tomcat-redis', namespace: 'shop', uid: 'uid-1', labels: { app: 'canary-tomcat', track: 'stable' }, annotations: { note: 'a "quoted" value' } },
  spec: { nodeName: 'node-a', serviceAccountName: 'default', containers: [] },
};

function envOf(container: Partial<Container>, src = sources()): Record<string, string> {
  return Object.fromEntries(resolveContainerEnv(pod, { name: 'c', ...container }, src).env.map((e) => [e.key, e.value]));
}

describe('expand', () => {
  const mapping = mappingFor(new Map([['A', 'alpha'], ['EMPTY', '']]));
  test('upstream expansion rules', () => {
    assert.equal(expand('$(A)-$(A)', mapping), 'alpha-alpha');
    assert.equal(expand('$$(A)', mapping), '$(A)');
    assert.equal(expand('$(UNKNOWN) $(EMPTY)x', mapping), '$(UNKNOWN) x');
    assert.equal(expand('cost $5 and $(A', mapping), 'cost $5 and $(A');
    assert.equal(expand('end$', mapping), 'end$');
    assert.equal(expand('$$$$', mapping), '$$');
    assert.equal(expand('$()', mapping), '$()');
  });
});

describe('resolveContainerEnv', () => {
  test('values expand references to earlier variables only, in order', () => {
    const env = resolveContainerEnv(pod, {
      name: 'c',
      env: [{ name: 'A', value: 'one' }, { name: 'B', value: '$(A)-two-$(C)' }, { name: 'C', value: 'three' }, { name: 'D', value: '$$(A)' }],
    }, sources()).env;
    assert.deepEqual(env, [{ key: 'A', value: 'one' }, { key: 'B', value: 'one-two-$(C)' }, { key: 'C', value: 'three' }, { key: 'D', value: '$(A)' }]);
  });

  test('fieldRef paths', () => {
    const field = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    assert.deepEqual(envOf({
      env: [
        field('NAME', 'metadata.name'), field('NS', 'metadata.namespace'), field('UID', 'metadata.uid'),
        field('TRACK', "metadata.labels['track']"), field('NOTE', "metadata.annotations['note']"), field('MISSING', "metadata.labels['nope']"),
        field('NODE', 'spec.nodeName'), field('SA', 'spec.serviceAccountName'),
        field('HOST_IP', 'status.hostIP'), field('HOST_IPS', 'status.hostIPs'), field('POD_IP', 'status.podIP'), field('POD_IPS', 'status.podIPs'),
        field('LABELS', 'metadata.labels'),
      ],
    }), {
      NAME: 'tomcat-redis', NS: 'shop', UID: 'uid-1', TRACK: 'stable', NOTE: 'a "quoted" value', MISSING: '',
      NODE: 'node-a', SA: 'default', HOST_IP: '192.168.1.10', HOST_IPS: '192.168.1.10', POD_IP: '10.42.0.5', POD_IPS: '10.42.0.5,fd00::5',
      LABELS: 'app="canary-tomcat"\ntrack="stable"',
    });
    assert.throws(() => envOf({ env: [field('X', 'spec.bogus')] }), (err: unknown) => err instanceof ContainerConfigError && err.message === 'field label not supported: spec.bogus');
  });

  test('resourceFieldRef: divisors round up, missing limits default to node allocatable', () => {
    const resource = (name: string, res: string, divisor?: string, containerName?: string) =>
      ({ name, valueFrom: { resourceFieldRef: { resource: res, ...(divisor ? { divisor } : {}), ...(containerName ? { containerName } : {}) } } });
    const container: Partial<Container> = {
      resources: { requests: { cpu: '250m', memory: '100Mi' }, limits: { cpu: '1500m' } },
      env: [
        resource('CPU_LIMIT', 'limits.cpu'), resource('CPU_LIMIT_M', 'limits.cpu', '1m'), resource('CPU_REQ', 'requests.cpu'),
        resource('MEM_REQ_MI', 'requests.memory', '1Mi'), resource('MEM_LIMIT', 'limits.memory'), resource('MEM_LIMIT_GI', 'limits.memory', '1Gi'),
        resource('EPH', 'limits.ephemeral-storage', '1G'),
      ],
    };
    assert.deepEqual(envOf(container), {
      CPU_LIMIT: '2', CPU_LIMIT_M: '1500', CPU_REQ: '1', MEM_REQ_MI: '100', MEM_LIMIT: String(4 * 2 ** 30), MEM_LIMIT_GI: '4', EPH: '11',
    });
    assert.throws(() => envOf({ env: [resource('X', 'limits.gpu')] }), /unsupported container resource : limits.gpu/);
  });

  test('configMapKeyRef and secretKeyRef (base64 data)', () => {
    assert.deepEqual(envOf({
      env: [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'MODE' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'nope', optional: true } } },
        { name: 'OPT2', valueFrom: { secretKeyRef: { name: 'gone', key: 'k', optional: true } } },
      ],
    }), { MODE: 'prod', PASSWORD: 's3cret' });
  });

  test('missing sources fail with upstream\'s messages unless optional', () => {
    const failsWith = (container: Partial<Container>, message: string) =>
      assert.throws(() => envOf(container), (err: unknown) => err instanceof ContainerConfigError && err.message === message && err.reason === 'CreateContainerConfigError');
    failsWith({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'x', key: 'k' } } }] }, 'configmap "x" not found');
    failsWith({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'x', key: 'k' } } }] }, 'secret "x" not found');
    failsWith({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'k' } } }] }, "couldn't find key k in ConfigMap shop/app-config");
    failsWith({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'k' } } }] }, "couldn't find key k in Secret shop/db");
    failsWith({ envFrom: [{ configMapRef: { name: 'x' } }] }, 'configmap "x" not found');
    assert.deepEqual(envOf({ envFrom: [{ configMapRef: { name: 'x', optional: true } }, { secretRef: { name: 'y', optional: true } }] }), {});
  });

  test('envFrom with prefixes, invalid keys skipped with a warning, env overrides envFrom', () => {
    const result = resolveContainerEnv(pod, {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'app-config' } }, { prefix: 'DB_', secretRef: { name: 'db' } }],
      env: [{ name: 'MODE', value: 'dev' }, { name: 'WHERE', value: '$(DB_USER)@$(log.level)' }],
    }, sources());
    assert.deepEqual(Object.fromEntries(result.env.map((e) => [e.key, e.value])), {
      'log.level': 'debug', MODE: 'dev', URL: 'http://$(HOST)', DB_USER: 'admin', DB_password: 's3cret', WHERE: 'admin@debug',
    });
    assert.deepEqual(result.warnings, ['Keys [1BAD] from the EnvFrom configMap shop/app-config were skipped since they are considered invalid environment variable names.']);
  });

  test('service variables are available to references and appended when not set', () => {
    const env = resolveContainerEnv(pod, { name: 'c', env: [{ name: 'API', value: 'https://$(KUBERNETES_SERVICE_HOST)' }, { name: 'KUBERNETES_PORT', value: 'mine' }] },
      sources({ serviceEnv: { KUBERNETES_SERVICE_HOST: '10.43.0.1', KUBERNETES_PORT: 'tcp://10.43.0.1:443' } })).env;
    assert.deepEqual(env, [
      { key: 'API', value: 'https://10.43.0.1' }, { key: 'KUBERNETES_PORT', value: 'mine' }, { key: 'KUBERNETES_SERVICE_HOST', value: '10.43.0.1' },
    ]);
  });
});

describe('downward API: environment variables and volume files agree', () => {
  test('every resourceFieldRef and metadata fieldRef gives the same value as a variable and as a file', () => {
    const app: Container = {
      name: 'app',
      resources: { requests: { cpu: '1.1', memory: '100Mi', 'hugepages-2Mi': '6Mi' }, limits: { cpu: '0.3', 'hugepages-2Mi': '6Mi' } },
    };
    const annotated: Pod = {
      ...pod,
      metadata: { ...pod.metadata, labels: { app: 'w\u00e9b\ttab', track: 'stable' }, annotations: { note: 'line\u200bbreak "q"' } },
      spec: { ...pod.spec, containers: [app] },
    };
    const refs: [string, string, string?][] = [
      ['limits.cpu', '1'], ['limits.cpu', '100m'], ['limits.cpu', '1m'], ['requests.cpu', '100m'], ['requests.cpu', '1m'], ['requests.cpu', '1'],
      ['requests.memory', '1'], ['requests.memory', '1M'], ['requests.memory', '1Ki'], ['limits.memory', '1Mi'], ['limits.memory', '1G'],
      ['limits.ephemeral-storage', '1Gi'], ['requests.hugepages-2Mi', '1Mi'], ['limits.hugepages-2Mi', '1M'], ['requests.ephemeral-storage', '1'],
    ];
    const fields = ['metadata.name', 'metadata.namespace', 'metadata.uid', "metadata.labels['app']", "metadata.annotations['note']", 'metadata.annotations'];
    const allocatable = { cpu: '3900m', memory: '7.5Gi', 'ephemeral-storage': '100G' };
    const env = Object.fromEntries(resolveContainerEnv(annotated, {
      ...app,
      env: [
        ...refs.map(([resource, divisor], i) => ({ name: `R${i}`, valueFrom: { resourceFieldRef: { resource, divisor } } })),
        ...fields.map((fieldPath, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath } } })),
      ],
    }, sources({ nodeAllocatable: allocatable })).env.map((e) => [e.key, e.value]));
    const files = downwardAPIPayload([
      ...refs.map(([resource, divisor], i) => ({ path: `R${i}`, resourceFieldRef: { containerName: 'app', resource, divisor } })),
      ...fields.map((fieldPath, i) => ({ path: `F${i}`, fieldRef: { fieldPath } })),
    ], annotated, 0o644, allocatable);
    for (const [name, value] of Object.entries(env)) assert.equal(files.get(name)?.data.toString(), value, name);
    assert.deepEqual(refs.map((_, i) => env[`R${i}`]), [
      '1', '3', '300', '11', '1100', '2', String(100 * 2 ** 20), '105', '102400', '7680', '9', '94', '6', '7', '0',
    ]);
    assert.equal(env.F4, 'line\u200bbreak "q"');
    assert.equal(env.F5, 'note="line\\u200bbreak \\"q\\""', 'Go %q quoting in both');
  });
});

describe('expandContainerCommand', () => {
  test('expands command and args from the resolved environment', () => {
    const result = expandContainerCommand(
      { name: 'c', command: ['sh', '-c', 'echo $(GREETING) $$(GREETING) $(NOPE)'], args: ['$(GREETING)'] },
      [{ key: 'GREETING', value: 'hello' }],
    );
    assert.deepEqual(result, { command: ['sh', '-c', 'echo hello $(GREETING) $(NOPE)'], args: ['hello'] });
    assert.deepEqual(expandContainerCommand({ name: 'c' }, []), {});
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAPISchemas } from '../openapi/definitions.js';
import { StatusError } from '../../apimachinery/errors.js';
import { decodeProtobufObject } from './decode.js';
import { protobufBody, WireWriter } from './wire-writer.js';

const schemas = OpenAPISchemas.load();

/** ObjectMeta as gogo writes it: every non-pointer field, zero or not. */
function objectMeta(name: string, namespace = '', labels: Record<string, string> = {}): WireWriter {
  const m = new WireWriter()
    .string(1, name)
    .string(2, '')
    .string(3, namespace)
    .string(4, '')
    .string(5, '')
    .string(6, '')
    .varint(7, 0)
    .message(8, new WireWriter());
  for (const [k, v] of Object.entries(labels)) m.mapString(11, k, v);
  return m;
}

function quantity(s: string): WireWriter {
  return new WireWriter().string(1, s);
}

function intOrString(v: number | string): WireWriter {
  return typeof v === 'number'
    ? new WireWriter().varint(1, 0).varint(2, v).string(3, '')
    : new WireWriter().varint(1, 1).varint(2, 0).string(3, v);
}

function decode(body: Buffer): Record<string, unknown> {
  return decodeProtobufObject(body, schemas);
}

function assertBadRequest(fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof StatusError, `expected StatusError, got ${String(err)}`);
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('decodeProtobufObject', () => {
  test('ConfigMap: data map (empty values kept), zero metadata dropped', () => {
    const cm = new WireWriter().message(1, objectMeta('x', 'default')).mapString(2, 'a', 'b').mapString(2, 'empty', '');
    assert.deepEqual(decode(protobufBody('v1', 'ConfigMap', cm)), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: 'default' },
      data: { a: 'b', empty: '' },
    });
  });

  test('Secret: bytes map values become base64; pointer immutable=false is kept', () => {
    const data = new WireWriter().string(1, 'k').bytes(2, Buffer.from([0, 1, 2, 255]));
    const secret = new WireWriter().message(1, objectMeta('s')).message(2, data).string(3, 'Opaque').varint(5, false);
    assert.deepEqual(decode(protobufBody('v1', 'Secret', secret)), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { k: Buffer.from([0, 1, 2, 255]).toString('base64') },
      type: 'Opaque',
      immutable: false,
    });
  });

  test('Namespace: labels, empty spec and status messages stay as {} (as Go JSON sends them)', () => {
    const ns = new WireWriter()
      .message(1, objectMeta('ns1', '', { team: 'a', tier: '' }))
      .message(2, new WireWriter())
      .message(3, new WireWriter().string(1, ''));
    assert.deepEqual(decode(protobufBody('v1', 'Namespace', ns)), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'ns1', labels: { team: 'a', tier: '' } },
      spec: {},
      status: {},
    });
  });

  test('Deployment with replicas 0 and a full pod template', () => {
    const port = new WireWriter().string(1, '').varint(2, 0).varint(3, 8080).string(4, 'TCP').string(5, '');
    const env = new WireWriter().string(1, 'MODE').string(2, 'fast');
    const resources = new WireWriter()
      .message(1, new WireWriter().string(1, 'memory').message(2, quantity('128Mi')))
      .message(2, new WireWriter().string(1, 'cpu').message(2, quantity('250m')));
    const probe = new WireWriter()
      .message(1, new WireWriter().message(2, new WireWriter().string(1, '/healthz').message(2, intOrString('http')).string(3, '').string(4, 'HTTP')))
      .varint(2, 5)
      .varint(3, 0)
      .varint(4, 10)
      .varint(5, 0)
      .varint(6, 0);
    const securityContext = new WireWriter().varint(4, 0).varint(2, false);
    const container = new WireWriter()
      .string(1, 'web')
      .string(2, 'nginx:1.25')
      .string(3, 'nginx')
      .string(4, '-g')
      .string(4, 'daemon off;')
      .string(5, '')
      .message(6, port)
      .message(7, env)
      .message(8, resources)
      .message(10, probe)
      .string(13, '/dev/termination-log')
      .string(14, 'IfNotPresent')
      .message(15, securityContext)
      .varint(16, false)
      .varint(17, false)
      .varint(18, false)
      .string(20, 'File');
    const emptyDirVolume = new WireWriter().string(1, 'cache').message(2, new WireWriter().message(2, new WireWriter()));
    const configMapVolume = new WireWriter()
      .string(1, 'conf')
      .message(2, new WireWriter().message(19, new WireWriter().message(1, new WireWriter().string(1, 'app-config')).varint(3, 420)));
    const podSpec = new WireWriter()
      .message(1, emptyDirVolume)
      .message(1, configMapVolume)
      .message(2, container)
      .string(3, 'Always')
      .varint(4, 30)
      .string(6, 'ClusterFirst')
      .varint(11, false)
      .varint(25, -5);
    const template = new WireWriter().message(1, objectMeta('', '', { app: 'web' })).message(2, podSpec);
    const selector = new WireWriter().mapString(1, 'app', 'web');
    const strategy = new WireWriter().string(1, 'RollingUpdate').message(2, new WireWriter().message(1, intOrString(0)).message(2, intOrString('25%')));
    const spec = new WireWriter()
      .varint(1, 0)
      .message(2, selector)
      .message(3, template)
      .message(4, strategy)
      .varint(5, 0)
      .varint(7, false);
    const deployment = new WireWriter().message(1, objectMeta('web', 'prod')).message(2, spec).message(3, new WireWriter());
    assert.deepEqual(decode(protobufBody('apps/v1', 'Deployment', deployment)), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'prod' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            volumes: [
              { name: 'cache', emptyDir: {} },
              { name: 'conf', configMap: { name: 'app-config', defaultMode: 420 } },
            ],
            containers: [
              {
                name: 'web',
                image: 'nginx:1.25',
                command: ['nginx'],
                args: ['-g', 'daemon off;'],
                ports: [{ containerPort: 8080, protocol: 'TCP' }],
                env: [{ name: 'MODE', value: 'fast' }],
                resources: { limits: { memory: '128Mi' }, requests: { cpu: '250m' } },
                livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 5, periodSeconds: 10 },
                terminationMessagePath: '/dev/termination-log',
                imagePullPolicy: 'IfNotPresent',
                securityContext: { runAsUser: 0, privileged: false },
                terminationMessagePolicy: 'File',
              },
            ],
            restartPolicy: 'Always',
            terminationGracePeriodSeconds: 30,
            dnsPolicy: 'ClusterFirst',
            priority: -5,
          },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      },
      status: {},
    });
  });

  test('Service: targetPort as a number and as a name; zero IntOrString dropped', () => {
    const port = (name: string, p: number, target: number | string): WireWriter =>
      new WireWriter().string(1, name).string(2, 'TCP').varint(3, p).message(4, intOrString(target)).varint(5, 0);
    const spec = new WireWriter()
      .message(1, port('http', 80, 8080))
      .message(1, port('metrics', 9090, 'metrics'))
      .message(1, port('plain', 81, 0))
      .mapString(2, 'app', 'web')
      .string(3, '')
      .string(4, 'ClusterIP')
      .varint(12, 0)
      .varint(13, false);
    const svc = new WireWriter().message(1, objectMeta('web')).message(2, spec).message(3, new WireWriter().message(1, new WireWriter()));
    assert.deepEqual(decode(protobufBody('v1', 'Service', svc)), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: {
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 'metrics' },
          { name: 'plain', protocol: 'TCP', port: 81 },
        ],
        selector: { app: 'web' },
        type: 'ClusterIP',
      },
      status: { loadBalancer: {} },
    });
  });

  test('DeleteOptions: gracePeriodSeconds 0 is kept, dryRun is a list', () => {
    const opts = new WireWriter().varint(1, 0).string(4, 'Foreground').string(5, 'All');
    assert.deepEqual(decode(protobufBody('v1', 'DeleteOptions', opts)), {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
    assert.deepEqual(decode(protobufBody('apps/v1', 'DeleteOptions', new WireWriter().varint(3, true))), {
      apiVersion: 'apps/v1',
      kind: 'DeleteOptions',
      orphanDependents: true,
    });
  });

  test('Eviction with delete options and preconditions', () => {
    const deleteOptions = new WireWriter().varint(1, 0).message(2, new WireWriter().string(1, 'uid-1'));
    const eviction = new WireWriter().message(1, objectMeta('pod-1', 'default')).message(2, deleteOptions);
    assert.deepEqual(decode(protobufBody('policy/v1', 'Eviction', eviction)), {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'pod-1', namespace: 'default' },
      deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'uid-1' } },
    });
  });

  test('Time and MicroTime become RFC 3339; a zero time is dropped', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5) / 1000;
    const spec = new WireWriter()
      .string(1, 'holder')
      .varint(2, 15)
      .message(3, new WireWriter().varint(1, at).varint(2, 123456789))
      .message(4, new WireWriter())
      .varint(5, 0);
    const meta = objectMeta('lease').message(8, new WireWriter().varint(1, at).varint(2, 999));
    const lease = new WireWriter().message(1, meta).message(2, spec);
    assert.deepEqual(decode(protobufBody('coordination.k8s.io/v1', 'Lease', lease)), {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'lease', creationTimestamp: '2026-01-02T03:04:05Z' },
      spec: { holderIdentity: 'holder', leaseDurationSeconds: 15, acquireTime: '2026-01-02T03:04:05.123456Z', leaseTransitions: 0 },
    });
  });

  test('RawExtension and FieldsV1 hold parsed JSON', () => {
    const managed = new WireWriter()
      .string(1, 'kubectl')
      .string(2, 'Update')
      .string(3, 'apps/v1')
      .string(6, 'FieldsV1')
      .message(7, new WireWriter().bytes(1, Buffer.from('{"f:data":{}}')));
    const meta = objectMeta('rev').message(17, managed);
    const rev = new WireWriter()
      .message(1, meta)
      .message(2, new WireWriter().bytes(1, Buffer.from('{"spec":{"template":{}}}')))
      .varint(3, 7);
    assert.deepEqual(decode(protobufBody('apps/v1', 'ControllerRevision', rev)), {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: 'rev',
        managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }],
      },
      data: { spec: { template: {} } },
      revision: 7,
    });
  });

  test('repeated scalars: packed and unpacked; unknown fields are skipped', () => {
    const rule = (values: WireWriter): WireWriter =>
      new WireWriter()
        .string(1, 'FailJob')
        .message(2, new WireWriter().string(2, 'In').raw(values.finish()))
        .varint(99, 1)
        .string(98, 'future');
    const packed = rule(new WireWriter().packed(3, [1, 2, 300]));
    const unpacked = rule(new WireWriter().varint(3, 1).varint(3, 2).varint(3, 300));
    const job = (r: WireWriter): Buffer =>
      protobufBody('batch/v1', 'Job', new WireWriter().message(1, objectMeta('j')).message(2, new WireWriter().message(11, new WireWriter().message(1, r))));
    const expected = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1, 2, 300] } }] } },
    };
    assert.deepEqual(decode(job(packed)), expected);
    assert.deepEqual(decode(job(unpacked)), expected);
  });

  test('bodies captured from kubectl 1.32 decode to what it sends as JSON', () => {
    const captured = (b64: string): Record<string, unknown> => decode(Buffer.from(b64, 'base64'));
    // kubectl create deployment d1 --image=nginx --replicas=0 --port=80
    assert.deepEqual(
      captured(
        'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50ErQBCh0KAmQxEgAaACIAKgAyADgAQgBaCQoDYXBwEgJkMRKEAQgAEgsKCQoDYXBwEgJkMRprChsKABIAGgAiACoAMgA4AEIAWgkKA2FwcBICZDESTBIuCgVuZ2lueBIFbmdpbngqADIKCgAQABhQIgAqAEIAagByAIABAIgBAJABAKIBABoAMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAiAgoAKAA4ABoMCAAQABgAIAAoADgAGgAiAA==',
      ),
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd1', labels: { app: 'd1' } },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'd1' } },
          template: {
            metadata: { labels: { app: 'd1' } },
            spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }] },
          },
          strategy: {},
        },
        status: {},
      },
    );
    // kubectl create service nodeport svc2 --tcp=81:http
    assert.deepEqual(
      captured(
        'azhzAAoNCgJ2MRIHU2VydmljZRJuCiEKBHN2YzISABoAIgAqADIAOABCAFoLCgNhcHASBHN2YzISRQoeCgc4MS1odHRwEgNUQ1AYUSIKCAEQABoEaHR0cCgAEgsKA2FwcBIEc3ZjMhoAIghOb2RlUG9ydDoAQgBSAFoAYABoABoCCgAaACIA',
      ),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'svc2', labels: { app: 'svc2' } },
        spec: { ports: [{ name: '81-http', protocol: 'TCP', port: 81, targetPort: 'http' }], selector: { app: 'svc2' }, type: 'NodePort' },
        status: { loadBalancer: {} },
      },
    );
    // kubectl create ingress ing1 --rule=foo.com/bar=svc1:http
    assert.deepEqual(
      captured(
        'azhzAAofChRuZXR3b3JraW5nLms4cy5pby92MRIHSW5ncmVzcxJOChQKBGluZzESABoAIgAqADIAOABCABIyGjAKB2Zvby5jb20SJQojCiEKBC9iYXISEiIQCgRzdmMxEggKBGh0dHAQABoFRXhhY3QaAgoAGgAiAA==',
      ),
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'ing1' },
        spec: { rules: [{ host: 'foo.com', http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { name: 'http' } } } }] } }] },
        status: { loadBalancer: {} },
      },
    );
    // kubectl create poddisruptionbudget pdb1 --selector=app=x --min-available=0
    assert.deepEqual(
      captured('azhzAAogCglwb2xpY3kvdjESE1BvZERpc3J1cHRpb25CdWRnZXQSOAoUCgRwZGIxEgAaACIAKgAyADgAQgASFAoGCAAQABoAEgoKCAoDYXBwEgF4GgoIABgAIAAoADAAGgAiAA=='),
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'pdb1' },
        spec: { minAvailable: 0, selector: { matchLabels: { app: 'x' } } },
        status: {},
      },
    );
  });

  test('a body that is not protobuf is a 400', () => {
    assertBadRequest(() => decode(Buffer.from('{"kind":"ConfigMap"}')), /prefix/);
    assertBadRequest(() => decode(Buffer.alloc(0)), /prefix/);
  });

  test('truncated and malformed wire data is a 400', () => {
    const good = protobufBody('v1', 'ConfigMap', new WireWriter().message(1, objectMeta('x')).mapString(2, 'a', 'b'));
    assertBadRequest(() => decode(good.subarray(0, good.length - 3)), /unexpected EOF/);
    // Field 2 of ConfigMap (data) sent as a varint: wrong wire type.
    assertBadRequest(() => decode(protobufBody('v1', 'ConfigMap', new WireWriter().varint(2, 5))), /wireType/);
    // Wire type 7 does not exist.
    assertBadRequest(() => decode(protobufBody('v1', 'ConfigMap', new WireWriter().raw(Buffer.from([0x0f, 0x00])))), /wireType/);
    // A varint that never ends.
    assertBadRequest(() => decode(protobufBody('v1', 'ConfigMap', new WireWriter().raw(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])))));
    // Invalid JSON inside a RawExtension.
    const rev = new WireWriter().message(1, objectMeta('r')).message(2, new WireWriter().bytes(1, Buffer.from('{nope')));
    assertBadRequest(() => decode(protobufBody('apps/v1', 'ControllerRevision', rev)), /data/);
  });

  test('an unknown kind or a missing kind is a 400', () => {
    assertBadRequest(() => decode(protobufBody('v1', 'Gadget', new WireWriter())), /no kind "Gadget" is registered for version "v1"/);
    assertBadRequest(() => decode(protobufBody('nope.example.com/v1', 'ConfigMap', new WireWriter())), /no kind/);
    assertBadRequest(() => decode(protobufBody('v1', '', new WireWriter())), /Kind/);
  });

  test('a bare definitions map works too', () => {
    const body = protobufBody('v1', 'ServiceAccount', new WireWriter().message(1, objectMeta('sa')).varint(4, false));
    assert.deepEqual(decodeProtobufObject(body, schemas.definitions), {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'sa' },
      automountServiceAccountToken: false,
    });
  });
});

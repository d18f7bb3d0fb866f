/**
 * Values upstream refuses and requests that must not hurt the server, each answered with
 * upstream's code and message over HTTPS; and a seeded, bounded fuzzer of valid objects of every
 * served kind, mutated: never a 500, never a crash, and what was stored can be written back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServerCredentials, type ServerCredentials } from '../../src/pki/bootstrap.js';
import { resourceTypes, groupVersion, type ResourceType } from '../../src/apiserver/registry.js';
import { startHttpsApiServer, type HttpsApiServer } from '../../src/testing/https-api-server.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The Status message of an answer (or its body). */
const messageOf = (a: Answer): string => {
  try {
    return (JSON.parse(a.body) as { message?: string }).message ?? a.body;
  } catch {
    return a.body;
  }
};

/** A deterministic generator (mulberry32), so a failing run can be replayed from its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('hostile input', { concurrency: 1 }, () => {
  let dataDir = '';
  let creds: ServerCredentials;
  let server: HttpsApiServer;
  const stop = new AbortController();

  const send = (method: string, path: string, body = '', contentType = 'application/json'): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const payload = Buffer.from(body);
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          method,
          path,
          ca: creds.serverCA.certificatePem,
          cert: creds.admin.certificatePem,
          key: creds.admin.privateKeyPem,
          headers: { Accept: 'application/json', ...(payload.length ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'skiff-hostile-'));
    creds = await ensureServerCredentials({ dataDir, bindAddress: '127.0.0.1', advertiseAddresses: ['127.0.0.1'], httpsPort: 0, serviceCIDR: '10.43.0.0/16', clusterDomain: 'cluster.local' });
    server = await startHttpsApiServer({ credentials: creds, signal: stop.signal, server: { requestTimeoutSeconds: 2 } });
  });
  after(async () => {
    stop.abort();
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const rsPath = '/apis/apps/v1/namespaces/default/replicasets';
  const replicaSet = (name: string, replicas: string) =>
    `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"${name}"},"spec":{"replicas":${replicas},"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`;

  test('int32 fields refuse fractions, exponents, overflow, strings and 1e400 with upstream\'s decoder message; nothing is stored', async () => {
    const cases: [string, string][] = [
      ['1.5', 'number 1.5'],
      ['2147483648', 'number 2147483648'],
      ['1e12', 'number 1e12'],
      ['1e400', 'number 1e400'],
      ['"3"', 'string'],
    ];
    for (const [value, what] of cases) {
      const r = await send('POST', rsPath, replicaSet('bad', value));
      assert.equal(r.status, 400, `${value}: ${r.body}`);
      assert.equal(
        messageOf(r),
        `ReplicaSet in version "v1" cannot be handled as a ReplicaSet: json: cannot unmarshal ${what} into Go struct field ReplicaSetSpec.spec.replicas of type int32`,
      );
    }
    assert.equal((await send('GET', `${rsPath}/bad`)).status, 404);
    // Deep fields name their Go struct and the JSON path without indices, as upstream.
    const port = await send('POST', rsPath, replicaSet('bad', '1').replace('"image":"i"', '"image":"i","ports":[{"containerPort":"80"}]'));
    assert.equal(port.status, 400);
    assert.match(messageOf(port), /json: cannot unmarshal string into Go struct field ContainerPort\.spec\.template\.spec\.containers\.ports\.containerPort of type int32$/);
    const label = await send('POST', '/api/v1/namespaces/default/configmaps', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","labels":{"a":1}}}');
    assert.equal(messageOf(label), 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string');
    // The largest int32 is a number like any other; int64 fields take more.
    assert.equal((await send('POST', rsPath, replicaSet('max', '2147483647'))).status, 201);
    const put = await send('PUT', `${rsPath}/max`, replicaSet('max', '2147483648'));
    assert.equal(put.status, 400, put.body);
    const patched = await send('PATCH', `${rsPath}/max`, '{"spec":{"replicas":1.5}}', 'application/merge-patch+json');
    assert.equal(patched.status, 422, patched.body);
    assert.match(messageOf(patched), /^ "" is invalid: patch: Invalid value: "\{.*\}": json: cannot unmarshal number 1\.5 into Go struct field ReplicaSetSpec\.spec\.replicas of type int32$/s);
    const stored = JSON.parse((await send('GET', `${rsPath}/max`)).body) as { spec: { replicas: number } };
    assert.equal(stored.spec.replicas, 2147483647);
    assert.equal((await send('DELETE', `${rsPath}/max`)).status, 200);
  });

  test('limit, timeoutSeconds and gracePeriodSeconds parse as int64: 400 with strconv\'s message, never 500', async () => {
    const huge = await send('GET', '/api/v1/namespaces/default/configmaps?limit=1e20');
    assert.deepEqual([huge.status, messageOf(huge)], [400, 'strconv.ParseInt: parsing "1e20": invalid syntax']);
    const range = await send('GET', '/api/v1/namespaces/default/configmaps?limit=99999999999999999999');
    assert.deepEqual([range.status, messageOf(range)], [400, 'strconv.ParseInt: parsing "99999999999999999999": value out of range']);
    assert.equal((await send('GET', '/api/v1/namespaces/default/configmaps?limit=9223372036854775807')).status, 200);
    assert.equal((await send('GET', '/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1.5')).status, 400);
    assert.equal((await send('POST', '/api/v1/namespaces/default/configmaps', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"g"}}')).status, 201);
    assert.equal((await send('DELETE', '/api/v1/namespaces/default/configmaps/g?gracePeriodSeconds=1e3')).status, 400);
    const body = await send('DELETE', '/api/v1/namespaces/default/configmaps/g', '{"gracePeriodSeconds":"5"}');
    assert.deepEqual([body.status, messageOf(body)], [400, 'json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64']);
    assert.equal((await send('DELETE', '/api/v1/namespaces/default/configmaps/g?gracePeriodSeconds=9223372036854775807')).status, 200);
  });

  test('a duplicate field with fieldValidation=Strict is a 400; with Warn a warning', async () => {
    const doc = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1","a":"2"}}';
    const strict = await send('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', doc);
    assert.deepEqual([strict.status, messageOf(strict)], [400, 'strict decoding error: duplicate field "data.a"']);
    const warn = await send('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', doc);
    assert.equal(warn.status, 201);
    assert.match(String(warn.headers.warning), /duplicate field \\"data\.a\\"/);
  });

  test('Content-Type text/plain is a 415', async () => {
    const r = await send('POST', '/api/v1/namespaces/default/configmaps', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"t"}}', 'text/plain');
    assert.equal(r.status, 415);
    assert.match(messageOf(r), /^the body of the request was in an unknown format - accepted media types include: application\/json, application\/yaml/);
  });

  test('a patch may not rename, move or re-identify its object', async () => {
    const base = '/api/v1/namespaces/default/configmaps';
    assert.equal((await send('POST', base, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p"}}')).status, 201);
    const merge = (patch: string) => send('PATCH', `${base}/p`, patch, 'application/merge-patch+json');
    const renamed = await merge('{"metadata":{"name":"q"}}');
    assert.deepEqual([renamed.status, messageOf(renamed)], [400, 'the name of the object (q) does not match the name on the URL (p)']);
    const moved = await merge('{"metadata":{"namespace":"kube-system"}}');
    assert.deepEqual([moved.status, messageOf(moved)], [400, 'the namespace of the object (kube-system) does not match the namespace on the URL (default)']);
    const uid = await merge('{"metadata":{"uid":"0000"}}');
    assert.deepEqual([uid.status, messageOf(uid)], [422, 'ConfigMap "p" is invalid: metadata.uid: Invalid value: "0000": field is immutable']);
    assert.equal((await send('GET', '/api/v1/namespaces/kube-system/configmaps/p')).status, 404);
  });

  test('GET .../configmaps/%2e%2e is a 404, not the namespace', async () => {
    for (const path of ['/api/v1/namespaces/default/configmaps/%2e%2e', '/api/v1/namespaces/default/configmaps/%2E%2e/x', '/api/v1/namespaces/default/configmaps/..']) {
      const r = await send('GET', path);
      assert.equal(r.status, 404, `${path}: ${r.body.slice(0, 200)}`);
    }
  });

  test("a hostPath with '..' is a 422", async () => {
    const pod = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"h"},"spec":{"containers":[{"name":"c","image":"i"}],"volumes":[{"name":"v","hostPath":{"path":"/var/../etc"}}]}}';
    const r = await send('POST', '/api/v1/namespaces/default/pods', pod);
    assert.equal(r.status, 422);
    assert.equal(messageOf(r), 'Pod "h" is invalid: spec.volumes[0].hostPath.path: Invalid value: "/var/../etc": must not contain \'..\'');
  });

  test('/healthz?verbose lists its checks as upstream', async () => {
    const r = await send('GET', '/healthz?verbose');
    assert.equal(r.status, 200);
    assert.equal(r.body, '[+]ping ok\n[+]log ok\n[+]etcd ok\nhealthz check passed\n');
    assert.equal((await send('GET', '/healthz')).body, 'ok');
    assert.equal((await send('GET', '/healthz/ping')).body, 'ok');
    assert.match((await send('GET', '/readyz?verbose')).body, /\[\+\]poststarthook\/skiff-bootstrap ok\nreadyz check passed\n$/);
  });

  test('a request that does not finish gets 504 at the request timeout, and /readyz answers meanwhile', async () => {
    // A body announced and never sent: the request hangs in the server until its deadline.
    const stalled = new Promise<Answer>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/api/v1/namespaces/default/configmaps',
          ca: creds.serverCA.certificatePem,
          cert: creds.admin.certificatePem,
          key: creds.admin.privateKeyPem,
          headers: { 'Content-Type': 'application/json', 'Content-Length': 1000 },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            req.destroy();
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      req.on('error', reject);
      req.write('{"apiVersion":');
    });
    // While it is in flight, /readyz answers well before the stalled request's deadline.
    let deadline: NodeJS.Timeout | undefined;
    const ready = await Promise.race([
      send('GET', '/readyz').then((r) => r.status),
      new Promise<string>((resolve) => {
        deadline = setTimeout(() => resolve('no answer within 1 s'), 1000);
      }),
    ]);
    clearTimeout(deadline);
    assert.equal(ready, 200);
    const r = await stalled;
    assert.equal(r.status, 504);
    assert.deepEqual(JSON.parse(r.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Timeout: request did not complete within 2s', reason: 'Timeout', details: {}, code: 504 });
  });

  test('fuzzer: 300 seeded mutations of every served kind, patches of each type and odd queries: never 500, and what is stored writes back', async () => {
    const random = seeded(Number(process.env.SKIFF_FUZZ_SEED ?? 12));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const writable = resourceTypes.filter((t) => t.verbs.includes('create') && t.verbs.includes('update'));
    const oddValues: unknown[] = [1.5, 2147483648, -1, 0, 1e300, '3', '', 'x'.repeat(300), true, null, [], {}, [1, 'a'], { a: { b: 1 } }, '../..', '\u0000', -9223372036854775808];
    const pathOf = (t: ResourceType, name = '') =>
      `${t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`}${t.namespaced ? '/namespaces/default' : ''}/${t.plural}${name ? `/${name}` : ''}`;
    /** Sets a random leaf (or a new field) somewhere in `obj` to an odd value. */
    const mutate = (obj: Record<string, unknown>): void => {
      let node: Record<string, unknown> = obj;
      for (let depth = 0; depth < 6; depth++) {
        const keys = Object.keys(node);
        const key = random() < 0.2 || !keys.length ? pick(['spec', 'replicas', 'data', 'x', 'metadata', 'ports', 'template', 'containers', 'labels', 'limit']) : pick(keys);
        const next = node[key];
        if (next && typeof next === 'object' && !Array.isArray(next) && random() < 0.7) {
          node = next as Record<string, unknown>;
          continue;
        }
        if (Array.isArray(next) && next.length && typeof next[0] === 'object' && random() < 0.7) {
          node = next[0] as Record<string, unknown>;
          continue;
        }
        node[key] = pick(oddValues);
        return;
      }
    };
    const valid = (t: ResourceType, name: string): Record<string, unknown> => {
      const podSpec = { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] };
      const template = { metadata: { labels: { app: name } }, spec: podSpec };
      const selector = { matchLabels: { app: name } };
      const byKind: Record<string, Record<string, unknown>> = {
        Pod: { spec: podSpec },
        ConfigMap: { data: { a: 'b' } },
        Secret: { stringData: { a: 'b' } },
        Service: { spec: { ports: [{ port: 80, targetPort: 8080 }], selector: { app: name } } },
        Deployment: { spec: { replicas: 1, selector, template } },
        ReplicaSet: { spec: { replicas: 1, selector, template } },
        StatefulSet: { spec: { replicas: 1, serviceName: name, selector, template } },
        DaemonSet: { spec: { selector, template } },
        Job: { spec: { template: { spec: { ...podSpec, restartPolicy: 'Never' } } } },
        CronJob: { spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: 'Never' } } } } } },
      };
      return { apiVersion: groupVersion(t.group, t.version), kind: t.kind, metadata: { name, labels: { fuzz: 'yes' } }, ...structuredClone(byKind[t.kind] ?? {}) };
    };
    const patchTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
    const queries = ['limit=1e20', 'limit=-5', 'limit=abc', 'fieldValidation=Bogus', 'fieldValidation=Strict', 'dryRun=All', 'dryRun=x', 'labelSelector=a%3D%3D%3Db', 'fieldSelector=spec.x%3Dy', 'resourceVersion=abc', 'resourceVersionMatch=Exact', 'continue=%%%', 'gracePeriodSeconds=1.5', 'timeoutSeconds=99999999999999999999', 'propagationPolicy=Sideways', ''];
    const failures: string[] = [];
    const started = Date.now();
    let requests = 0;
    const check = (what: string, r: Answer) => {
      requests++;
      if (r.status >= 500 || r.status === 0) failures.push(`${what} → ${r.status} ${r.body.slice(0, 300)}`);
    };
    for (let i = 0; i < 300 && Date.now() - started < 60_000; i++) {
      const t = pick(writable);
      const name = `fuzz-${i}`;
      const obj = valid(t, name);
      const mutations = Math.floor(random() * 3);
      for (let m = 0; m < mutations; m++) mutate(obj);
      const query = pick(queries);
      const created = await send('POST', `${pathOf(t)}?${query}`, JSON.stringify(obj));
      check(`POST ${t.kind} ${JSON.stringify(obj).slice(0, 200)} ?${query}`, created);
      if (created.status !== 201) continue;
      // A random patch of a random type.
      const patchType = pick(patchTypes);
      const fragment: Record<string, unknown> = { metadata: { labels: { fuzz: 'patched' } } };
      mutate(fragment);
      const patchBody =
        patchType === 'application/json-patch+json'
          ? JSON.stringify([{ op: pick(['add', 'replace', 'remove', 'test', 'move', 'copy']), path: pick(['/spec/replicas', '/metadata/name', '/data/a', '/spec', '/metadata/labels/fuzz', '/x']), value: pick(oddValues), from: '/metadata/labels' }])
          : patchType === 'application/apply-patch+yaml'
            ? JSON.stringify({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name }, ...fragment })
            : JSON.stringify(fragment);
      const patchQuery = patchType === 'application/apply-patch+yaml' ? 'fieldManager=fuzz' : pick(queries);
      check(`PATCH ${t.kind} ${patchType} ${patchBody.slice(0, 200)} ?${patchQuery}`, await send('PATCH', `${pathOf(t, name)}?${patchQuery}`, patchBody, patchType));
      // What is stored reads back and writes back unchanged (409 only if something changed it since).
      const read = await send('GET', pathOf(t, name));
      check(`GET ${t.kind}`, read);
      if (read.status === 200) {
        const put = await send('PUT', pathOf(t, name), read.body);
        check(`PUT ${t.kind} as read`, put);
        if (put.status !== 200 && put.status !== 409) failures.push(`PUT of ${t.kind} as read → ${put.status} ${put.body.slice(0, 300)}`);
      }
      check(`LIST ${t.kind}`, await send('GET', `${pathOf(t)}?${pick(queries)}`));
      check(`DELETE ${t.kind}`, await send('DELETE', `${pathOf(t, name)}?${pick(queries)}`));
    }
    assert.deepEqual(failures, []);
    assert.ok(requests >= 300, `${requests} requests`);
    assert.equal((await send('GET', '/readyz')).status, 200);
  });
});

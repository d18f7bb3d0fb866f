/**
 * Requests that would freeze or bloat the server: deeply nested objects, YAML aliases that
 * expand, objects past etcd's request limit. Each is refused with upstream's code and stores nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { raw, TestCluster, testBackends } from '../harness/cluster.js';

const json = <T>(text: string) => JSON.parse(text) as T;
const revisionsPath = '/apis/apps/v1/namespaces/default/controllerrevisions';

/** A ControllerRevision whose `data` nests `depth` objects (the revision itself adds one level). */
function nestedRevision(name: string, depth: number): string {
  // Written as text: JSON.stringify itself cannot nest this deep.
  const data = '{"a":'.repeat(depth - 1) + '{"leaf":1}' + '}'.repeat(depth - 1);
  return `{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"${name}"},"revision":1,"data":${data}}`;
}

for (const backend of testBackends()) {
  describe(`input limits (${backend})`, { concurrency: 1 }, () => {
    let c: TestCluster;
    before(async () => {
      c = await TestCluster.start({ backend, serverArgs: ['--disable-controllers'] });
    });
    after(async () => {
      await c?.stop();
    });

    test('an object nested past 1,000 levels is refused with 400; 900 levels are stored', async () => {
      const deep = await raw(c, 'POST', revisionsPath, nestedRevision('deep', 5000));
      assert.equal(deep.status, 400, deep.body);
      assert.match(json<{ message: string }>(deep.body).message, /nested too deeply: \d+ levels, exceeded max depth of 1000/);
      const deeper = await raw(c, 'POST', revisionsPath, nestedRevision('deeper', 100_000));
      assert.equal(deeper.status, 400);
      assert.equal((await raw(c, 'POST', revisionsPath, nestedRevision('fine', 900))).status, 201);
      assert.equal((await raw(c, 'GET', `${revisionsPath}/deep`)).status, 404);
      assert.equal((await raw(c, 'GET', '/readyz')).status, 200);
    });

    test('a JSON patch that nests an object past the limit is refused and changes nothing', async () => {
      assert.equal((await raw(c, 'POST', revisionsPath, nestedRevision('grow', 995))).status, 201);
      const before = (await raw(c, 'GET', `${revisionsPath}/grow`)).body;
      const path = `/data${'/a'.repeat(993)}/more`;
      const patch = JSON.stringify([{ op: 'add', path, value: { b: { c: { d: { e: { f: { g: 1 } } } } } } }]);
      const r = await raw(c, 'PATCH', `${revisionsPath}/grow`, patch, 'application/json-patch+json');
      assert.equal(r.status, 400, r.body);
      assert.match(json<{ message: string }>(r.body).message, /exceeded max depth of 1000/);
      assert.equal((await raw(c, 'GET', `${revisionsPath}/grow`)).body, before);
    });

    test('YAML whose aliases would expand a thousandfold is refused with 400', async () => {
      const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: laughs}', 'x:', '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) lines.push(`  ${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
      const r = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', lines.join('\n') + '\n', 'application/yaml');
      assert.equal(r.status, 400, r.body.slice(0, 300));
      assert.match(json<{ message: string }>(r.body).message, /yaml: document contains excessive aliasing/);
      assert.equal((await raw(c, 'GET', '/api/v1/namespaces/default/configmaps/laughs')).status, 404);
    });

    test('an object past etcd\'s 1.5 MiB request limit gets 413 "etcdserver: request is too large"', async () => {
      // ControllerRevision data has no size rule of its own (a ConfigMap's 1 MiB rule would answer 422 first).
      const revision = (name: string, size: number) => JSON.stringify({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name }, revision: 1, data: { blob: 'x'.repeat(size) } });
      const r = await raw(c, 'POST', revisionsPath, revision('big', 1_600_000));
      assert.equal(r.status, 413, r.body.slice(0, 300));
      const status = json<{ reason: string; message: string }>(r.body);
      assert.deepEqual([status.reason, status.message], ['RequestEntityTooLarge', 'etcdserver: request is too large']);
      assert.equal((await raw(c, 'GET', `${revisionsPath}/big`)).status, 404);
      assert.equal((await raw(c, 'POST', revisionsPath, revision('fits', 1_400_000))).status, 201);
      // A patch within every field's own limit (annotations: 256 KiB) that takes the object past it.
      const grown = await raw(c, 'PATCH', `${revisionsPath}/fits`, JSON.stringify({ metadata: { annotations: { more: 'y'.repeat(250_000) } } }), 'application/merge-patch+json');
      assert.equal(grown.status, 413, grown.body.slice(0, 300));
      const kept = json<{ metadata: { annotations?: object } }>((await raw(c, 'GET', `${revisionsPath}/fits`)).body);
      assert.equal(kept.metadata.annotations, undefined);
    });
  });
}

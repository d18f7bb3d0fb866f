import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupVersion, resourceTypes, servedGroups } from '../registry.js';
import { OpenAPISchemas } from './definitions.js';
import { OPENAPI_V2_PROTOBUF_ACCEPT, OPENAPI_V2_PROTOBUF_CONTENT_TYPE, OpenAPIDocuments } from './documents.js';

/**
 * Runs real kubectl binaries against a throwaway server that serves only discovery and these
 * OpenAPI documents, and answers create/patch by echoing, to check kubectl accepts them.
 */
const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
const versions = ['1.27', '1.32', '1.33'].filter((v) => existsSync(join(KUBECTL_DIR, `kubectl.${v}`)));
const docs = new OpenAPIDocuments(OpenAPISchemas.load(), resourceTypes);

interface Seen {
  method: string;
  url: string;
  contentType: string;
  body: string;
}

function send(res: ServerResponse, code: number, body: unknown, type = 'application/json'): void {
  const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': type });
  res.end(data);
}

function resourceList(group: string, version: string): unknown {
  const resources = [];
  for (const r of resourceTypes.filter((x) => x.group === group && x.version === version)) {
    resources.push({ name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs, shortNames: r.shortNames });
    for (const s of r.subresources) resources.push({ name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}

function handler(seen: Seen[], existing: Map<string, unknown>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'] ?? '', body });
      const path = url.pathname;
      if (path === '/version') return send(res, 200, { major: '1', minor: '30', gitVersion: 'v1.30.0' });
      if (path === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
      if (path === '/apis') {
        const groups = servedGroups().map((g) => ({
          name: g.group,
          versions: g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v })),
          preferredVersion: { groupVersion: `${g.group}/${g.versions[0]}`, version: g.versions[0] },
        }));
        return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
      }
      if (path === '/api/v1') return send(res, 200, resourceList('', 'v1'));
      const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
      if (gv) return send(res, 200, resourceList(gv[1] ?? '', gv[2] ?? ''));
      if (path === '/openapi/v2') {
        if ((req.headers.accept ?? '').includes(OPENAPI_V2_PROTOBUF_ACCEPT)) return send(res, 200, docs.v2Protobuf(), OPENAPI_V2_PROTOBUF_CONTENT_TYPE);
        return send(res, 200, docs.v2().json);
      }
      if (path === '/openapi/v3') return send(res, 200, docs.v3Index());
      if (path.startsWith('/openapi/v3/')) {
        const served = docs.v3Document(path.slice('/openapi/v3/'.length));
        return served ? send(res, 200, served.json) : send(res, 404, { kind: 'Status', code: 404 });
      }
      const notFound = { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' };
      if (req.method === 'GET') {
        const obj = existing.get(path);
        return obj ? send(res, 200, obj) : send(res, 404, notFound);
      }
      if (req.method === 'POST' || req.method === 'PATCH') {
        const obj = req.method === 'POST' ? (JSON.parse(body) as unknown) : existing.get(path);
        return send(res, req.method === 'POST' ? 201 : 200, obj ?? notFound);
      }
      return send(res, 404, notFound);
    });
  };
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'redis' }] } },
  },
};

describe('kubectl against the OpenAPI documents', { skip: versions.length === 0 && 'no kubectl binaries' }, () => {
  let server: Server;
  let dir: string;
  let kubeconfig: string;
  const seen: Seen[] = [];
  const existing = new Map<string, unknown>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-openapi-'));
    server = createServer(handler(seen, existing));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: http://127.0.0.1:${port}\ncontexts:\n- name: t\n  context:\n    cluster: t\n    namespace: default\ncurrent-context: t\nusers: []\n`,
    );
    writeFileSync(join(dir, 'deploy.json'), JSON.stringify(deployment));
  });

  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const v of versions) {
    const bin = join(KUBECTL_DIR, `kubectl.${v}`);
    const env = (): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: kubeconfig, HOME: dir, KUBECACHEDIR: join(dir, `cache-${v}`) });

    test(`kubectl ${v} explain reads the v3 documents`, async () => {
      const out = await run(bin, ['explain', 'deployment.spec.strategy', '--cache-dir', join(dir, `cache-${v}`)], env());
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /rollingUpdate/);
      assert.match(out.stdout, /DeploymentStrategy/);
    });

    // kubectl 1.27's explain template has no ENUM section (1.28 added it).
    test(`kubectl ${v} explain lists the possible values of an enum field`, { skip: v === '1.27' && 'kubectl 1.27 prints no enums' }, async () => {
      for (const [field, values] of [
        ['service.spec.type', ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']],
        ['pod.spec.restartPolicy', ['Always', 'Never', 'OnFailure']],
      ] as const) {
        const out = await run(bin, ['explain', field, '--cache-dir', join(dir, `cache-${v}`)], env());
        assert.equal(out.code, 0, out.stderr);
        assert.match(out.stdout, /ENUM:/, `${field}: ${out.stdout}`);
        for (const value of values) assert.match(out.stdout, new RegExp(`^\\s+${value}$`, 'm'), `${field} lists ${value}`);
      }
    });

    test(`kubectl ${v} create validates server-side with fieldValidation=Strict`, async () => {
      seen.length = 0;
      const out = await run(bin, ['create', '-f', join(dir, 'deploy.json'), '--cache-dir', join(dir, `cache-${v}`)], env());
      assert.equal(out.code, 0, out.stderr);
      const post = seen.find((s) => s.method === 'POST');
      assert.ok(post, 'no POST');
      assert.match(post.url, /fieldValidation=Strict/);
    });

    test(`kubectl ${v} apply sends a strategic merge patch`, async () => {
      const path = '/apis/apps/v1/namespaces/default/deployments/web';
      const applied = JSON.stringify(deployment);
      existing.set(path, { ...deployment, metadata: { ...deployment.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': applied } } });
      const changed = structuredClone(deployment);
      changed.spec.template.spec.containers = [{ name: 'b', image: 'redis:7' }, { name: 'a', image: 'nginx' }];
      writeFileSync(join(dir, 'deploy2.json'), JSON.stringify(changed));
      seen.length = 0;
      const out = await run(bin, ['apply', '-f', join(dir, 'deploy2.json'), '--cache-dir', join(dir, `cache-${v}`)], env());
      existing.delete(path);
      assert.equal(out.code, 0, out.stderr);
      assert.doesNotMatch(out.stderr, /error calculating patch/);
      const patch = seen.find((s) => s.method === 'PATCH');
      assert.ok(patch, 'no PATCH');
      assert.equal(patch.contentType, 'application/strategic-merge-patch+json');
      assert.match(patch.body, /\$setElementOrder\/containers/);
    });
  }
});

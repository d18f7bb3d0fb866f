import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as http2Connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServerCredentials, type ServerCredentials } from '../pki/bootstrap.js';
import { AsyncQueue } from '../storage/async-queue.js';
import type { WatchEvent } from '../storage/store.js';
import { WatchHub, type ObjectEvent, type WatchSink } from './watch-hub.js';
import { WatchStreams, type WatchResponse, type WatchStream } from './watch-stream.js';
import { startHttpsApiServer, type HttpsApiServer } from '../testing/https-api-server.js';
import { waitFor } from '../testing/wait.js';

/** A watch event as it arrives on the wire, with the line it came in. */
interface WireEvent {
  type: string;
  object: Record<string, any>;
  line: string;
}

/** An open watch: the events so far, and how to end it. */
interface OpenWatch {
  status: number;
  events: WireEvent[];
  ended: () => boolean;
  close: () => void;
}

/** An API server over HTTPS with an admin client for one test; `run` gets them and everything stops after. */
async function withServer(run: (api: { port: number; creds: ServerCredentials; server: HttpsApiServer; watches: OpenWatch[] }) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-watch-stream-'));
  const stop = new AbortController();
  let server: HttpsApiServer | undefined;
  const watches: OpenWatch[] = [];
  try {
    const creds = await ensureServerCredentials({ dataDir, bindAddress: '127.0.0.1', advertiseAddresses: ['127.0.0.1'], httpsPort: 0, serviceCIDR: '10.43.0.0/16', clusterDomain: 'cluster.local' });
    server = await startHttpsApiServer({ credentials: creds, signal: stop.signal });
    await run({ port: server.port, creds, server, watches });
  } finally {
    for (const w of watches) w.close();
    stop.abort();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let buffered = '';
  return (chunk) => {
    buffered += chunk;
    let i: number;
    while ((i = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, i));
      buffered = buffered.slice(i + 1);
    }
  };
}

/** Opens a watch over HTTP/1.1 (`accept` as the Accept header); resolves once the response started. */
function watchHttp1(port: number, creds: ServerCredentials, path: string, accept?: string): Promise<OpenWatch> {
  return new Promise((resolve, reject) => {
    const events: WireEvent[] = [];
    let ended = false;
    const req = httpsRequest(
      { host: '127.0.0.1', port, path, ca: creds.serverCA.certificatePem, cert: creds.admin.certificatePem, key: creds.admin.privateKeyPem, headers: accept ? { Accept: accept } : {} },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', lineSplitter((line) => events.push({ ...(JSON.parse(line) as { type: string; object: Record<string, any> }), line })));
        res.on('end', () => (ended = true));
        res.on('error', () => (ended = true));
        resolve({ status: res.statusCode ?? 0, events, ended: () => ended, close: () => req.destroy() });
      },
    );
    req.on('error', (err) => (ended ? undefined : reject(err)));
    req.end();
  });
}

/** Opens a watch as one stream of an HTTP/2 session (as kubectl and client-go do). */
function watchHttp2(port: number, creds: ServerCredentials, path: string): Promise<OpenWatch> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`https://127.0.0.1:${port}`, { ca: creds.serverCA.certificatePem, cert: creds.admin.certificatePem, key: creds.admin.privateKeyPem });
    session.on('error', reject);
    const events: WireEvent[] = [];
    let ended = false;
    const stream = session.request({ ':path': path });
    stream.setEncoding('utf8');
    stream.on('response', (headers) => {
      resolve({ status: Number(headers[':status']), events, ended: () => ended, close: () => session.destroy() });
    });
    stream.on('data', lineSplitter((line) => events.push({ ...(JSON.parse(line) as { type: string; object: Record<string, any> }), line })));
    stream.on('end', () => (ended = true));
    stream.on('error', reject);
    stream.end();
  });
}

/** Sends a JSON request as the admin; resolves with the status and parsed body. */
function send(port: number, creds: ServerCredentials, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        ca: creds.serverCA.certificatePem,
        cert: creds.admin.certificatePem,
        key: creds.admin.privateKeyPem,
        headers: { 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json', 'Content-Length': Buffer.byteLength(text) },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data ? (JSON.parse(data) as Record<string, any>) : {} }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const configmaps = '/api/v1/namespaces/default/configmaps';

async function listRevision(port: number, creds: ServerCredentials): Promise<string> {
  const list = await send(port, creds, 'GET', configmaps);
  return list.body.metadata.resourceVersion as string;
}

test('watchers of one type get every change in order as the same lines, over HTTP/1.1 and HTTP/2; a selected watch sees objects leave and enter its selection', async () => {
  await withServer(async ({ port, creds, watches }) => {
    const rv = await listRevision(port, creds);
    const plain: OpenWatch[] = [];
    for (let i = 0; i < 3; i++) plain.push(await watchHttp1(port, creds, `${configmaps}?watch=true&resourceVersion=${rv}`));
    const overHttp2 = await watchHttp2(port, creds, `${configmaps}?watch=true&resourceVersion=${rv}`);
    const selected = await watchHttp1(port, creds, `${configmaps}?watch=true&resourceVersion=${rv}&labelSelector=tier%3Dweb`);
    watches.push(...plain, overHttp2, selected);
    for (const w of watches) assert.equal(w.status, 200);

    assert.equal((await send(port, creds, 'POST', configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { tier: 'web' } }, data: { k: '1' } })).status, 201);
    assert.equal((await send(port, creds, 'PATCH', `${configmaps}/a`, { metadata: { labels: { tier: 'db' } } })).status, 200);
    assert.equal((await send(port, creds, 'PATCH', `${configmaps}/a`, { metadata: { labels: { tier: 'web' } }, data: { k: '2' } })).status, 200);
    assert.equal((await send(port, creds, 'DELETE', `${configmaps}/a`)).status, 200);

    await waitFor('every plain watcher to see four events', async () => [...plain, overHttp2].every((w) => w.events.length >= 4));
    await waitFor('the selected watcher to see four events', async () => selected.events.length >= 4);
    for (const w of [...plain, overHttp2]) {
      assert.deepEqual(
        w.events.map((e) => e.type),
        ['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED'],
      );
      // The same bytes for every watcher of the same representation.
      assert.deepEqual(
        w.events.map((e) => e.line),
        plain[0]!.events.map((e) => e.line),
      );
    }
    const revisions = plain[0]!.events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.deepEqual([...revisions].sort((x, y) => x - y), revisions);
    assert.equal(plain[0]!.events[2]!.object.data.k, '2');
    // Leaving the selection is a DELETED (of the object as changed), entering it again an ADDED.
    assert.deepEqual(
      selected.events.map((e) => [e.type, e.object.metadata.labels?.tier]),
      [
        ['ADDED', 'web'],
        ['DELETED', 'db'],
        ['ADDED', 'web'],
        ['DELETED', 'web'],
      ],
    );
  });
});

test('Table watches send the column definitions in their own first event only; metadata watches send PartialObjectMetadata', async () => {
  await withServer(async ({ port, creds, watches }) => {
    const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io';
    const rv = await listRevision(port, creds);
    const early = await watchHttp1(port, creds, `${configmaps}?watch=true&resourceVersion=${rv}`, tableAccept);
    const meta = await watchHttp1(port, creds, `${configmaps}?watch=true&resourceVersion=${rv}`, 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io');
    watches.push(early, meta);
    const first = await send(port, creds, 'POST', configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' }, data: { a: 'b' } });
    await waitFor('the early table watcher to see the first create', async () => early.events.length >= 1);
    const late = await watchHttp1(port, creds, `${configmaps}?watch=true&resourceVersion=${first.body.metadata.resourceVersion}`, tableAccept);
    watches.push(late);
    await send(port, creds, 'POST', configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'two' }, data: { a: 'b', c: 'd' } });
    await waitFor('the table watchers to see their events', async () => early.events.length >= 2 && late.events.length >= 1 && meta.events.length >= 2);

    const columns = (e: WireEvent) => (e.object.columnDefinitions as { name: string }[]).map((c) => c.name);
    assert.equal(early.events[0]!.object.kind, 'Table');
    assert.equal(early.events[0]!.object.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(columns(early.events[0]!), ['Name', 'Data', 'Age']);
    assert.deepEqual(columns(early.events[1]!), []);
    // The late watcher's first event is its own first: it has the columns.
    assert.deepEqual(columns(late.events[0]!), ['Name', 'Data', 'Age']);
    for (const [w, name, data] of [
      [early.events[1]!, 'two', 2],
      [late.events[0]!, 'two', 2],
      [early.events[0]!, 'one', 1],
    ] as const) {
      assert.equal(w.type, 'ADDED');
      assert.deepEqual(w.object.rows[0].cells.slice(0, 2), [name, data]);
      assert.equal(w.object.rows[0].object.kind, 'PartialObjectMetadata');
      assert.equal(w.object.rows[0].object.metadata.name, name);
    }
    assert.deepEqual(
      meta.events.map((e) => [e.type, e.object.kind, e.object.apiVersion, e.object.metadata.name, e.object.data]),
      [
        ['ADDED', 'PartialObjectMetadata', 'meta.k8s.io/v1', 'one', undefined],
        ['ADDED', 'PartialObjectMetadata', 'meta.k8s.io/v1', 'two', undefined],
      ],
    );
  });
});

test('a watch with sendInitialEvents gets the existing objects, then the initial-events-end bookmark, then changes', async () => {
  await withServer(async ({ port, creds, watches }) => {
    await send(port, creds, 'POST', configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'existing' } });
    const w = await watchHttp1(port, creds, `${configmaps}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`);
    watches.push(w);
    await waitFor('the initial events', async () => w.events.length >= 2);
    await send(port, creds, 'POST', configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' } });
    await waitFor('the change after them', async () => w.events.length >= 3);
    const names = w.events.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name as string);
    assert.ok(names.includes('existing') && names.at(-1) === 'later', names.join());
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK')!;
    assert.equal(bookmark.object.kind, 'ConfigMap');
    assert.equal(bookmark.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
    assert.ok(w.events.indexOf(bookmark) === w.events.length - 2);

  });
});

test('a watch from a revision older than the kept history gets 200 and then 410 Expired as an ERROR event', async () => {
  await withServer(async ({ port, creds, server, watches }) => {
    // More changes than the type's watch history keeps (5,000) before its first watch.
    for (let i = 0; i < 5100; i++) await server.createRaw('configmaps', 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `old-${i}` } });
    const w = await watchHttp1(port, creds, `${configmaps}?watch=true&resourceVersion=1`);
    watches.push(w);
    assert.equal(w.status, 200);
    await waitFor('the ERROR event', async () => w.events.length >= 1);
    const [event] = w.events;
    assert.equal(event!.type, 'ERROR');
    assert.equal(event!.object.kind, 'Status');
    assert.equal(event!.object.code, 410);
    assert.equal(event!.object.reason, 'Expired');
    assert.match(event!.object.message as string, /^too old resource version: 1 \(\d+\)$/);
    await waitFor('the stream to end', async () => w.ended());
  });
});

/** A response that records its writes; `stuck` leaves them uncompleted, as a client that stopped reading. */
function fakeResponse(stuck = false) {
  const writes: Buffer[][] = [];
  let corked = 0;
  let batch: Buffer[] = [];
  const res: WatchResponse = {
    write(chunk, callback) {
      batch.push(chunk);
      if (!corked) {
        writes.push(batch);
        batch = [];
      }
      if (callback && !stuck) setImmediate(callback);
      return !stuck;
    },
    cork: () => void corked++,
    uncork() {
      if (--corked === 0 && batch.length) {
        writes.push(batch);
        batch = [];
      }
    },
  };
  return { res, writes };
}

/** A watch hub over changes the test writes, each `bytes` long, whose watchers are WatchStreams. */
function hubOfStreams(options: { subscriberBytes: number }) {
  const changes = new AsyncQueue<WatchEvent>();
  let revision = 0;
  let lagging = 0;
  const hub = new WatchHub({
    ...options,
    watchStore: () => changes.drain(),
    currentRevision: async () => revision,
    decode: (e): ObjectEvent => ({
      type: 'ADDED',
      object: { metadata: { name: e.kv.key, resourceVersion: String(e.revision) } },
      hasPrevious: false,
      previous: () => undefined,
      revision: e.revision,
      namespace: '',
      encoded: new Map(),
      bytes: e.kv.value.length,
    }),
    onLaggingWatcher: () => lagging++,
  });
  const streams = new WatchStreams();
  let encodings = 0;
  /** Opens a stream on `res`, attached to the hub from revision 0; the events' lines are cached on them. */
  const open = async (res: WatchResponse, signal: AbortSignal): Promise<WatchStream> => {
    const stream = streams.open(res, signal, (ev) => {
      let line = ev.shared?.encoded.get('line');
      if (!line) {
        encodings++;
        line = Buffer.from(`${JSON.stringify({ type: ev.type, object: ev.object })}\n`);
        ev.shared?.encoded.set('line', line);
      }
      return line;
    });
    const sink: WatchSink = {
      push: (e) => stream.event({ type: e.type, object: e.object, revision: e.revision, shared: e }),
      backlogBytes: () => stream.backlogBytes(),
      backlogEvents: () => stream.backlogEvents(),
      end: (how) => stream.end(how),
    };
    assert.ok(await hub.attach('', 0, sink, signal));
    return stream;
  };
  const write = (bytes: number) => {
    revision++;
    changes.push({ type: 'create', revision, kv: { key: `k${revision}`, value: 'x'.repeat(bytes), createRevision: revision, modRevision: revision } });
  };
  /** Lets the hub take what was written and the streams write it (two turns of the loop). */
  const settle = async () => {
    for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return { hub, open, write, settle, lagging: () => lagging, encodings: () => encodings };
}

test('events published in one turn of the event loop leave in one write per watcher, as the same bytes for every watcher', async () => {
  const { hub, open, write, settle, encodings } = hubOfStreams({ subscriberBytes: 1 << 20 });
  const stop = new AbortController();
  const responses = [fakeResponse(), fakeResponse(), fakeResponse()];
  for (const r of responses) await open(r.res, stop.signal);
  for (let i = 0; i < 3; i++) write(10);
  await settle();
  write(10);
  await settle();
  for (const r of responses) {
    // Three changes together, then one alone: two writes.
    assert.deepEqual(
      r.writes.map((batch) => batch.length),
      [3, 1],
    );
    assert.deepEqual(
      r.writes.flat().map((line) => (JSON.parse(line.toString()) as { object: { metadata: { name: string } } }).object.metadata.name),
      ['k1', 'k2', 'k3', 'k4'],
    );
    // The very Buffers the first watcher got: encoded once, written to each.
    r.writes.flat().forEach((line, i) => assert.equal(line, responses[0]!.writes.flat()[i]));
  }
  assert.equal(encodings(), 4);
  stop.abort();
  hub.stop();
});

test('a watcher whose client stops reading is closed once its unsent events pass the budget; the others get everything', async () => {
  const { hub, open, write, settle, lagging } = hubOfStreams({ subscriberBytes: 1000 });
  const stop = new AbortController();
  const slowResponse = fakeResponse(true);
  const fastResponse = fakeResponse();
  const slow = await open(slowResponse.res, stop.signal);
  const fast = await open(fastResponse.res, stop.signal);
  for (let i = 0; i < 5; i++) {
    write(300);
    await settle();
  }
  assert.deepEqual(await slow.ended, { reason: 'lagging' });
  assert.equal(lagging(), 1);
  // Three events (900 bytes) were written before the fourth would have passed 1,000 unsent bytes.
  assert.equal(slowResponse.writes.flat().length, 3);
  assert.equal(fastResponse.writes.flat().length, 5);
  await settle();
  assert.equal(fast.backlogBytes(), 0);
  stop.abort();
  assert.deepEqual(await fast.ended, { reason: 'stopped' });
  hub.stop();
});

test('a watch that stops writes what it holds unless its client is gone', async () => {
  const streams = new WatchStreams();
  const line = Buffer.from('{}\n');
  const event = { type: 'ADDED' as const, object: {}, revision: 1 };
  const kept = fakeResponse();
  const open = new AbortController();
  const stream = streams.open(kept.res, open.signal, () => line);
  stream.event(event);
  stream.end({ reason: 'stopped' });
  assert.equal(kept.writes.flat().length, 1);
  stream.event(event);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(kept.writes.flat().length, 1);

  const gone = fakeResponse();
  const closed = new AbortController();
  const orphan = streams.open(gone.res, closed.signal, () => line);
  orphan.event(event);
  closed.abort();
  orphan.end({ reason: 'stopped' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(gone.writes.length, 0);
});

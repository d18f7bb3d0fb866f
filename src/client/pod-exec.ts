/**
 * `kubectl exec` without kubectl: runs a command in a pod's container through the API server's
 * `exec` subresource over a WebSocket (RFC 6455) speaking the `v4.channel.k8s.io` protocol
 * (each message starts with its channel: 1 stdout, 2 stderr, 3 the exit Status).
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Status } from 'kubernetes-types/meta/v1.js';
import { StatusError, type StatusReason } from '../apimachinery/errors.js';
import type { HttpsClientOptions } from './https-client.js';

/** What {@link execInPod} runs. */
export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
}

/** Options of {@link execInPod}. */
export interface ExecOptions {
  /** Gives up (and closes the stream) after this long. Default 30 000 ms. */
  timeoutMs?: number;
}

/** How the command ended. */
export interface ExecResult {
  /** The exit code (0 on success); undefined when the stream ended without a Status. */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** The Status message of a failure that is not an exit code (e.g. the executable was not found). */
  failure?: string;
}

const channelProtocol = 'v4.channel.k8s.io';

/** A masked client frame (RFC 6455 5.2). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const length = payload.length;
  let header: Buffer;
  if (length < 126) header = Buffer.from([0x80 | opcode, 0x80 | length]);
  else if (length < 65536) header = Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 255]);
  else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= mask[i % 4]!;
  return Buffer.concat([header, mask, masked]);
}

/** Reads server frames from chunks; calls `onMessage` with each complete (defragmented) message. */
class FrameReader {
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;

  constructor(private readonly onFrame: (opcode: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const fin = (this.buffer[0]! & 0x80) !== 0;
      const opcode = this.buffer[0]! & 0x0f;
      const masked = (this.buffer[1]! & 0x80) !== 0;
      let length = this.buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const maskKey = masked ? this.buffer.subarray(offset, offset + 4) : undefined;
      if (masked) offset += 4;
      if (this.buffer.length < offset + length) return;
      const payload = Buffer.from(this.buffer.subarray(offset, offset + length));
      if (maskKey) for (let i = 0; i < payload.length; i++) payload[i]! ^= maskKey[i % 4]!;
      this.buffer = this.buffer.subarray(offset + length);
      if (opcode >= 8) {
        this.onFrame(opcode, payload);
        continue;
      }
      if (opcode !== 0) this.fragmentOpcode = opcode;
      this.fragments.push(payload);
      if (fin) {
        this.onFrame(this.fragmentOpcode, Buffer.concat(this.fragments));
        this.fragments = [];
      }
    }
  }
}

/** The exit code a v4 Status carries (`NonZeroExitCode` with an `ExitCode` cause), 0 for Success. */
function exitOf(status: Status): { exitCode?: number; failure?: string } {
  if (status.status === 'Success') return { exitCode: 0 };
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (status.reason === 'NonZeroExitCode' && cause?.message !== undefined) return { exitCode: Number(cause.message) };
  return { failure: status.message ?? 'the command failed' };
}

async function errorOf(res: IncomingMessage): Promise<StatusError> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const status = JSON.parse(text) as Status;
    if (status.kind === 'Status') return new StatusError(status.code ?? res.statusCode ?? 500, (status.reason ?? '') as StatusReason, status.message ?? text);
  } catch (error) {
    return new StatusError(res.statusCode ?? 500, '', `exec: unexpected answer ${res.statusCode}: ${text.slice(0, 200)}`, undefined, { cause: error });
  }
  return new StatusError(res.statusCode ?? 500, '', `exec: unexpected answer ${res.statusCode}: ${text.slice(0, 200)}`);
}

/**
 * Runs `target.command` in a container (no stdin, no TTY) with the credentials of `connection`
 * (the API server's URL, its CA, a client certificate or a token) and collects its output and
 * exit code. Throws a StatusError when the API refuses (403, 404, a container that is not
 * running), and an Error when the stream fails or the timeout passes.
 */
export function execInPod(connection: Pick<HttpsClientOptions, 'server' | 'ca' | 'cert' | 'key' | 'token'>, target: ExecTarget, options: ExecOptions = {}): Promise<ExecResult> {
  const url = new URL(`/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/exec`, connection.server);
  url.searchParams.set('container', target.container);
  for (const part of target.command) url.searchParams.append('command', part);
  url.searchParams.set('stdout', 'true');
  url.searchParams.set('stderr', 'true');
  const headers = {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Protocol': channelProtocol,
    ...(connection.token ? { Authorization: `Bearer ${connection.token}` } : {}),
  };
  const req = url.protocol === 'http:' ? httpRequest(url, { headers }) : httpsRequest(url, { headers, ca: connection.ca, cert: connection.cert, key: connection.key });
  return new Promise<ExecResult>((resolve, reject) => {
    let socket: Duplex | undefined;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let ended: { exitCode?: number; failure?: string } | undefined;
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (socket && !socket.destroyed) {
        socket.write(clientFrame(8, Buffer.from([0x03, 0xe8])));
        socket.end();
      }
      if (error) reject(error);
      else resolve({ exitCode: ended?.exitCode, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), ...(ended?.failure ? { failure: ended.failure } : {}) });
    };
    const timer = setTimeout(() => {
      req.destroy();
      socket?.destroy();
      finish(new Error(`exec in ${target.namespace}/${target.pod}: no answer within ${options.timeoutMs ?? 30_000} ms`));
    }, options.timeoutMs ?? 30_000);
    req.on('error', (error) => finish(error));
    req.on('response', (res) => {
      errorOf(res).then((e) => finish(e), (e: unknown) => finish(e instanceof Error ? e : new Error(String(e))));
    });
    req.on('upgrade', (res, upgraded, head) => {
      socket = upgraded;
      const reader = new FrameReader((opcode, payload) => {
        if (opcode === 8) return finish();
        if (opcode === 9) return void upgraded.write(clientFrame(10, payload));
        if (opcode !== 1 && opcode !== 2) return;
        // v4: binary messages; base64 variants are not asked for.
        const channel = payload[0];
        const data = payload.subarray(1);
        if (channel === 1) stdout.push(data);
        else if (channel === 2) stderr.push(data);
        else if (channel === 3 && data.length > 0) {
          try {
            ended = exitOf(JSON.parse(data.toString('utf8')) as Status);
          } catch (error) {
            ended = { failure: `unreadable exit status: ${error instanceof Error ? error.message : String(error)}` };
          }
        }
      });
      if (res.headers['sec-websocket-protocol'] !== channelProtocol) {
        upgraded.destroy();
        return finish(new Error(`exec: the server speaks ${res.headers['sec-websocket-protocol'] ?? 'no sub-protocol'}, not ${channelProtocol}`));
      }
      if (head.length > 0) reader.push(head);
      upgraded.on('data', (chunk: Buffer) => reader.push(chunk));
      upgraded.on('end', () => finish());
      upgraded.on('close', () => finish());
      upgraded.on('error', (error) => finish(error));
    });
    req.end();
  });
}

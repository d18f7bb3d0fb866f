import { Agent, request } from 'node:https';
import { loadKubeconfig } from '../src/client/kubeconfig.js';

/** Options of `BenchClient`. */
export interface BenchClientOptions {
  /** Authenticate with this bearer token instead of the kubeconfig's client certificate. Default: none. */
  bearerToken?: string;
}

/** A keep-alive HTTPS client with the credentials of a kubeconfig (or a bearer token), for benchmarks. */
export class BenchClient {
  readonly agent: Agent;
  readonly server: string;
  readonly #auth: Record<string, string>;

  constructor(kubeconfigPath: string, maxSockets: number, options: BenchClientOptions = {}) {
    const { server, ca, cert, key } = loadKubeconfig(kubeconfigPath);
    this.server = server;
    const token = options.bearerToken;
    this.agent = new Agent(token ? { keepAlive: true, maxSockets, ca } : { keepAlive: true, maxSockets, ca, cert, key });
    this.#auth = token ? { Authorization: `Bearer ${token}` } : {};
  }

  /** Sends a JSON body; resolves with the status code once the response has been read. */
  send(method: string, path: string, body: unknown): Promise<number> {
    const text = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.server), {
        method,
        agent: this.agent,
        headers: { ...this.#auth, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(text);
    });
  }

  /** GETs a path and returns the answer's text (`headers` beside the credentials). */
  getText(path: string, headers: Record<string, string> = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.server), { agent: this.agent, headers: { ...this.#auth, ...headers } });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** GETs a path and parses the JSON answer. */
  async getJSON<T>(path: string): Promise<T> {
    return JSON.parse(await this.getText(path, { Accept: 'application/json' })) as T;
  }

  /** Opens a watch and calls `onLine` with each event line until `signal` aborts. Resolves once the stream is open. */
  watch(path: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    let buf = '';
    return this.watchBytes(
      path,
      (d) => {
        buf += d.toString('utf8');
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      },
      signal,
    );
  }

  /**
   * Opens a watch and calls `onData` with each piece of the response body as it arrives (lines
   * may be split across pieces) until `signal` aborts. Resolves once the stream is open.
   */
  watchBytes(path: string, onData: (data: Buffer) => void, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.server), { method: 'GET', agent: this.agent, headers: this.#auth, signal });
      req.on('response', (res) => {
        if (res.statusCode !== 200) return reject(new Error(`watch ${path}: ${res.statusCode}`));
        res.on('data', onData);
        res.on('error', (err: Error) => {
          if (!signal.aborted) console.error(`watch ${path}: ${err.message}`);
        });
        resolve();
      });
      req.on('error', (err) => {
        if (!signal.aborted) reject(err);
      });
      req.end();
    });
  }
}

/** The q-quantile of sorted numbers. */
export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

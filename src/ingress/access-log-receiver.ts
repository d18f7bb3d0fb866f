import { createSocket } from 'node:dgram';
import { parseAccessLogMessage } from './access-log.js';
import type { UpstreamBackend, UpstreamTraffic } from './upstream-traffic.js';

/** Options of {@link AccessLogReceiver}. */
export interface AccessLogReceiverOptions {
  /** Where each request is counted. */
  traffic: UpstreamTraffic;
  /** The Service port an upstream address belongs to (a ClusterIP and port), if any. */
  resolve: (address: string, port: number) => UpstreamBackend | undefined;
  /** The address the socket listens on. Default 127.0.0.1 (nginx runs on this host). */
  address?: string;
  /** The socket's receive buffer in bytes, to ride out bursts (the kernel caps it at net.core.rmem_max). Default 4 MiB. */
  receiveBufferBytes?: number;
  /** Told why the socket failed. */
  onError: (err: unknown) => void;
}

/**
 * The UDP socket nginx's access log is sent to (`access_log syslog:server=...`): each datagram is
 * one proxied request, counted against the Service port its upstream address belongs to.
 * Datagrams that are not access-log lines, or name an address no Service has, are ignored.
 */
export class AccessLogReceiver {
  /** Datagrams ignored (not an access-log line, or an address no Service has). */
  ignored = 0;

  constructor(private readonly options: AccessLogReceiverOptions) {}

  /** Binds the socket (an ephemeral port) and receives until `signal` aborts; resolves with the port. */
  async start(signal: AbortSignal): Promise<number> {
    const address = this.options.address ?? '127.0.0.1';
    const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4' });
    socket.on('message', (msg) => this.receive(msg.toString('latin1')));
    socket.on('error', (err) => this.options.onError(err));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    try {
      socket.setRecvBufferSize(this.options.receiveBufferBytes ?? 4 << 20);
    } catch (err) {
      this.options.onError(new Error(`access log socket: the receive buffer keeps its default size: ${String(err)}`));
    }
    const close = (): void => {
      socket.close();
    };
    if (signal.aborted) close();
    else signal.addEventListener('abort', close, { once: true });
    return socket.address().port;
  }

  /** Counts one datagram's request. */
  receive(message: string): void {
    const entry = parseAccessLogMessage(message);
    const backend = entry && this.options.resolve(entry.address, entry.port);
    if (!entry || !backend) {
      this.ignored++;
      return;
    }
    this.options.traffic.record(backend, entry.code);
  }
}

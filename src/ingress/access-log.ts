/**
 * The data plane's access log of proxied requests: nginx sends one syslog datagram per request
 * that reached an upstream (a Service's ClusterIP and port) to a UDP socket of the controller,
 * in the compact format {@link accessLogFormat}. Nothing is written to disk, so nothing grows;
 * a datagram the socket cannot take in time is dropped by the kernel, never blocking nginx.
 */

/** The nginx `log_format` of the access log: a version tag, the status sent, the upstream address(es). */
export const accessLogFormat = 'skiff1 $status $upstream_addr';

/** One proxied request as the access log reports it. */
export interface AccessLogEntry {
  /** The upstream address nginx answered from (a ClusterIP, without IPv6 brackets). */
  address: string;
  port: number;
  /** The HTTP status code sent to the client, e.g. `200`. */
  code: string;
}

/**
 * Reads one syslog message nginx sent with {@link accessLogFormat} (`<190>Dec  4 12:00:00 skiff:
 * skiff1 200 10.43.0.11:80`); undefined when it is not one. When nginx tried several upstream
 * addresses (`a, b`, or `a : b` after an internal redirect), the last one answered.
 */
export function parseAccessLogMessage(message: string): AccessLogEntry | undefined {
  const m = /(?:^|\s)skiff1 (\d{3}) (\S.*?)\s*$/.exec(message);
  if (!m) return undefined;
  const last = m[2]!.split(/, | : /).at(-1)!.trim();
  const hostPort = /^(?:\[([0-9A-Fa-f:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(last);
  if (!hostPort) return undefined;
  const port = Number(hostPort[3]);
  if (port <= 0 || port > 65535) return undefined;
  return { address: (hostPort[1] ?? hostPort[2])!.toLowerCase(), port, code: m[1]! };
}

import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import type { WatchResponse } from './watch-stream.js';

const crlf = Buffer.from('\r\n');

/**
 * Where a started watch response's event lines go. An HTTP/1.1 response in chunked encoding
 * that owns its connection (the usual case) is written on its socket directly: each line is
 * framed as a chunk (size line, data, CRLF) by {@link frame}, once per event and representation
 * since the framed bytes are cached with the line, so every watcher hands the kernel one shared
 * Buffer per event instead of Node framing each watcher's write in four pieces. An HTTP/2
 * response is written on its stream, past the compatibility layer's checks per write. Anything
 * else (a pipelined response still waiting for its connection) goes through the response.
 * Either way the response stays in charge of the headers before and the end after.
 */
export class WatchWire {
  /** Where {@link WatchStream} writes the lines (framed ones when {@link framed}). */
  readonly response: WatchResponse;
  /** Whether lines must be framed as chunks (by {@link frame}) before they are written. */
  readonly framed: boolean;

  /** Call once the response's headers were flushed. */
  constructor(res: ServerResponse | Http2ServerResponse) {
    if (isHttp2(res)) {
      this.framed = false;
      this.response = res.headersSent && !res.stream.destroyed ? res.stream : res;
      return;
    }
    const socket = res.socket;
    const owner = socket ? (socket as Socket & { _httpMessage?: unknown })._httpMessage : undefined;
    // `_httpMessage` is Node's own mark of the response a connection is currently serving: only
    // then did the headers reach the socket, so later bytes on it follow them in order.
    const direct = res.chunkedEncoding === true && socket !== null && owner === res && socket.writable && !res.writableEnded;
    this.framed = direct;
    this.response = direct && socket ? socket : res;
  }

  /** `line` as the bytes to write: an HTTP/1.1 chunk when {@link framed}, else itself. */
  frame(line: Buffer): Buffer {
    if (!this.framed) return line;
    const size = Buffer.from(`${line.length.toString(16)}\r\n`, 'latin1');
    return Buffer.concat([size, line, crlf], size.length + line.length + crlf.length);
  }
}

function isHttp2(res: ServerResponse | Http2ServerResponse): res is Http2ServerResponse {
  return 'stream' in res && res.stream !== undefined;
}

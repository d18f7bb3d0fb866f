/**
 * bench/keepalive-client: the keep-alive HTTP/1.1 client bench/ingress runs beside wrk during
 * nginx reloads. Each of N loops keeps one connection and sends GETs back to back; a request
 * whose reused connection is closed before any byte of the answer comes back (the server closed
 * it as idle, crossing the request) is sent again on a new connection, as RFC 9112 section 9.3.1
 * lets a client do for idempotent requests and as browsers and Go's net/http do. Prints
 * `{"requests":N,"failed":F,"retried":R}`: F counts answers that are not 2xx/3xx and errors
 * that are not such a crossing (or persist after 5 tries).
 *
 * Usage: node dist/bench/keepalive-client.js URL HOST SECONDS CONNECTIONS
 */
import { Agent, request } from 'node:http';

type Outcome = 'ok' | 'failed' | 'closed-before-answer';

function once(agent: Agent, url: string, host: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(url, { agent, headers: { Host: host } }, (res) => {
      res.resume();
      res.on('end', () => resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400 ? 'ok' : 'failed'));
      res.on('error', () => resolve('failed'));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const crossed = req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
      resolve(crossed ? 'closed-before-answer' : 'failed');
    });
    req.end();
  });
}

async function main(): Promise<void> {
  const [url = '', host = '', secondsText = '15', connectionsText = '4'] = process.argv.slice(2);
  const end = Date.now() + Number(secondsText) * 1000;
  const counts = { requests: 0, failed: 0, retried: 0 };
  await Promise.all(
    Array.from({ length: Number(connectionsText) }, async () => {
      // One connection per loop: a request never waits in an agent's queue for someone else's socket.
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (Date.now() < end) {
        let outcome = await once(agent, url, host);
        for (let i = 0; outcome === 'closed-before-answer' && i < 5; i++) {
          counts.retried++;
          outcome = await once(agent, url, host);
        }
        counts.requests++;
        if (outcome !== 'ok') counts.failed++;
      }
      agent.destroy();
    }),
  );
  console.log(JSON.stringify(counts));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

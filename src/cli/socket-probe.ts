import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { errorMessage } from '../apimachinery/errors.js';

/** Options of {@link probeUnixSocket}. */
export interface ProbeUnixSocketOptions {
  /** How long a connection may take. Default 2000 ms. */
  timeoutMs?: number;
}

/**
 * Whether something listens on the Unix socket `path`: undefined when a connection opens,
 * else what is wrong, in words (`does not exist`, `refused the connection`, ...).
 */
export async function probeUnixSocket(path: string, options: ProbeUnixSocketOptions = {}): Promise<string | undefined> {
  if (!existsSync(path)) return 'does not exist';
  return new Promise((resolve) => {
    const socket = connect({ path });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(options.timeoutMs ?? 2000, () => done('did not answer'));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'refused the connection (nothing listens)' : errorMessage(err)));
  });
}

/** The real machine behind {@link PreflightHost}: files, `child_process` and sockets. */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { CommandResult, PreflightHost } from './types.js';

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Commands that hang (a wedged modprobe) count as failed after this long. */
const commandTimeoutMs = 5000;

/** The host this process runs on. */
export function systemPreflightHost(): PreflightHost {
  return {
    async readFile(path) {
      try {
        const data = await readFile(path);
        return (path.endsWith('.gz') ? gunzipSync(data) : data).toString('utf8');
      } catch (err) {
        if (['ENOENT', 'EACCES', 'ENOTDIR', 'EPERM'].includes(errnoCode(err) ?? '')) return undefined;
        throw err;
      }
    },
    async readDir(path) {
      try {
        return await readdir(path);
      } catch (err) {
        if (['ENOENT', 'EACCES', 'ENOTDIR'].includes(errnoCode(err) ?? '')) return undefined;
        throw err;
      }
    },
    async isExecutable(path) {
      try {
        await access(path, constants.X_OK);
        return (await stat(path)).isFile();
      } catch (err) {
        if (['ENOENT', 'EACCES', 'ENOTDIR'].includes(errnoCode(err) ?? '')) return false;
        throw err;
      }
    },
    run(command, args) {
      return new Promise<CommandResult>((resolve) => {
        execFile(command, args, { timeout: commandTimeoutMs }, (err, stdout, stderr) => {
          if (!err) resolve({ code: 0, stdout, stderr });
          else if (typeof err.code === 'number') resolve({ code: err.code, stdout, stderr });
          else resolve({ code: -1, stdout, stderr: stderr || err.message });
        });
      });
    },
    portFree(port) {
      return new Promise<boolean>((resolve) => {
        const server = createServer();
        server.once('error', () => resolve(false));
        server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
      });
    },
    async writable(path) {
      let existing = path;
      for (;;) {
        try {
          const info = await stat(existing);
          try {
            await access(existing, constants.W_OK | constants.X_OK);
            return { writable: info.isDirectory(), existing, mode: info.mode };
          } catch (err) {
            if (errnoCode(err) !== 'EACCES' && errnoCode(err) !== 'EROFS') throw err;
            return { writable: false, existing, mode: info.mode };
          }
        } catch (err) {
          if (errnoCode(err) !== 'ENOENT' || dirname(existing) === existing) throw err;
          existing = dirname(existing);
        }
      }
    },
    searchPath: [...new Set([...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'])],
  };
}

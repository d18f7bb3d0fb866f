import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';

/** The server and credentials of a kubeconfig's first cluster and user (the form `skiff server` writes). */
export interface KubeconfigCredentials {
  server: string;
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
}

interface KubeconfigFile {
  clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
  users?: { user?: { 'client-certificate-data'?: string; 'client-key-data'?: string; token?: string } }[];
}

/** Reads a kubeconfig with embedded credentials; throws when it has no server or CA. */
export function loadKubeconfig(path: string): KubeconfigCredentials {
  const cfg = load(readFileSync(path, 'utf8')) as KubeconfigFile;
  const cluster = cfg.clusters?.[0]?.cluster;
  const user = cfg.users?.[0]?.user ?? {};
  if (!cluster?.server || !cluster['certificate-authority-data']) throw new Error(`${path}: no server or certificate-authority-data`);
  const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64') : undefined);
  return {
    server: cluster.server,
    ca: Buffer.from(cluster['certificate-authority-data'], 'base64'),
    cert: b64(user['client-certificate-data']),
    key: b64(user['client-key-data']),
    token: user.token,
  };
}

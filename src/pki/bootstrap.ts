import { createPrivateKey, X509Certificate } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { loadOrCreateClusterCAs } from './ca.js';
import type { CertificateAuthority, IssuedCertificate } from './ca.js';
import { readFileIfExists, writeFileAtomic } from './files.js';
import { firstAddressInCIDR } from '../apimachinery/net.js';
import { caCertificateHash, formatJoinToken, parseJoinToken, randomTokenSecret } from './token.js';
import { TokenAuthenticator } from './verify.js';
import type { UserIdentity } from './verify.js';
import { canonicalIP, extendedKeyUsages, isIPAddress, subjectAltNames, subjectName } from './x509.js';

/** What the API server's credentials depend on. */
export interface ServerCredentialsOptions {
  /** Data directory; credentials go under `<dataDir>/server/`, the kubeconfig to `<dataDir>/kubeconfig.yaml`. */
  dataDir: string;
  /** Cluster join token (short secret or full `K10…` form). Default: the stored one, else a new random one. */
  token?: string;
  /** The address the API server listens on; `0.0.0.0`/`::` mean all interfaces. */
  bindAddress: string;
  /** Addresses (IPs or host names) nodes and users reach the server at; all become SANs. */
  advertiseAddresses: string[];
  /** The HTTPS port, for the kubeconfig's server URL. */
  httpsPort: number;
  /** Service CIDR(s), comma-separated for dual stack; the first IP of each is a SAN (the `kubernetes` Service). */
  serviceCIDR: string;
  /** Cluster DNS domain, e.g. `cluster.local`. */
  clusterDomain: string;
  /** This machine's host name, a SAN. Default `os.hostname()`. */
  hostname?: string;
  /** Leaf certificates expiring within this many days are re-issued at start (as k3s). Default 90. */
  renewBeforeDays?: number;
}

/** A certificate and key as files and PEM text. */
export interface CertificateFiles {
  certFile: string;
  keyFile: string;
  certificatePem: string;
  privateKeyPem: string;
}

/** Everything the API server needs for TLS and authentication, all on disk under the data directory. */
export interface ServerCredentials {
  /** `<dataDir>/server/tls`. */
  tlsDir: string;
  /** Signs the serving certificate; clients trust it. */
  serverCA: CertificateAuthority;
  /** Signs client certificates; pass its PEM as the HTTPS server's `ca`. */
  clientCA: CertificateAuthority;
  /** The API server's serving certificate (`serving-kube-apiserver.crt/.key`). */
  serving: CertificateFiles;
  /** The admin client certificate, CN `system:admin`, O `system:masters` (`client-admin.crt/.key`). */
  admin: CertificateFiles;
  /**
   * What the API server presents to nodes' kubelet servers (`client-kube-apiserver-kubelet.crt/.key`,
   * CN `kube-apiserver-kubelet-client`, no groups, as upstream's: an identity only kubelets honour).
   * Signed by the server CA, the one CA agents hold (from /cacerts), so a node trusts it; the API
   * server itself (client CA) does not accept it.
   */
  kubeletClient: CertificateFiles;
  /** `<dataDir>/server/token`, holding the full-form join token. */
  tokenFile: string;
  /** The full-form join token `K10<server CA hash>::server:<secret>`, for `skiff agent --token`. */
  token: string;
  /** The secret part of the join token (what authenticates). */
  tokenSecret: string;
  /** `<dataDir>/server/admin-token`: a bearer token for `system:admin` (groups `system:masters`). */
  adminTokenFile: string;
  adminToken: string;
  /** `<dataDir>/server/tokens.csv`: optional static bearer tokens in upstream's token file format. */
  tokensFile: string;
  /** `<dataDir>/kubeconfig.yaml` (mode 0600). */
  kubeconfigFile: string;
  /** The server URL written in the kubeconfig. */
  serverURL: string;
}

/** The admin user's identity, in its client certificate and behind the admin token. */
export const ADMIN_IDENTITY: UserIdentity = { user: 'system:admin', groups: ['system:masters'] };

/** The API server's identity toward kubelets, in its kubelet client certificate (upstream's name, no groups). */
export const KUBELET_CLIENT_IDENTITY: UserIdentity = { user: 'kube-apiserver-kubelet-client', groups: [] };

/** The identity the join token authenticates as when used as a bearer token, unless told otherwise. */
export const JOIN_TOKEN_IDENTITY: UserIdentity = { user: 'system:bootstrap:skiff-join', groups: ['system:bootstrappers'] };

/**
 * Loads or creates the API server's credentials under `<dataDir>/server/`: the server and client CAs,
 * the serving certificate (re-issued when its SANs differ from the wanted ones, its CA changed, or it is
 * near expiry), the admin client certificate (likewise), the join token and the admin token; then
 * (re)writes `<dataDir>/kubeconfig.yaml` for the admin. Idempotent: a second call changes nothing.
 */
export async function ensureServerCredentials(options: ServerCredentialsOptions): Promise<ServerCredentials> {
  const serverDir = join(options.dataDir, 'server');
  const tlsDir = join(serverDir, 'tls');
  const renewBeforeMs = (options.renewBeforeDays ?? 90) * 24 * 60 * 60 * 1000;
  const { serverCA, clientCA } = await loadOrCreateClusterCAs(tlsDir);

  const sans = servingSANs(options);
  const serving = await ensureLeaf(
    { dir: tlsDir, name: 'serving-kube-apiserver', ca: serverCA, renewBeforeMs },
    (cert) => extendedKeyUsages(cert).includes('serverAuth') && sameSANs(cert, sans),
    () => serverCA.issueServingCert({ commonName: 'kube-apiserver', ...sans }),
  );
  const admin = await ensureLeaf(
    { dir: tlsDir, name: 'client-admin', ca: clientCA, renewBeforeMs },
    (cert) => {
      const name = subjectName(cert);
      return (
        extendedKeyUsages(cert).includes('clientAuth') &&
        name.commonName === ADMIN_IDENTITY.user &&
        sameSet(name.organizations, ADMIN_IDENTITY.groups)
      );
    },
    () => clientCA.issueClientCert({ commonName: ADMIN_IDENTITY.user, organizations: ADMIN_IDENTITY.groups }),
  );
  const kubeletClient = await ensureLeaf(
    { dir: tlsDir, name: 'client-kube-apiserver-kubelet', ca: serverCA, renewBeforeMs },
    (cert) => {
      const name = subjectName(cert);
      return (
        extendedKeyUsages(cert).includes('clientAuth') &&
        name.commonName === KUBELET_CLIENT_IDENTITY.user &&
        sameSet(name.organizations, KUBELET_CLIENT_IDENTITY.groups)
      );
    },
    () => serverCA.issueClientCert({ commonName: KUBELET_CLIENT_IDENTITY.user, organizations: KUBELET_CLIENT_IDENTITY.groups }),
  );

  const tokenFile = join(serverDir, 'token');
  const { token, secret: tokenSecret } = await ensureJoinToken(tokenFile, options.token, serverCA.certificatePem);
  const adminTokenFile = join(serverDir, 'admin-token');
  const adminToken = await ensureSecretFile(adminTokenFile);

  const serverURL = `https://${urlHost(options.bindAddress)}:${options.httpsPort}`;
  const kubeconfigFile = join(options.dataDir, 'kubeconfig.yaml');
  await writeFileAtomic(
    kubeconfigFile,
    kubeconfigYAML({ serverURL, caPem: serverCA.certificatePem, clientCertPem: admin.certificatePem, clientKeyPem: admin.privateKeyPem }),
    0o600,
  );

  return {
    tlsDir,
    serverCA,
    clientCA,
    serving,
    admin,
    kubeletClient,
    tokenFile,
    token,
    tokenSecret,
    adminTokenFile,
    adminToken,
    tokensFile: join(serverDir, 'tokens.csv'),
    kubeconfigFile,
    serverURL,
  };
}

/** Options of `createTokenAuthenticator`. */
export interface TokenAuthenticatorOptions {
  /** Identity of the join token secret as a bearer token; null to not accept it. Default `JOIN_TOKEN_IDENTITY`. */
  joinTokenIdentity?: UserIdentity | null;
}

/**
 * A bearer token authenticator for the API server: the tokens of `tokens.csv` (if present), the admin
 * token as `system:admin`/`system:masters`, and the join token secret (see options).
 */
export async function createTokenAuthenticator(
  credentials: ServerCredentials,
  options: TokenAuthenticatorOptions = {},
): Promise<TokenAuthenticator> {
  const authenticator = await TokenAuthenticator.fromFile(credentials.tokensFile);
  authenticator.add(credentials.adminToken, ADMIN_IDENTITY);
  const joinIdentity = options.joinTokenIdentity === undefined ? JOIN_TOKEN_IDENTITY : options.joinTokenIdentity;
  if (joinIdentity) authenticator.add(credentials.tokenSecret, joinIdentity);
  return authenticator;
}

/** Inputs of a kubeconfig with embedded credentials. */
export interface KubeconfigInputs {
  serverURL: string;
  /** PEM of the CA that signed the server's certificate. */
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Name of the cluster, user and context. Default `default` (as k3s). */
  name?: string;
}

/** A kubeconfig (YAML) with one cluster, user and context, credentials embedded as base64 data. */
export function kubeconfigYAML(inputs: KubeconfigInputs): string {
  const name = inputs.name ?? 'default';
  const base64 = (pem: string): string => Buffer.from(pem).toString('base64');
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { 'certificate-authority-data': base64(inputs.caPem), server: inputs.serverURL } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    preferences: {},
    users: [
      {
        name,
        user: { 'client-certificate-data': base64(inputs.clientCertPem), 'client-key-data': base64(inputs.clientKeyPem) },
      },
    ],
  }, { lineWidth: -1 });
}

/** The serving certificate's SANs: the in-cluster names, localhost, the host name, local, bind, advertised and Service IPs. */
export function servingSANs(options: ServerCredentialsOptions): { dnsNames: string[]; ips: string[] } {
  const dnsNames = [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${options.clusterDomain}`,
    'localhost',
    options.hostname ?? osHostname(),
  ];
  const ips = ['127.0.0.1', '::1'];
  if (!isUnspecified(options.bindAddress)) ips.push(options.bindAddress);
  for (const address of options.advertiseAddresses) (isIPAddress(address) ? ips : dnsNames).push(address);
  for (const cidr of options.serviceCIDR.split(',')) if (cidr.trim() !== '') ips.push(firstAddressInCIDR(cidr));
  return {
    dnsNames: unique(dnsNames.filter((n) => n !== '').map((n) => n.toLowerCase())),
    ips: unique(ips.map(canonicalIP)),
  };
}

interface LeafLocation {
  dir: string;
  name: string;
  ca: CertificateAuthority;
  renewBeforeMs: number;
}

/** Loads `<name>.crt/.key` when still right (signed by `ca`, key matches, not near expiry, `fits`), else issues and writes a new one. */
async function ensureLeaf(
  location: LeafLocation,
  fits: (cert: X509Certificate) => boolean,
  issue: () => IssuedCertificate,
): Promise<CertificateFiles> {
  const certFile = join(location.dir, `${location.name}.crt`);
  const keyFile = join(location.dir, `${location.name}.key`);
  const [certificatePem, privateKeyPem] = await Promise.all([readFileIfExists(certFile), readFileIfExists(keyFile)]);
  if (certificatePem !== undefined && privateKeyPem !== undefined && leafStillGood(certificatePem, privateKeyPem, location, fits)) {
    return { certFile, keyFile, certificatePem, privateKeyPem };
  }
  const issued = issue();
  await writeFileAtomic(keyFile, issued.privateKeyPem, 0o600);
  await writeFileAtomic(certFile, issued.certificatePem, 0o600);
  return { certFile, keyFile, certificatePem: issued.certificatePem, privateKeyPem: issued.privateKeyPem };
}

function leafStillGood(
  certificatePem: string,
  privateKeyPem: string,
  location: LeafLocation,
  fits: (cert: X509Certificate) => boolean,
): boolean {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificatePem);
    if (!cert.checkPrivateKey(createPrivateKey(privateKeyPem))) return false;
  } catch (error) {
    if (error instanceof Error) return false; // unreadable files are replaced, like expired ones
    throw error;
  }
  const expiresAt = new Date(cert.validTo).getTime();
  return location.ca.signed(cert) && expiresAt - Date.now() > location.renewBeforeMs && fits(cert);
}

/** Stores the join token: the given one (short or full form), else the stored one, else a new random one. */
async function ensureJoinToken(file: string, given: string | undefined, caPem: string): Promise<{ token: string; secret: string }> {
  const caHash = caCertificateHash(caPem);
  const stored = await readFileIfExists(file);
  const source = given ?? stored;
  const parsed = source === undefined || source.trim() === '' ? { secret: randomTokenSecret() } : parseJoinToken(source);
  if (parsed.caHash !== undefined && parsed.caHash !== caHash) {
    throw new Error(`token CA hash ${parsed.caHash} does not match the cluster server CA hash ${caHash}`);
  }
  const token = formatJoinToken({ caHash, username: 'server', secret: parsed.secret });
  if (stored?.trim() !== token) await writeFileAtomic(file, `${token}\n`, 0o600);
  return { token, secret: parsed.secret };
}

/** The secret in `file`, creating it with a random secret when absent or empty. */
async function ensureSecretFile(file: string): Promise<string> {
  const stored = (await readFileIfExists(file))?.trim();
  if (stored) return stored;
  const secret = randomTokenSecret();
  await writeFileAtomic(file, `${secret}\n`, 0o600);
  return secret;
}

function sameSANs(cert: X509Certificate, wanted: { dnsNames: string[]; ips: string[] }): boolean {
  const actual = subjectAltNames(cert);
  return sameSet(actual.dnsNames.map((n) => n.toLowerCase()), wanted.dnsNames) && sameSet(actual.ips.map(canonicalIP), wanted.ips);
}

function sameSet(a: string[], b: string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function isUnspecified(address: string): boolean {
  return address === '' || address === '0.0.0.0' || (isIPAddress(address) && canonicalIP(address) === '::');
}

/** Host part of the kubeconfig URL: loopback when listening on all interfaces, brackets for IPv6. */
function urlHost(bindAddress: string): string {
  if (isUnspecified(bindAddress)) return '127.0.0.1';
  return isIPAddress(bindAddress) && bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
}

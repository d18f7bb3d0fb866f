import type { Secret } from 'kubernetes-types/core/v1.js';
import { certificateFromSecret, type CertificateFile } from './certificates.js';
import { gatewayGroup, type Gateway, type Listener, type ObjectReference, type ReferenceGrant } from './gateway-types.js';

/** A condition's outcome: status True when `ok`, with upstream's reason and a message. */
export interface Verdict {
  ok: boolean;
  reason: string;
  message: string;
}

/** What the controller makes of one listener of a Gateway. */
export interface ListenerInfo {
  gateway: Gateway;
  listener: Listener;
  /** The scheme it serves when its protocol is HTTP or HTTPS. */
  scheme?: 'http' | 'https';
  accepted: Verdict;
  /** HostnameConflict or ProtocolConflict with another listener of the Gateway, or undefined. */
  conflict?: Verdict;
  /** allowedRoutes.kinds names HTTPRoute (or nothing). */
  kindsOk: boolean;
  /** The certificate and route kinds resolve (ResolvedRefs). */
  refs: Verdict;
  /** The certificate an HTTPS listener serves. */
  certificate?: CertificateFile;
  /** Accepted, not conflicted, references resolved: nginx serves it. */
  programmed: boolean;
  /** Routes attached (counted by the route translation). */
  attached: number;
}

/** What {@link resolveListeners} reads and where the data plane serves. */
export interface ListenerContext {
  secrets: Map<string, Secret>;
  referenceGrants: ReferenceGrant[];
  httpPort: number;
  httpsPort: number;
  certificateDir: string;
}

const resolved: Verdict = { ok: true, reason: 'ResolvedRefs', message: 'All references resolved' };

/** Whether a ReferenceGrant in `namespace` lets objects of `fromKind` in `fromNamespace` refer to the `toKind` (core group) named `name`. */
export function referenceGranted(grants: ReferenceGrant[], fromKind: string, fromNamespace: string, toKind: string, namespace: string, name: string): boolean {
  return grants.some(
    (g) =>
      g.metadata?.namespace === namespace &&
      (g.spec?.from ?? []).some((f) => f.group === gatewayGroup && f.kind === fromKind && f.namespace === fromNamespace) &&
      (g.spec?.to ?? []).some((t) => (t.group === '' || t.group === 'core') && t.kind === toKind && (t.name === undefined || t.name === '' || t.name === name)),
  );
}

/** The certificate of an HTTPS listener from its certificateRefs (all must resolve; the first is served). */
function resolveCertificate(gw: Gateway, listener: Listener, ctx: ListenerContext): { refs: Verdict; certificate?: CertificateFile } {
  const gwNamespace = gw.metadata?.namespace ?? '';
  const tls = listener.tls;
  if (tls?.mode !== undefined && tls.mode !== 'Terminate') return { refs: { ok: false, reason: 'InvalidCertificateRef', message: `tls.mode ${tls.mode} is not supported on an HTTPS listener: only Terminate` } };
  const certificateRefs = tls?.certificateRefs ?? [];
  if (certificateRefs.length === 0) return { refs: { ok: false, reason: 'InvalidCertificateRef', message: 'an HTTPS listener needs tls.certificateRefs' } };
  let certificate: CertificateFile | undefined;
  for (const ref of certificateRefs) {
    const problem = certificateProblem(ref, gwNamespace, ctx);
    if ('refs' in problem) return problem;
    certificate ??= problem.certificate;
  }
  return { refs: resolved, certificate };
}

function certificateProblem(ref: ObjectReference, gwNamespace: string, ctx: ListenerContext): { refs: Verdict } | { certificate: CertificateFile } {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Secret';
  const namespace = ref.namespace ?? gwNamespace;
  const invalid = (message: string) => ({ refs: { ok: false, reason: 'InvalidCertificateRef', message } });
  if ((group !== '' && group !== 'core') || kind !== 'Secret') return invalid(`certificateRef ${ref.name}: kind ${group ? `${group}/` : ''}${kind} is not supported: only Secret`);
  if (namespace !== gwNamespace && !referenceGranted(ctx.referenceGrants, 'Gateway', gwNamespace, 'Secret', namespace, ref.name)) {
    return { refs: { ok: false, reason: 'RefNotPermitted', message: `certificateRef to Secret ${namespace}/${ref.name} is not permitted by any ReferenceGrant in namespace ${namespace}` } };
  }
  const found = certificateFromSecret(ctx.secrets.get(`${namespace}/${ref.name}`), ctx.certificateDir, true);
  if ('problem' in found) return invalid(`Secret ${namespace}/${ref.name}: ${found.problem}`);
  return found;
}

/**
 * The listeners of a Gateway with their conditions: HTTP on the data plane's HTTP port and
 * HTTPS (TLS terminated with kubernetes.io/tls Secrets of the Gateway's namespace, or of
 * another namespace with a ReferenceGrant) on its HTTPS port are accepted; two listeners with
 * the same port and hostname conflict (HostnameConflict), as do two protocols on one port
 * (ProtocolConflict). Pure.
 */
export function resolveListeners(gw: Gateway, ctx: ListenerContext): ListenerInfo[] {
  const listeners = gw.spec?.listeners ?? [];
  const protocolsByPort = new Map<number, Set<string>>();
  for (const l of listeners) protocolsByPort.set(l.port, (protocolsByPort.get(l.port) ?? new Set()).add(l.protocol));
  const seen = new Set<string>();
  return listeners.map((listener) => {
    const scheme = listener.protocol === 'HTTP' ? 'http' : listener.protocol === 'HTTPS' ? 'https' : undefined;
    let accepted: Verdict = { ok: true, reason: 'Accepted', message: 'Listener accepted' };
    const port = scheme === 'https' ? ctx.httpsPort : ctx.httpPort;
    if (!scheme) accepted = { ok: false, reason: 'UnsupportedProtocol', message: `protocol ${listener.protocol} is not supported: only HTTP and HTTPS` };
    else if (listener.port !== port) accepted = { ok: false, reason: 'PortUnavailable', message: `port ${listener.port} is not served: the data plane serves ${listener.protocol} on port ${port}` };
    const id = `${listener.port} ${listener.hostname ?? ''}`;
    let conflict: Verdict | undefined;
    if ((protocolsByPort.get(listener.port)?.size ?? 0) > 1) conflict = { ok: false, reason: 'ProtocolConflict', message: `another listener uses port ${listener.port} with another protocol` };
    else if (seen.has(id)) conflict = { ok: false, reason: 'HostnameConflict', message: `another listener has port ${listener.port} and hostname ${JSON.stringify(listener.hostname ?? '')}` };
    seen.add(id);
    const kinds = listener.allowedRoutes?.kinds;
    const kindsOk = kinds === undefined || kinds.length === 0 || kinds.some((k) => k.kind === 'HTTPRoute' && (k.group ?? gatewayGroup) === gatewayGroup);
    let refs = kindsOk ? resolved : { ok: false, reason: 'InvalidRouteKinds', message: 'allowedRoutes.kinds names no kind this controller supports (HTTPRoute)' };
    let certificate: CertificateFile | undefined;
    if (scheme === 'https') {
      const tls = resolveCertificate(gw, listener, ctx);
      if (refs.ok) refs = tls.refs;
      certificate = tls.certificate;
    }
    const programmed = accepted.ok && !conflict && refs.ok;
    return { gateway: gw, listener, scheme, accepted, conflict, kindsOk, refs, certificate, programmed, attached: 0 };
  });
}

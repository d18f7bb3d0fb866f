import type { Secret } from 'kubernetes-types/core/v1.js';
import { certificateFromSecret, type CertificateFile } from './certificates.js';
import { gatewayGroup, type Gateway, type Listener, type ObjectReference, type ReferenceGrant, type RouteGroupKind } from './gateway-types.js';

/** The route kinds HTTP and HTTPS listeners serve. */
export const servedRouteKinds: readonly RouteGroupKind[] = [{ group: gatewayGroup, kind: 'HTTPRoute' }];

/** Why GRPCRoutes are not served, for listener and route conditions. */
export const grpcRouteNotServed =
  'GRPCRoute is not served: nginx 1.22 cannot serve cleartext HTTP/2 (h2c) beside HTTP/1.1 on one port, so Skiff serves HTTPRoute only';

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
  /**
   * The route kinds it serves (status supportedKinds): those of allowedRoutes.kinds this
   * controller serves on its protocol, all of them when allowedRoutes.kinds is empty.
   */
  supportedKinds: RouteGroupKind[];
  /** The certificate and route kinds resolve (ResolvedRefs). */
  refs: Verdict;
  /** The certificate an HTTPS listener serves. */
  certificate?: CertificateFile;
  /** Accepted, not conflicted, its certificate resolved, serving some route kind: nginx serves it (for its supportedKinds). */
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

const kindName = (k: RouteGroupKind): string => `${k.group ?? gatewayGroup}/${k.kind}`;

/**
 * The route kinds a listener serves, and its ResolvedRefs verdict on allowedRoutes.kinds: a
 * kind it cannot serve makes it InvalidRouteKinds (also when other kinds are served), as
 * upstream's spec of supportedKinds says.
 */
function routeKinds(listener: Listener, servesHttp: boolean): { supported: RouteGroupKind[]; refs: Verdict } {
  const served = servesHttp ? servedRouteKinds : [];
  const wanted = listener.allowedRoutes?.kinds ?? [];
  if (wanted.length === 0) return { supported: served.map((k) => ({ ...k })), refs: resolved };
  const isServed = (k: RouteGroupKind) => served.some((s) => kindName(s) === kindName(k));
  const supported = served.filter((s) => wanted.some((k) => kindName(k) === kindName(s))).map((k) => ({ ...k }));
  const invalid = [...new Set(wanted.filter((k) => !isServed(k)).map(kindName))];
  if (invalid.length === 0) return { supported, refs: resolved };
  const grpc = invalid.includes(`${gatewayGroup}/GRPCRoute`) ? ` (${grpcRouteNotServed})` : '';
  const serves = served.length > 0 ? `serves ${served.map((k) => k.kind).join(', ')}` : `serves no route kind on protocol ${listener.protocol}`;
  return { supported, refs: { ok: false, reason: 'InvalidRouteKinds', message: `allowedRoutes.kinds names kinds this listener does not serve: ${invalid.join(', ')}${grpc}; it ${serves}` } };
}

/**
 * The listeners of a Gateway with their conditions: HTTP on the data plane's HTTP port and
 * HTTPS (TLS terminated with kubernetes.io/tls Secrets of the Gateway's namespace, or of
 * another namespace with a ReferenceGrant) on its HTTPS port are accepted; two listeners with
 * the same port and hostname conflict (HostnameConflict), as do two protocols on one port
 * (ProtocolConflict). They serve HTTPRoutes (supportedKinds); allowedRoutes.kinds naming another
 * kind is InvalidRouteKinds, and a listener left with no kind to serve is not programmed. Pure.
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
    const kinds = routeKinds(listener, scheme !== undefined);
    let refs = kinds.refs;
    let certificateOk = true;
    let certificate: CertificateFile | undefined;
    if (scheme === 'https') {
      const tls = resolveCertificate(gw, listener, ctx);
      // A certificate that does not resolve stops the listener: its reason goes first.
      if (!tls.refs.ok) refs = tls.refs;
      certificateOk = tls.refs.ok;
      certificate = tls.certificate;
    }
    const programmed = accepted.ok && !conflict && certificateOk && kinds.supported.length > 0;
    return { gateway: gw, listener, scheme, accepted, conflict, supportedKinds: kinds.supported, refs, certificate, programmed, attached: 0 };
  });
}

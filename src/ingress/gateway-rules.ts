import type { BackendObjectReference, HTTPHeaderFilter, HTTPPathModifier, HTTPRouteFilter, HTTPRouteRule } from './gateway-types.js';
import type { BackendTarget, Condition, Filters, HeaderEdits, Mirror, PathRewrite, RouteRule } from './model.js';

/** A reference's problem for the route's ResolvedRefs condition (upstream's reasons). */
export interface RefProblem {
  reason: 'BackendNotFound' | 'RefNotPermitted' | 'InvalidKind';
  message: string;
}

/** How the rule translation finds the target of a backendRef of the route. */
export interface RuleContext {
  resolve: (ref: BackendObjectReference) => { target: BackendTarget; problem?: RefProblem };
}

/** The listener a rule is served on: a redirect's default scheme and port. */
export interface ListenerScheme {
  scheme: 'http' | 'https';
  port: number;
}

/** One match of a rule: its path, the other conditions, and its precedence (compared element by element, smaller first). */
export interface RouteMatch {
  path: { kind: 'exact' | 'prefix' | 'regex'; value: string };
  when: Condition[];
  precedence: number[];
}

/** An HTTPRoute rule in the data plane's terms. */
export interface TranslatedRule {
  index: number;
  matches: RouteMatch[];
  /** Why the rule cannot be served (then it is dropped); empty when it can. */
  unsupported: string[];
  /** References that do not resolve (their requests are answered 500, mirrors are left out). */
  refProblems: RefProblem[];
  /** The backends and filters served on a listener (redirects default to its scheme and port). */
  servedOn(listener: ListenerScheme): Pick<RouteRule, 'backends' | 'filters'>;
}

/** The methods a match may name (HTTPMethod's enum). */
const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
/** Header names nginx can address as variables (`$http_...`). */
const headerName = /^[A-Za-z0-9-]+$/;
const controlCharacters = /[\x00-\x08\x0a-\x1f\x7f]/;
const redirectCodes = new Set([301, 302, 303, 307, 308]);

/** Header changes, or why they cannot be made. */
function headerEdits(filter: HTTPHeaderFilter | undefined, what: string, unsupported: string[]): HeaderEdits | undefined {
  if (!filter) return undefined;
  const edits: HeaderEdits = { set: filter.set ?? [], add: filter.add ?? [], remove: filter.remove ?? [] };
  for (const name of [...edits.set.map((h) => h.name), ...edits.add.map((h) => h.name), ...edits.remove]) {
    if (!headerName.test(name)) unsupported.push(`${what}: header name ${JSON.stringify(name)} is not supported (letters, digits and '-' only)`);
  }
  for (const h of [...edits.set, ...edits.add]) if (controlCharacters.test(h.value)) unsupported.push(`${what}: the value of header ${h.name} has control characters`);
  return edits;
}

/** A path modifier as a rewrite of the model; ReplacePrefixMatch replaces the rule's one PathPrefix match. */
function pathRewrite(path: HTTPPathModifier | undefined, prefix: string | undefined, what: string, unsupported: string[]): PathRewrite | undefined {
  if (!path) return undefined;
  if (path.type === 'ReplaceFullPath' && path.replaceFullPath !== undefined) {
    if (controlCharacters.test(path.replaceFullPath) || path.replaceFullPath.includes(' ')) unsupported.push(`${what}: replaceFullPath has spaces or control characters`);
    return { kind: 'full', path: path.replaceFullPath };
  }
  if (path.type === 'ReplacePrefixMatch' && path.replacePrefixMatch !== undefined) {
    if (prefix === undefined) {
      unsupported.push(`${what}: ReplacePrefixMatch needs exactly one PathPrefix match in the rule`);
      return undefined;
    }
    if (controlCharacters.test(path.replacePrefixMatch) || path.replacePrefixMatch.includes(' ')) unsupported.push(`${what}: replacePrefixMatch has spaces or control characters`);
    return { kind: 'prefix', prefix, replacement: path.replacePrefixMatch };
  }
  unsupported.push(`${what}: path type ${JSON.stringify(path.type)} is not supported`);
  return undefined;
}

/** What a list of filters does; `erroring`: an ExtensionRef this controller cannot resolve (its requests get 500). */
interface FilterTranslation {
  filtersOn: (listener: ListenerScheme) => Filters | undefined;
  erroring: boolean;
}

function translateFilters(filters: HTTPRouteFilter[] | undefined, where: string, prefix: string | undefined, ctx: RuleContext, unsupported: string[], refProblems: RefProblem[]): FilterTranslation {
  let requestHeaders: HeaderEdits | undefined;
  let responseHeaders: HeaderEdits | undefined;
  let redirect: ((l: ListenerScheme) => Filters['redirect']) | undefined;
  let rewrite: Filters['rewrite'];
  const mirrors: Mirror[] = [];
  let erroring = false;
  for (const f of filters ?? []) {
    const what = `${where} filter ${f.type}`;
    switch (f.type) {
      case 'RequestHeaderModifier':
        requestHeaders = headerEdits(f.requestHeaderModifier, what, unsupported);
        break;
      case 'ResponseHeaderModifier':
        responseHeaders = headerEdits(f.responseHeaderModifier, what, unsupported);
        break;
      case 'RequestRedirect': {
        const r = f.requestRedirect ?? {};
        const statusCode = r.statusCode ?? 302;
        if (!redirectCodes.has(statusCode)) unsupported.push(`${what}: statusCode ${statusCode} is not supported`);
        if (r.scheme !== undefined && r.scheme !== 'http' && r.scheme !== 'https') unsupported.push(`${what}: scheme ${JSON.stringify(r.scheme)} is not supported`);
        const path = pathRewrite(r.path, prefix, what, unsupported);
        redirect = (l) => {
          const scheme = r.scheme === 'https' || r.scheme === 'http' ? r.scheme : l.scheme;
          const port = r.port ?? (r.scheme !== undefined ? (scheme === 'https' ? 443 : 80) : l.port);
          const wellKnown = (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);
          return { scheme, statusCode, ...(r.hostname !== undefined ? { hostname: r.hostname } : {}), ...(wellKnown ? {} : { port }), ...(path ? { path } : {}) };
        };
        break;
      }
      case 'URLRewrite': {
        const path = pathRewrite(f.urlRewrite?.path, prefix, what, unsupported);
        rewrite = { ...(f.urlRewrite?.hostname !== undefined ? { hostname: f.urlRewrite.hostname } : {}), ...(path ? { path } : {}) };
        break;
      }
      case 'RequestMirror': {
        const m = f.requestMirror;
        if (!m) break;
        const { target, problem } = ctx.resolve(m.backendRef);
        if (problem) refProblems.push({ reason: problem.reason, message: `mirror: ${problem.message}` });
        const fraction = m.fraction ? (m.fraction.numerator / (m.fraction.denominator ?? 100)) * 100 : undefined;
        // A mirror to a Service without ready endpoints is left out: there is nothing to copy the request to.
        if (target.kind === 'upstream') mirrors.push({ target, percent: Math.max(0, Math.min(100, m.percent ?? fraction ?? 100)) });
        break;
      }
      case 'ExtensionRef': {
        const e = f.extensionRef;
        erroring = true;
        refProblems.push({ reason: 'InvalidKind', message: `${what}: ${e ? `${e.group}/${e.kind} ${e.name}` : 'the reference'} is not supported by this controller; its requests are answered 500` });
        break;
      }
      default:
        unsupported.push(`${what} is not supported by this controller`);
    }
  }
  return {
    erroring,
    filtersOn: (l) => {
      const out: Filters = {};
      if (requestHeaders) out.requestHeaders = requestHeaders;
      if (responseHeaders) out.responseHeaders = responseHeaders;
      if (redirect) out.redirect = redirect(l);
      if (rewrite) out.rewrite = rewrite;
      if (mirrors.length > 0) out.mirrors = mirrors;
      return Object.keys(out).length > 0 ? out : undefined;
    },
  };
}

/**
 * Translates one HTTPRoute rule: each match becomes a path (Exact, PathPrefix, or a
 * RegularExpression tested as a condition, anchored, PCRE) with conditions (method, headers
 * Exact or RegularExpression anchored, query parameters Exact or RegularExpression, the first
 * of a repeated name counting) and the precedence the Gateway API orders matches by (Exact
 * path, then regular expressions, then the longest prefix; a method; more headers; more query
 * parameters). Filters at rule and backendRef level: RequestHeaderModifier,
 * ResponseHeaderModifier, RequestRedirect, URLRewrite, RequestMirror; an ExtensionRef answers
 * 500; other filters or values, and timeouts, make the rule unsupported. Pure.
 */
export function translateRule(rule: HTTPRouteRule, index: number, ctx: RuleContext): TranslatedRule {
  const unsupported: string[] = [];
  const refProblems: RefProblem[] = [];
  const where = `rule ${index}`;
  const matchList = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
  const matches: RouteMatch[] = matchList.map((m, matchIndex) => {
    const what = `${where} match ${matchIndex}`;
    const type = m.path?.type ?? 'PathPrefix';
    const value = m.path?.value ?? '/';
    const when: Condition[] = [];
    let path: RouteMatch['path'];
    let pathRank: number;
    if (type === 'Exact') (path = { kind: 'exact', value }), (pathRank = 0);
    else if (type === 'PathPrefix') (path = { kind: 'prefix', value }), (pathRank = 2);
    else if (type === 'RegularExpression') {
      path = { kind: 'regex', value };
      pathRank = 1;
      when.push({ on: 'path', name: '', match: 'regex', value: `^(?:${value})$` });
    } else {
      unsupported.push(`${what}: path type ${JSON.stringify(type)} is not supported`);
      (path = { kind: 'prefix', value: '/' }), (pathRank = 2);
    }
    if (m.method !== undefined) {
      if (!methods.has(m.method)) unsupported.push(`${what}: method ${JSON.stringify(m.method)} is not supported`);
      when.push({ on: 'method', name: '', match: 'exact', value: m.method });
    }
    const headerNames = new Set<string>();
    let headers = 0;
    for (const h of m.headers ?? []) {
      // Only the first of equivalent names counts (names are case-insensitive).
      if (headerNames.has(h.name.toLowerCase())) continue;
      headerNames.add(h.name.toLowerCase());
      headers++;
      const htype = h.type ?? 'Exact';
      if (!headerName.test(h.name)) unsupported.push(`${what}: header name ${JSON.stringify(h.name)} is not supported (letters, digits and '-' only)`);
      if (htype !== 'Exact' && htype !== 'RegularExpression') unsupported.push(`${what}: header match type ${JSON.stringify(htype)} is not supported`);
      when.push({ on: 'header', name: h.name, match: htype === 'RegularExpression' ? 'regex' : 'exact', value: htype === 'RegularExpression' ? `^(?:${h.value})$` : h.value });
    }
    const queryNames = new Set<string>();
    let queries = 0;
    for (const q of m.queryParams ?? []) {
      if (queryNames.has(q.name)) continue;
      queryNames.add(q.name);
      queries++;
      const qtype = q.type ?? 'Exact';
      if (qtype !== 'Exact' && qtype !== 'RegularExpression') unsupported.push(`${what}: query parameter match type ${JSON.stringify(qtype)} is not supported`);
      when.push({ on: 'query', name: q.name, match: qtype === 'RegularExpression' ? 'regex' : 'exact', value: q.value });
    }
    return { path, when, precedence: [pathRank, -value.length, m.method !== undefined ? 0 : 1, -headers, -queries] };
  });
  // ReplacePrefixMatch replaces what the rule's one PathPrefix match matched.
  const onlyPrefix = matchList.length === 1 && (matchList[0]?.path?.type ?? 'PathPrefix') === 'PathPrefix' ? (matchList[0]?.path?.value ?? '/') : undefined;
  const ruleFilters = translateFilters(rule.filters, where, onlyPrefix, ctx, unsupported, refProblems);
  if (rule.timeouts?.request !== undefined || rule.timeouts?.backendRequest !== undefined) unsupported.push(`${where}: timeouts are not supported by this controller`);
  const backends = (rule.backendRefs ?? []).map((ref, k) => {
    const { target, problem } = ctx.resolve(ref);
    if (problem) refProblems.push(problem);
    const filters = translateFilters(ref.filters, `${where} backendRef ${k}`, onlyPrefix, ctx, unsupported, refProblems);
    return { target: filters.erroring ? ({ kind: 'status', code: 500 } as BackendTarget) : target, weight: ref.weight ?? 1, filters };
  });
  return {
    index,
    matches,
    unsupported,
    refProblems,
    servedOn: (l) => {
      if (ruleFilters.erroring) return { backends: [{ target: { kind: 'status', code: 500 }, weight: 1 }] };
      const filters = ruleFilters.filtersOn(l);
      return {
        backends: backends.map((b) => {
          const f = b.filters.filtersOn(l);
          return { target: b.target, weight: b.weight, ...(f ? { filters: f } : {}) };
        }),
        ...(filters ? { filters } : {}),
      };
    },
  };
}

import { locationOrder } from '../apimachinery/ingress-rules.js';
import { accessLogFormat } from './access-log.js';
import type { BackendTarget, Condition, DataPlane, Filters, HeaderEdits, Location, RouteRule, VirtualHost, WeightedBackend } from './model.js';

/** Where nginx keeps its files and which ports it listens on. */
export interface NginxSettings {
  httpPort: number;
  httpsPort: number;
  pidFile: string;
  /** Directory for request bodies and buffered responses. */
  tempDir: string;
  /** Worker processes. Default `auto`. */
  workerProcesses?: number | 'auto';
  /**
   * Idle keep-alive connections per upstream per worker; 0: a new connection per request.
   * Default 0: a kept connection to a ClusterIP stays with the one pod it was sent to (no
   * balancing, traffic to a terminating pod), and bench/ingress measured stalls with it.
   */
  upstreamKeepalive?: number;
  /**
   * nginx's `keepalive_min_timeout` (nginx 1.27.4 and later only): how long after an answer a
   * keep-alive connection is not closed, by a reload either. A reload then answers the client's
   * next request with `Connection: close` instead of closing the connection under it. Default none.
   */
  keepaliveMinTimeoutMs?: number;
  /** The UDP port on 127.0.0.1 the access log of proxied requests goes to (syslog, {@link accessLogFormat}). Default none: no access log. */
  accessLogPort?: number;
}

/** The configuration text, and for each line the object it comes from ('' for shared lines). */
export interface RenderedConfig {
  text: string;
  lineSources: string[];
}

class Lines {
  readonly text: string[] = [];
  readonly sources: string[] = [];
  add(line: string, source = ''): void {
    this.text.push(line);
    this.sources.push(source);
  }
  append(other: Lines): void {
    for (let i = 0; i < other.text.length; i++) this.add(other.text[i]!, other.sources[i]);
  }
}

type Upstream = Extract<BackendTarget, { kind: 'upstream' }>;

/** A quoted nginx string (file names, regexes, rewrite targets whose `$n` are captures). */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A string as a PCRE regex matching it literally. */
function regexLiteral(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/]/g, (c) => `\\${c}`);
}

function upstreamName(target: Upstream): string {
  return `u_${target.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function targetValue(target: BackendTarget): string {
  return target.kind === 'upstream' ? upstreamName(target) : `status_${target.code}`;
}

/** The headers every proxied request gets (a location's own proxy_set_header replaces them all, so filtered locations repeat them). */
const defaultProxyHeaders: readonly (readonly [string, string])[] = [
  ['Connection', '""'],
  ['Host', '$host'],
  ['X-Real-IP', '$remote_addr'],
  ['X-Forwarded-For', '$proxy_add_x_forwarded_for'],
  ['X-Forwarded-Proto', '$scheme'],
  ['X-Forwarded-Host', '$host'],
];

/** The server_name of a hostname: exact, a `*.` wildcard of one or more labels, or a regex allowing one label. */
function serverName(host: VirtualHost): string {
  const hostname = host.hostname;
  if (hostname === '') return '_';
  if (hostname.startsWith('*.')) return host.wildcard === 'labels' ? hostname : quote(`~^[^.]+${regexLiteral(hostname.slice(1))}$`);
  return hostname;
}

/** The shares of a set of backends as split_clients percentages (the last one takes the rest). */
function shares(backends: WeightedBackend[], valueOf: (b: WeightedBackend, index: number) => string = (b) => targetValue(b.target)): { percent: string; value: string }[] {
  const live = backends.map((b, index) => ({ b, index })).filter(({ b }) => b.weight > 0);
  const total = live.reduce((sum, { b }) => sum + b.weight, 0);
  return live.map(({ b, index }, i) => ({ percent: i === live.length - 1 ? '*' : `${(Math.floor((b.weight / total) * 10000) / 100).toFixed(2)}%`, value: valueOf(b, index) }));
}

/** The variable nginx gives a request header (`$http_x_foo`) or an upstream's response header. */
function headerVariable(prefix: '$http_' | '$upstream_http_', name: string): string {
  return `${prefix}${name.toLowerCase().replace(/-/g, '_')}`;
}

/** What one header ends up as after a sequence of edits. */
type HeaderOutcome = { name: string; op: 'set'; value: string } | { name: string; op: 'add'; value: string } | { name: string; op: 'remove' };

/** The outcome per header (lower-cased name) of `edits` applied in order, each as set, add, remove. */
function headerOutcomes(edits: (HeaderEdits | undefined)[]): Map<string, HeaderOutcome> {
  const out = new Map<string, HeaderOutcome>();
  for (const e of edits) {
    if (!e) continue;
    for (const h of e.set) out.set(h.name.toLowerCase(), { name: h.name, op: 'set', value: h.value });
    for (const h of e.add) {
      const before = out.get(h.name.toLowerCase());
      if (before?.op === 'set' || before?.op === 'add') out.set(h.name.toLowerCase(), { ...before, value: `${before.value},${h.value}` });
      else if (before?.op === 'remove') out.set(h.name.toLowerCase(), { name: h.name, op: 'set', value: h.value });
      else out.set(h.name.toLowerCase(), { name: h.name, op: 'add', value: h.value });
    }
    for (const name of e.remove) out.set(name.toLowerCase(), { name, op: 'remove' });
  }
  return out;
}

/** A rule's filters followed by a backend's: header edits in sequence, mirrors together, a rewrite's or redirect's fields replaced. */
function mergeFilters(rule: Filters | undefined, backend: Filters | undefined): { requestHeaders: (HeaderEdits | undefined)[]; responseHeaders: (HeaderEdits | undefined)[]; redirect?: Filters['redirect']; rewrite?: Filters['rewrite']; mirrors: NonNullable<Filters['mirrors']> } {
  return {
    requestHeaders: [rule?.requestHeaders, backend?.requestHeaders],
    responseHeaders: [rule?.responseHeaders, backend?.responseHeaders],
    redirect: backend?.redirect ?? rule?.redirect,
    rewrite: rule?.rewrite || backend?.rewrite ? { ...rule?.rewrite, ...backend?.rewrite } : undefined,
    mirrors: [...(rule?.mirrors ?? []), ...(backend?.mirrors ?? [])],
  };
}

function hasFilters(f: Filters | undefined): boolean {
  return f !== undefined && Object.values(f).some((v) => v !== undefined);
}

/** Whether a location needs per-choice named locations: some rule or backend has filters. */
function isFiltered(loc: Location): boolean {
  return loc.rules.some((r) => hasFilters(r.filters) || r.backends.some((b) => hasFilters(b.filters)));
}

/**
 * Renders the nginx configuration serving `plane`: a pure function of the model and settings.
 * Each location with more than one possible target gets a variable computed by maps (one per
 * condition, falling through to the next rule) and `split_clients` on the request id for
 * weights; requests go to upstreams of one server (a Service's ClusterIP). A location whose
 * rules or backends have filters computes instead the named location of its choice (one per
 * rule and backend: header edits, rewrites, mirrors, redirects) and jumps there with
 * `error_page 418`, which keeps the method and body.
 */
export function renderNginxConfig(plane: DataPlane, settings: NginxSettings): RenderedConfig {
  const out = new Lines();
  const http = new Lines();
  const maps = new Lines();
  const servers = new Lines();
  const upstreams = new Map<string, Upstream>();
  let locationCount = 0;
  let usesDollar = false;

  /** Text from an object placed where nginx expands variables: a `$` stays a dollar sign. */
  const literal = (value: string): string => {
    if (!value.includes('$')) return value;
    usesDollar = true;
    return value.replace(/\$/g, '${skiff_dollar}');
  };

  const ruleValue = (rule: RouteRule, variable: string): string => {
    const split = shares(rule.backends);
    if (split.length === 0) return 'status_500';
    for (const b of rule.backends) if (b.target.kind === 'upstream') upstreams.set(upstreamName(b.target), b.target);
    if (split.length === 1) return split[0]!.value;
    maps.add(`split_clients "\${request_id}" ${variable} {`, rule.source);
    for (const s of split) maps.add(`    ${s.percent} ${s.value};`, rule.source);
    maps.add('}', rule.source);
    return variable;
  };

  const conditionKey = (c: Condition): { variable: string; key: string } => {
    switch (c.on) {
      case 'header':
        return { variable: headerVariable('$http_', c.name), key: quote(c.match === 'exact' ? `~^${regexLiteral(c.value)}$` : `~${c.value}`) };
      case 'cookie': {
        const value = c.match === 'exact' ? regexLiteral(c.value) : `(?:${c.value})`;
        return { variable: '$http_cookie', key: quote(`~(?:^|;\\s*)${regexLiteral(c.name)}=${value}(?:;|$)`) };
      }
      case 'query': {
        // The first parameter of that name: every parameter before it has another name.
        const name = regexLiteral(c.name);
        const value = c.match === 'exact' ? regexLiteral(c.value) : `(?:${c.value})`;
        return { variable: '$args', key: quote(`~^(?:(?!${name}=)[^&]*&)*${name}=${value}(?:&|$)`) };
      }
      case 'method':
        return { variable: '$request_method', key: quote(c.match === 'exact' ? `~^${regexLiteral(c.value)}$` : `~${c.value}`) };
      case 'path':
        return { variable: '$uri', key: quote(c.match === 'exact' ? `~^${regexLiteral(c.value)}$` : `~${c.value}`) };
    }
  };

  /**
   * The expression (a literal or a variable) a location's rules choose: maps test each rule's
   * conditions in order, falling through to the next rule and finally to `noMatch`.
   */
  const chooseRule = (loc: Location, n: number, valueOf: (rule: RouteRule, index: number) => string, noMatch: () => string): string => {
    const rules = loc.rules;
    if (rules.length === 0) return noMatch();
    let next = rules.at(-1)!.when.length === 0 ? '' : noMatch();
    for (let i = rules.length - 1; i >= 0; i--) {
      const rule = rules[i]!;
      const value = valueOf(rule, i);
      if (rule.when.length === 0) {
        next = value;
        continue;
      }
      let inner = value;
      for (let j = rule.when.length - 1; j >= 0; j--) {
        const variable = `$skiff_l${n}_r${i}_c${j}`;
        const { variable: input, key } = conditionKey(rule.when[j]!);
        maps.add(`map ${input} ${variable} {`, rule.source);
        maps.add(`    default ${next};`, rule.source);
        maps.add(`    ${key} ${inner};`, rule.source);
        maps.add('}', rule.source);
        inner = variable;
      }
      next = inner;
    }
    return next;
  };

  /** The lines of a server: its locations, then the named and internal locations they jump to. */
  interface ServerParts {
    locations: Lines;
    named: Lines;
    statusCodes: Set<number>;
  }

  const renderPlainLocation = (loc: Location, n: number, header: string, parts: ServerParts): void => {
    const target = chooseRule(loc, n, (rule, i) => ruleValue(rule, `$skiff_l${n}_r${i}_w`), () => 'status_404');
    const source = loc.source;
    const lines = parts.locations;
    lines.add(`        ${header} {`, source);
    if (loc.rewriteTarget !== undefined) lines.add(`            rewrite ${quote(`(?i)^${loc.path}`)} ${quote(loc.rewriteTarget)} break;`, source);
    if (target.startsWith('status_')) {
      lines.add(`            return ${target.slice('status_'.length)};`, source);
    } else if (target.startsWith('$')) {
      const codes = new Set<number>();
      for (const rule of loc.rules) {
        for (const b of rule.backends) if (b.target.kind === 'status' && b.weight > 0) codes.add(b.target.code);
        if (shares(rule.backends).length === 0) codes.add(500);
      }
      if (loc.rules.at(-1)!.when.length > 0) codes.add(404);
      for (const code of [...codes].sort()) lines.add(`            if (${target} = status_${code}) { return ${code}; }`, source);
      lines.add(`            proxy_pass http://${target};`, source);
    } else {
      lines.add(`            proxy_pass http://${target};`, source);
    }
    lines.add('        }', source);
  };

  /** The proxy_set_header lines of a choice: the defaults with the edits applied, then the edited headers that are not defaults. */
  const requestHeaderLines = (edits: (HeaderEdits | undefined)[], hostname: string | undefined, mapPrefix: string, source: string): string[] => {
    const outcomes = headerOutcomes(edits);
    if (hostname !== undefined) outcomes.set('host', { name: 'Host', op: 'set', value: hostname });
    const lines: string[] = [];
    let mapCount = 0;
    const line = (name: string, value: string) => lines.push(`            proxy_set_header ${name} ${value};`);
    for (const [name, value] of defaultProxyHeaders) {
      const o = outcomes.get(name.toLowerCase());
      outcomes.delete(name.toLowerCase());
      if (!o) line(name, value);
      else if (o.op === 'remove') line(name, '""');
      else if (o.op === 'set') line(name, quote(literal(o.value)));
      else line(name, quote(`${value === '""' ? '' : `${value},`}${literal(o.value)}`));
    }
    for (const o of outcomes.values()) {
      if (o.op === 'remove') line(o.name, '""');
      else if (o.op === 'set') line(o.name, quote(literal(o.value)));
      else {
        const variable = `${mapPrefix}_h${mapCount++}`;
        const original = headerVariable('$http_', o.name);
        maps.add(`map ${original} ${variable} {`, source);
        maps.add(`    "" ${quote(literal(o.value))};`, source);
        maps.add(`    default ${quote(`${original},${literal(o.value)}`)};`, source);
        maps.add('}', source);
        line(o.name, variable);
      }
    }
    return lines;
  };

  /** add_header and proxy_hide_header lines for response header edits (`proxied`: the answer comes from an upstream). */
  const responseHeaderLines = (edits: (HeaderEdits | undefined)[], proxied: boolean, mapPrefix: string, source: string): string[] => {
    const lines: string[] = [];
    let mapCount = 0;
    for (const o of headerOutcomes(edits).values()) {
      if (proxied) lines.push(`            proxy_hide_header ${o.name};`);
      if (o.op === 'remove') continue;
      if (o.op === 'set' || !proxied) {
        lines.push(`            add_header ${o.name} ${quote(literal(o.value))} always;`);
        continue;
      }
      const variable = `${mapPrefix}_r${mapCount++}`;
      const original = headerVariable('$upstream_http_', o.name);
      maps.add(`map ${original} ${variable} {`, source);
      maps.add(`    "" ${quote(literal(o.value))};`, source);
      maps.add(`    default ${quote(`${original},${literal(o.value)}`)};`, source);
      maps.add('}', source);
      lines.push(`            add_header ${o.name} ${variable} always;`);
    }
    return lines;
  };

  /** The named location of one choice: a redirect, a status, or the proxying of a request with its filters. */
  const renderChoice = (name: string, rule: RouteRule, backend: WeightedBackend | undefined, parts: ServerParts): void => {
    const source = rule.source;
    const f = mergeFilters(rule.filters, backend?.filters);
    const id = name.slice('@skiff_'.length);
    const lines: string[] = [];
    const redirect = f.redirect;
    if (redirect) {
      lines.push(...responseHeaderLines(f.responseHeaders, false, `$skiff_${id}`, source));
      const base = `${redirect.scheme}://${redirect.hostname !== undefined ? literal(redirect.hostname) : '${host}'}${redirect.port !== undefined ? `:${redirect.port}` : ''}`;
      const code = redirect.statusCode;
      const path = redirect.path;
      if (path?.kind === 'full') lines.push(`            return ${code} ${quote(`${base}${literal(path.path)}$is_args$args`)};`);
      else {
        if (path?.kind === 'prefix') {
          const prefix = regexLiteral(path.prefix.replace(/\/+$/, ''));
          const replacement = literal(path.replacement.replace(/\/+$/, ''));
          if (prefix !== '') lines.push(`            if ($request_uri ~ ${quote(`^${prefix}(\\?.*)?$`)}) { return ${code} ${quote(`${base}${replacement || '/'}$1`)}; }`);
          lines.push(`            if ($request_uri ~ ${quote(`^${prefix}(/[^?]*)(\\?.*)?$`)}) { return ${code} ${quote(`${base}${replacement}$1$2`)}; }`);
        }
        lines.push(`            return ${code} ${quote(`${base}$request_uri`)};`);
      }
    } else if (!backend || backend.target.kind === 'status') {
      lines.push(`            return ${backend?.target.kind === 'status' ? backend.target.code : 500};`);
    } else {
      const target = backend.target;
      upstreams.set(upstreamName(target), target);
      const rewrite = f.rewrite;
      const headersEdited = f.requestHeaders.some((e) => e !== undefined) || rewrite?.hostname !== undefined;
      if (headersEdited) lines.push(...requestHeaderLines(f.requestHeaders, rewrite?.hostname, `$skiff_${id}`, source));
      const path = rewrite?.path;
      if (path?.kind === 'full') lines.push(`            rewrite ^ ${quote(literal(path.path))} break;`);
      else if (path?.kind === 'prefix') {
        const prefix = regexLiteral(path.prefix.replace(/\/+$/, ''));
        const replacement = literal(path.replacement.replace(/\/+$/, ''));
        if (prefix !== '') lines.push(`            rewrite ${quote(`^${prefix}$`)} ${quote(replacement || '/')} break;`);
        lines.push(`            rewrite ${quote(`^${prefix}(/.*)$`)} ${quote(`${replacement}$1`)} break;`);
      }
      f.mirrors.forEach((m, j) => {
        if (m.percent <= 0) return;
        upstreams.set(upstreamName(m.target), m.target);
        const uri = `/.skiff-mirror/${id}-m${j}`;
        lines.push(`            mirror ${quote(uri)};`);
        parts.named.add(`        location = ${quote(uri)} {`, source);
        parts.named.add('            internal;', source);
        if (m.percent < 100) {
          const sample = `$skiff_${id}_m${j}`;
          maps.add(`split_clients "\${request_id}" ${sample} {`, source);
          maps.add(`    ${m.percent.toFixed(2)}% 1;`, source);
          maps.add('    * "";', source);
          maps.add('}', source);
          parts.named.add(`            if (${sample} = "") { return 204; }`, source);
        }
        parts.named.add(`            proxy_pass http://${upstreamName(m.target)}$request_uri;`, source);
        parts.named.add('        }', source);
      });
      lines.push(...responseHeaderLines(f.responseHeaders, true, `$skiff_${id}`, source));
      lines.push(`            proxy_pass http://${upstreamName(target)};`);
    }
    parts.named.add(`        location ${name} {`, source);
    for (const l of lines) parts.named.add(l, source);
    parts.named.add('        }', source);
  };

  const renderFilteredLocation = (loc: Location, n: number, header: string, parts: ServerParts): void => {
    const status = (code: number): string => {
      parts.statusCodes.add(code);
      return `@skiff_status_${code}`;
    };
    const choices: { name: string; rule: RouteRule; backend?: WeightedBackend }[] = [];
    const valueOf = (rule: RouteRule, i: number): string => {
      if (rule.filters?.redirect) {
        choices.push({ name: `@skiff_l${n}_r${i}`, rule });
        return `@skiff_l${n}_r${i}`;
      }
      const choiceOf = (b: WeightedBackend, k: number): string => {
        if (b.target.kind === 'status' && !b.filters?.redirect) return status(b.target.code);
        const name = `@skiff_l${n}_r${i}_b${k}`;
        choices.push({ name, rule, backend: b });
        return name;
      };
      const split = shares(rule.backends, choiceOf);
      if (split.length === 0) return status(500);
      if (split.length === 1) return split[0]!.value;
      const variable = `$skiff_l${n}_r${i}_w`;
      maps.add(`split_clients "\${request_id}" ${variable} {`, rule.source);
      for (const s of split) maps.add(`    ${s.percent} ${s.value};`, rule.source);
      maps.add('}', rule.source);
      return variable;
    };
    const choice = chooseRule(loc, n, valueOf, () => status(404));
    const source = loc.source;
    parts.locations.add(`        ${header} {`, source);
    parts.locations.add(`            error_page 418 = ${choice};`, source);
    parts.locations.add('            return 418;', source);
    parts.locations.add('        }', source);
    for (const c of choices) renderChoice(c.name, c.rule, c.backend, parts);
  };

  const renderLocation = (loc: Location, header: string, parts: ServerParts): void => {
    const n = locationCount++;
    if (isFiltered(loc)) renderFilteredLocation(loc, n, header, parts);
    else renderPlainLocation(loc, n, header, parts);
  };

  const renderHost = (host: VirtualHost, httpsDefaultTaken: boolean): void => {
    const catchAll = host.hostname === '';
    const source = host.tls?.source ?? '';
    servers.add('    server {');
    if (host.http !== false) servers.add(`        listen ${settings.httpPort}${catchAll ? ' default_server' : ''};`);
    if (host.tls) {
      servers.add(`        listen ${settings.httpsPort} ssl${catchAll ? ' default_server' : ''};`, source);
      servers.add(`        ssl_certificate ${quote(host.tls.file)};`, source);
      servers.add(`        ssl_certificate_key ${quote(host.tls.file)};`, source);
    } else if (catchAll && !httpsDefaultTaken) {
      servers.add(`        listen ${settings.httpsPort} ssl default_server;`);
      servers.add('        ssl_reject_handshake on;');
    }
    servers.add(`        server_name ${serverName(host)};`, host.locations[0]?.source ?? '');
    const parts: ServerParts = { locations: new Lines(), named: new Lines(), statusCodes: new Set() };
    const exactPaths = new Set(host.locations.filter((l) => l.match === 'exact').map((l) => l.path));
    let hasRoot = false;
    for (const loc of orderLocations(host.locations)) {
      if (loc.match === 'exact') renderLocation(loc, `location = ${quote(loc.path)}`, parts);
      else if (loc.match === 'regex') renderLocation(loc, `location ~* ${quote(`^${loc.path}`)}`, parts);
      else {
        const path = loc.path.replace(/\/+$/, '');
        if (path === '') {
          hasRoot = true;
          renderLocation(loc, 'location /', parts);
        } else {
          if (!exactPaths.has(path)) renderLocation(loc, `location = ${quote(path)}`, parts);
          renderLocation(loc, `location ${quote(`${path}/`)}`, parts);
        }
      }
    }
    servers.append(parts.locations);
    if (!hasRoot) {
      servers.add('        location / {');
      servers.add('            return 404;');
      servers.add('        }');
    }
    servers.append(parts.named);
    for (const code of [...parts.statusCodes].sort()) {
      servers.add(`        location @skiff_status_${code} {`);
      servers.add(`            return ${code};`);
      servers.add('        }');
    }
    servers.add('    }');
  };

  const hosts = [...plane.virtualHosts].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  if (!hosts.some((h) => h.hostname === '' && h.http !== false)) hosts.unshift({ hostname: '', locations: [] });
  const httpsDefaultTaken = hosts.some((h) => h.hostname === '' && h.tls !== undefined);
  for (const host of hosts) renderHost(host, httpsDefaultTaken);

  out.add('# Written by skiff ingress: regenerated on every change, do not edit.');
  out.add(`worker_processes ${settings.workerProcesses ?? 'auto'};`);
  out.add(`pid ${quote(settings.pidFile)};`);
  out.add('error_log stderr notice;');
  out.add('events {');
  out.add('    worker_connections 16384;');
  out.add('}');
  out.add('http {');
  if (settings.accessLogPort === undefined) {
    http.add('    access_log off;');
  } else {
    // One datagram per request that reached an upstream ($upstream_addr is empty for `return`).
    http.add(`    log_format skiff_upstream ${quote(accessLogFormat)};`);
    http.add(`    access_log syslog:server=127.0.0.1:${settings.accessLogPort},nohostname,tag=skiff skiff_upstream if=$upstream_addr;`);
  }
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) http.add(`    ${dir}_temp_path ${quote(`${settings.tempDir}/${dir}`)};`);
  http.add('    server_tokens off;');
  http.add('    server_names_hash_bucket_size 128;');
  http.add('    map_hash_bucket_size 128;');
  http.add('    keepalive_requests 10000;');
  if (settings.keepaliveMinTimeoutMs !== undefined) http.add(`    keepalive_min_timeout ${settings.keepaliveMinTimeoutMs}ms;`);
  http.add('    proxy_http_version 1.1;');
  for (const [name, value] of defaultProxyHeaders) http.add(`    proxy_set_header ${name} ${value};`);
  if (usesDollar) http.add('    geo $skiff_dollar { default "$"; }');
  for (const [name, target] of [...upstreams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    http.add(`    upstream ${name} {`);
    http.add(`        server ${target.address.includes(':') ? `[${target.address}]` : target.address}:${target.port} max_fails=0;`);
    if ((settings.upstreamKeepalive ?? 0) > 0) http.add(`        keepalive ${settings.upstreamKeepalive};`);
    http.add('    }');
  }
  for (let i = 0; i < maps.text.length; i++) http.add(`    ${maps.text[i]}`, maps.sources[i]);
  http.append(servers);
  out.append(http);
  out.add('}');
  return { text: `${out.text.join('\n')}\n`, lineSources: out.sources };
}

/** nginx tries regex locations in order: the longest paths first, then by text, for a stable file. */
function orderLocations(locations: Location[]): Location[] {
  return [...locations].sort(locationOrder);
}

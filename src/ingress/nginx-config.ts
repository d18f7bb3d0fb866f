import { locationOrder } from '../apimachinery/ingress-rules.js';
import { accessLogFormat } from './access-log.js';
import type { BackendTarget, Condition, DataPlane, Location, RouteRule, VirtualHost, WeightedBackend } from './model.js';

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
}

/** A quoted nginx string (file names, regexes, rewrite targets whose `$n` are captures). */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A string as a PCRE regex matching it literally. */
function regexLiteral(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/]/g, (c) => `\\${c}`);
}

function upstreamName(target: Extract<BackendTarget, { kind: 'upstream' }>): string {
  return `u_${target.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function targetValue(target: BackendTarget): string {
  return target.kind === 'upstream' ? upstreamName(target) : `status_${target.code}`;
}

/** The server_name of a hostname: exact, or a regex allowing one label for `*.`. */
function serverName(hostname: string): string {
  if (hostname === '') return '_';
  if (hostname.startsWith('*.')) return quote(`~^[^.]+${regexLiteral(hostname.slice(1))}$`);
  return hostname;
}

/** The shares of a set of backends as split_clients percentages (the last one takes the rest). */
function shares(backends: WeightedBackend[]): { percent: string; value: string }[] {
  const live = backends.filter((b) => b.weight > 0);
  const total = live.reduce((sum, b) => sum + b.weight, 0);
  return live.map((b, i) => ({ percent: i === live.length - 1 ? '*' : `${(Math.floor((b.weight / total) * 10000) / 100).toFixed(2)}%`, value: targetValue(b.target) }));
}

/**
 * Renders the nginx configuration serving `plane`: a pure function of the model and settings.
 * Each location with more than one possible target gets a variable computed by maps (one per
 * condition, falling through to the next rule) and `split_clients` on the request id for
 * weights; requests go to upstreams of one server (a Service's ClusterIP) with keep-alive.
 */
export function renderNginxConfig(plane: DataPlane, settings: NginxSettings): RenderedConfig {
  const out = new Lines();
  const http = new Lines();
  const maps = new Lines();
  const servers = new Lines();
  const upstreams = new Map<string, Extract<BackendTarget, { kind: 'upstream' }>>();
  let locationCount = 0;

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
    if (c.on === 'header') {
      const variable = `$http_${c.name.toLowerCase().replace(/-/g, '_')}`;
      return { variable, key: quote(c.match === 'exact' ? `~^${regexLiteral(c.value)}$` : `~${c.value}`) };
    }
    const value = c.match === 'exact' ? regexLiteral(c.value) : `(?:${c.value})`;
    return { variable: '$http_cookie', key: quote(`~(?:^|;\\s*)${regexLiteral(c.name)}=${value}(?:;|$)`) };
  };

  /** The expression (a literal target or a variable) choosing the target of a location. */
  const locationTarget = (loc: Location, n: number): string => {
    const rules = loc.rules;
    if (rules.length === 0) return 'status_404';
    let next = rules.at(-1)!.when.length === 0 ? '' : 'status_404';
    for (let i = rules.length - 1; i >= 0; i--) {
      const rule = rules[i]!;
      const value = ruleValue(rule, `$skiff_l${n}_r${i}_w`);
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

  const renderLocation = (host: VirtualHost, loc: Location, header: string): void => {
    const n = locationCount++;
    const target = locationTarget(loc, n);
    const source = loc.source;
    servers.add(`        ${header} {`, source);
    if (loc.rewriteTarget !== undefined) servers.add(`            rewrite ${quote(`(?i)^${loc.path}`)} ${quote(loc.rewriteTarget)} break;`, source);
    if (target.startsWith('status_')) {
      servers.add(`            return ${target.slice('status_'.length)};`, source);
    } else if (target.startsWith('$')) {
      const codes = new Set<number>();
      for (const rule of loc.rules) {
        for (const b of rule.backends) if (b.target.kind === 'status' && b.weight > 0) codes.add(b.target.code);
        if (shares(rule.backends).length === 0) codes.add(500);
      }
      if (loc.rules.at(-1)!.when.length > 0) codes.add(404);
      for (const code of [...codes].sort()) servers.add(`            if (${target} = status_${code}) { return ${code}; }`, source);
      servers.add(`            proxy_pass http://${target};`, source);
    } else {
      servers.add(`            proxy_pass http://${target};`, source);
    }
    servers.add('        }', source);
    void host;
  };

  const renderHost = (host: VirtualHost): void => {
    const catchAll = host.hostname === '';
    const source = host.tls?.source ?? '';
    servers.add('    server {');
    servers.add(`        listen ${settings.httpPort}${catchAll ? ' default_server' : ''};`);
    if (catchAll) {
      servers.add(`        listen ${settings.httpsPort} ssl default_server;`);
      servers.add('        ssl_reject_handshake on;');
    } else if (host.tls) {
      servers.add(`        listen ${settings.httpsPort} ssl;`, source);
      servers.add(`        ssl_certificate ${quote(host.tls.file)};`, source);
      servers.add(`        ssl_certificate_key ${quote(host.tls.file)};`, source);
    }
    servers.add(`        server_name ${serverName(host.hostname)};`, host.locations[0]?.source ?? '');
    const exactPaths = new Set(host.locations.filter((l) => l.match === 'exact').map((l) => l.path));
    let hasRoot = false;
    for (const loc of orderLocations(host.locations)) {
      if (loc.match === 'exact') renderLocation(host, loc, `location = ${quote(loc.path)}`);
      else if (loc.match === 'regex') renderLocation(host, loc, `location ~* ${quote(`^${loc.path}`)}`);
      else {
        const path = loc.path.replace(/\/+$/, '');
        if (path === '') {
          hasRoot = true;
          renderLocation(host, loc, 'location /');
        } else {
          if (!exactPaths.has(path)) renderLocation(host, loc, `location = ${quote(path)}`);
          renderLocation(host, loc, `location ${quote(`${path}/`)}`);
        }
      }
    }
    if (!hasRoot) {
      servers.add('        location / {');
      servers.add('            return 404;');
      servers.add('        }');
    }
    servers.add('    }');
  };

  const hosts = [...plane.virtualHosts].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  if (!hosts.some((h) => h.hostname === '')) hosts.unshift({ hostname: '', locations: [] });
  for (const host of hosts) renderHost(host);

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
  http.add('    proxy_http_version 1.1;');
  http.add('    proxy_set_header Connection "";');
  http.add('    proxy_set_header Host $host;');
  http.add('    proxy_set_header X-Real-IP $remote_addr;');
  http.add('    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
  http.add('    proxy_set_header X-Forwarded-Proto $scheme;');
  http.add('    proxy_set_header X-Forwarded-Host $host;');
  for (const [name, target] of [...upstreams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    http.add(`    upstream ${name} {`);
    http.add(`        server ${target.address.includes(':') ? `[${target.address}]` : target.address}:${target.port} max_fails=0;`);
    if ((settings.upstreamKeepalive ?? 0) > 0) http.add(`        keepalive ${settings.upstreamKeepalive};`);
    http.add('    }');
  }
  for (let i = 0; i < maps.text.length; i++) http.add(`    ${maps.text[i]}`, maps.sources[i]);
  for (let i = 0; i < servers.text.length; i++) http.add(servers.text[i]!, servers.sources[i]);
  for (let i = 0; i < http.text.length; i++) out.add(http.text[i]!, http.sources[i]);
  out.add('}');
  return { text: `${out.text.join('\n')}\n`, lineSources: out.sources };
}

/** nginx tries regex locations in order: the longest paths first, then by text, for a stable file. */
function orderLocations(locations: Location[]): Location[] {
  return [...locations].sort(locationOrder);
}

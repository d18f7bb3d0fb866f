import { boolParam } from '../apimachinery/query-params.js';

/**
 * What an API request addresses, parsed from its method, path and query in the manner of
 * upstream's RequestInfoFactory: `/api/v1/namespaces/ns/pods/name/status` and the like.
 */
export interface RequestInfo {
  /** True for `/api/...` and `/apis/...` paths that name a resource. */
  isResourceRequest: boolean;
  /** Upstream's verb: get, list, watch, create, update, patch, delete, deletecollection. */
  verb: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** The path split on '/'. */
  parts: string[];
}

const methodVerbs: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** Parses a request's address; `isResourceRequest` is false for discovery and other paths. */
export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const parts = path.split('/').filter((p) => p !== '');
  const info = nonResourceRequestInfo((methodVerbs[method] ?? method).toLowerCase(), parts);
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length < 3) return info;
    info.apiVersion = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length < 4) return info;
    info.apiGroup = parts[1];
    info.apiVersion = parts[2];
    rest = parts.slice(3);
  } else {
    return info;
  }
  info.isResourceRequest = true;
  // The deprecated /watch/ prefix: /api/v1/watch/namespaces/ns/pods
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
    info.verb = 'watch';
  }
  if (rest[0] === 'namespaces') {
    if (rest.length >= 2) {
      info.namespace = rest[1];
      if (rest.length === 2) {
        // /namespaces/NAME is the namespace itself.
        info.resource = 'namespaces';
        info.name = rest[1];
        info.namespace = '';
      } else {
        info.resource = rest[2];
        info.name = rest[3] ?? '';
        info.subresource = rest[4] ?? '';
      }
    } else {
      info.resource = 'namespaces';
    }
    // /namespaces/NAME/status and /finalize address the namespace's subresources.
    if (rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize')) {
      info.resource = 'namespaces';
      info.name = rest[1];
      info.subresource = rest[2];
      info.namespace = '';
    }
  } else {
    info.resource = rest[0] ?? '';
    info.name = rest[1] ?? '';
    info.subresource = rest[2] ?? '';
  }
  if (!legacyWatch && info.name === '') {
    if (info.verb === 'get') {
      info.verb = boolParam(query, 'watch') ? 'watch' : 'list';
    } else if (info.verb === 'delete') {
      info.verb = 'deletecollection';
    }
  }
  return info;
}

/** The RequestInfo of a request that names no resource (discovery, /healthz, /metrics...). */
export function nonResourceRequestInfo(verb: string, parts: string[]): RequestInfo {
  return { isResourceRequest: false, verb, apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '', parts };
}

import type { ResourceType, SubresourceType } from '../registry.js';
import type { GroupVersionKind } from './types.js';

/**
 * The REST operations of the served resource types, in a neutral form that the OpenAPI v2 and
 * v3 documents are both rendered from. Operation ids, actions, descriptions and parameters
 * follow upstream's generated spec.
 */

/** A query, path or body parameter. */
export interface ParameterSpec {
  name: string;
  in: 'query' | 'path';
  type: 'string' | 'boolean' | 'integer';
  description: string;
  required?: boolean;
}

/** What an operation takes or returns: a definition name, or a plain string (logs). */
export type PayloadSpec = { definition: string } | { string: true };

/** One HTTP operation on one path. */
export interface OperationSpec {
  method: 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head' | 'options';
  operationId: string;
  description: string;
  /** `x-kubernetes-action`: get, list, put, patch, post, delete, deletecollection, watch, watchlist, connect. */
  action: string;
  /** Absent for discovery operations. */
  gvk?: GroupVersionKind;
  tag: string;
  parameters: ParameterSpec[];
  body?: PayloadSpec;
  bodyRequired?: boolean;
  consumes: string[];
  produces: string[];
  /** Status code → payload (undefined: no body, e.g. 401). */
  responses: { code: string; description: string; payload?: PayloadSpec }[];
}

/** One URL path with its operations. */
export interface PathSpec {
  path: string;
  /** Parameters shared by every operation of the path (name, namespace, pretty). */
  parameters: ParameterSpec[];
  operations: OperationSpec[];
}

/** The operations of one discovery document path ('api', 'apis', 'apis/<group>', or a group/version). */
export interface APIPathGroup {
  /** The OpenAPI v3 path key: `api/v1`, `apis/apps/v1`, `api`, `apis`, `apis/apps`. */
  key: string;
  paths: PathSpec[];
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const DEFAULT_PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const WATCH_PRODUCES = [
  ...DEFAULT_PRODUCES,
  'application/json;stream=watch',
  'application/vnd.kubernetes.protobuf;stream=watch',
];
/** The patch content types of built-in types; strategic merge patch is what kubectl apply looks for. */
export const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

/** The patch content types of custom resources: no strategic merge patch (upstream answers 415), so kubectl apply sends a merge patch. */
const CUSTOM_PATCH_CONTENT_TYPES = PATCH_CONTENT_TYPES.filter((t) => t !== 'application/strategic-merge-patch+json');

function q(name: string, type: ParameterSpec['type'], description: string): ParameterSpec {
  return { name, in: 'query', type, description };
}

const P = {
  pretty: q(
    'pretty',
    'string',
    "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
  ),
  dryRun: q(
    'dryRun',
    'string',
    'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
  ),
  fieldManager: q(
    'fieldManager',
    'string',
    'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
  ),
  fieldManagerPatch: q(
    'fieldManager',
    'string',
    'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).',
  ),
  fieldValidation: q(
    'fieldValidation',
    'string',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  ),
  force: q(
    'force',
    'boolean',
    'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
  ),
  allowWatchBookmarks: q(
    'allowWatchBookmarks',
    'boolean',
    'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.',
  ),
  continue: q(
    'continue',
    'string',
    'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize. If the specified continue value is no longer valid whether due to expiration (generally five to fifteen minutes) or a configuration change on the server, the server will respond with a 410 ResourceExpired error together with a continue token.',
  ),
  fieldSelector: q(
    'fieldSelector',
    'string',
    'A selector to restrict the list of returned objects by their fields. Defaults to everything.',
  ),
  labelSelector: q(
    'labelSelector',
    'string',
    'A selector to restrict the list of returned objects by their labels. Defaults to everything.',
  ),
  limit: q(
    'limit',
    'integer',
    'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.',
  ),
  resourceVersion: q(
    'resourceVersion',
    'string',
    'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset',
  ),
  resourceVersionMatch: q(
    'resourceVersionMatch',
    'string',
    'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset',
  ),
  sendInitialEvents: q(
    'sendInitialEvents',
    'boolean',
    '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic "Bookmark" event will be sent.',
  ),
  timeoutSeconds: q(
    'timeoutSeconds',
    'integer',
    'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.',
  ),
  watch: q(
    'watch',
    'boolean',
    'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.',
  ),
  gracePeriodSeconds: q(
    'gracePeriodSeconds',
    'integer',
    'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.',
  ),
  orphanDependents: q(
    'orphanDependents',
    'boolean',
    'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.',
  ),
  propagationPolicy: q(
    'propagationPolicy',
    'string',
    "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
  ),
};

const LIST_PARAMS = [
  P.allowWatchBookmarks,
  P.continue,
  P.fieldSelector,
  P.labelSelector,
  P.limit,
  P.resourceVersion,
  P.resourceVersionMatch,
  P.sendInitialEvents,
  P.timeoutSeconds,
  P.watch,
];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const PATCH_PARAMS = [P.dryRun, P.fieldManagerPatch, P.fieldValidation, P.force];

const LOG_PARAMS = [
  q('container', 'string', 'The container for which to stream logs. Defaults to only container if there is one container in the pod.'),
  q('follow', 'boolean', 'Follow the log stream of the pod. Defaults to false.'),
  q(
    'insecureSkipTLSVerifyBackend',
    'boolean',
    "insecureSkipTLSVerifyBackend indicates that the apiserver should not confirm the validity of the serving certificate of the backend it is connecting to.  This will make the HTTPS connection between the apiserver and the backend insecure. This means the apiserver cannot verify the log data it is receiving came from the real kubelet.  If the kubelet is configured to verify the apiserver's TLS credentials, it does not mean the connection to the real kubelet is vulnerable to a man in the middle attack (e.g. an attacker could not intercept the actual log data coming from the real kubelet).",
  ),
  q(
    'limitBytes',
    'integer',
    'If set, the number of bytes to read from the server before terminating the log output. This may not display a complete final line of logging, and may return slightly more or slightly less than the specified limit.',
  ),
  q('previous', 'boolean', 'Return previous terminated container logs. Defaults to false.'),
  q(
    'sinceSeconds',
    'integer',
    'A relative time in seconds before the current time from which to show logs. If this value precedes the time a pod was started, only logs since the pod start will be returned. If this value is in the future, no logs will be returned. Only one of sinceSeconds or sinceTime may be specified.',
  ),
  q(
    'tailLines',
    'integer',
    'If set, the number of lines from the end of the logs to show. If not specified, logs are shown from the creation of the container or sinceSeconds or sinceTime',
  ),
  q(
    'timestamps',
    'boolean',
    'If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output. Defaults to false.',
  ),
];

const CONTAINER = q('container', 'string', 'The container in which to execute the command. Defaults to only container if there is only one container in the pod.');
const STREAM_PARAMS = (verb: string): ParameterSpec[] => [
  q('stderr', 'boolean', `Redirect the standard error stream of the pod for this call.`),
  q('stdin', 'boolean', `Redirect the standard input stream of the pod for this call. Defaults to false.`),
  q('stdout', 'boolean', `Redirect the standard output stream of the pod for this call.`),
  q('tty', 'boolean', `TTY if true indicates that a tty will be allocated for the ${verb} call. This is passed through the container runtime so the tty is allocated on the worker node by the container runtime. Defaults to false.`),
];
const CONNECT_PARAMS: Record<string, ParameterSpec[]> = {
  exec: [q('command', 'string', 'Command is the remote command to execute. argv array. Not executed within a shell.'), CONTAINER, ...STREAM_PARAMS('exec')],
  attach: [
    q('container', 'string', 'The container in which to execute the command. Defaults to only container if there is only one container in the pod.'),
    ...STREAM_PARAMS('attach'),
  ],
  portforward: [q('ports', 'integer', 'List of ports to forward Required when using WebSockets')],
};

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Upstream's operation-id spelling of a group/version: `CoreV1`, `AppsV1`, `RbacAuthorizationV1`. */
export function groupVersionId(group: string, version: string): string {
  const g = group === '' ? 'Core' : group.replace(/\.k8s\.io$/, '').split('.').map(pascal).join('');
  return `${g}${pascal(version)}`;
}

/** Upstream's tag of a group/version: `core_v1`, `apps_v1`, `rbacAuthorization_v1`. */
export function groupVersionTag(group: string, version: string): string {
  const g = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '').split('.').map((s, i) => (i ? pascal(s) : s)).join('');
  return `${g}_${version}`;
}

/** The URL prefix of a group/version: `/api/v1` or `/apis/<group>/<version>`. */
export function groupVersionPrefix(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

function pathParam(name: string, description: string): ParameterSpec {
  return { name, in: 'path', type: 'string', description, required: true };
}

const NAMESPACE_PARAM = pathParam('namespace', 'object name and auth scope, such as for teams and projects');

const unauthorized = { code: '401', description: 'Unauthorized' };

/** The paths and operations of one served resource type. */
export function resourcePaths(r: ResourceType, definitionOf: (group: string, version: string, kind: string) => string): PathSpec[] {
  const gvId = groupVersionId(r.group, r.version);
  const tag = groupVersionTag(r.group, r.version);
  const prefix = groupVersionPrefix(r.group, r.version);
  const gvk: GroupVersionKind = { group: r.group, version: r.version, kind: r.kind };
  const ns = r.namespaced ? 'Namespaced' : '';
  const obj = { definition: r.definition };
  const list = { definition: `${r.definition}List` };
  const status = { definition: `${META}.Status` };
  const watchEvent = { definition: `${META}.WatchEvent` };
  const nameParam = pathParam('name', `name of the ${r.kind}`);
  const scopePrefix = r.namespaced ? `${prefix}/namespaces/{namespace}` : prefix;
  const scopeParams = r.namespaced ? [NAMESPACE_PARAM] : [];
  const has = (verb: string): boolean => r.verbs.includes(verb);
  const base = { gvk, tag, consumes: ['*/*'], produces: DEFAULT_PRODUCES };
  const paths: PathSpec[] = [];

  const collection: OperationSpec[] = [];
  if (has('list')) {
    collection.push({
      ...base,
      method: 'get',
      operationId: `list${gvId}${ns}${r.kind}`,
      description: `list or watch objects of kind ${r.kind}`,
      action: 'list',
      parameters: LIST_PARAMS,
      produces: WATCH_PRODUCES,
      responses: [{ code: '200', description: 'OK', payload: list }, unauthorized],
    });
  }
  if (has('create')) {
    collection.push({
      ...base,
      method: 'post',
      operationId: `create${gvId}${ns}${r.kind}`,
      description: `create ${article(r.kind)} ${r.kind}`,
      action: 'post',
      parameters: WRITE_PARAMS,
      body: obj,
      bodyRequired: true,
      responses: [
        { code: '200', description: 'OK', payload: obj },
        { code: '201', description: 'Created', payload: obj },
        { code: '202', description: 'Accepted', payload: obj },
        unauthorized,
      ],
    });
  }
  if (has('deletecollection')) {
    collection.push({
      ...base,
      method: 'delete',
      operationId: `delete${gvId}Collection${ns}${r.kind}`,
      description: `delete collection of ${r.kind}`,
      action: 'deletecollection',
      parameters: [...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'), ...DELETE_PARAMS].sort(byName),
      body: { definition: `${META}.DeleteOptions` },
      responses: [{ code: '200', description: 'OK', payload: status }, unauthorized],
    });
  }
  if (collection.length) paths.push({ path: `${scopePrefix}/${r.plural}`, parameters: [...scopeParams, P.pretty], operations: collection });

  const item: OperationSpec[] = [];
  if (has('get')) {
    item.push({
      ...base,
      method: 'get',
      operationId: `read${gvId}${ns}${r.kind}`,
      description: `read the specified ${r.kind}`,
      action: 'get',
      parameters: [],
      responses: [{ code: '200', description: 'OK', payload: obj }, unauthorized],
    });
  }
  if (has('update')) item.push(replaceOp(base, `replace${gvId}${ns}${r.kind}`, `replace the specified ${r.kind}`, obj));
  if (has('delete')) {
    item.push({
      ...base,
      method: 'delete',
      operationId: `delete${gvId}${ns}${r.kind}`,
      description: `delete ${article(r.kind)} ${r.kind}`,
      action: 'delete',
      parameters: DELETE_PARAMS,
      body: { definition: `${META}.DeleteOptions` },
      responses: [
        { code: '200', description: 'OK', payload: obj },
        { code: '202', description: 'Accepted', payload: obj },
        unauthorized,
      ],
    });
  }
  if (has('patch')) item.push(patchOp(base, `patch${gvId}${ns}${r.kind}`, `partially update the specified ${r.kind}`, obj, r.custom !== undefined));
  if (item.length) {
    paths.push({ path: `${scopePrefix}/${r.plural}/{name}`, parameters: [nameParam, ...scopeParams, P.pretty], operations: item });
  }

  if (r.namespaced && has('list')) {
    paths.push({
      path: `${prefix}/${r.plural}`,
      parameters: [...LIST_PARAMS, P.pretty].sort(byName),
      operations: [
        {
          ...base,
          method: 'get',
          operationId: `list${gvId}${r.kind}ForAllNamespaces`,
          description: `list or watch objects of kind ${r.kind}`,
          action: 'list',
          parameters: [],
          produces: WATCH_PRODUCES,
          responses: [{ code: '200', description: 'OK', payload: list }, unauthorized],
        },
      ],
    });
  }

  if (has('watch')) {
    const watchScope = r.namespaced ? `${prefix}/watch/namespaces/{namespace}` : `${prefix}/watch`;
    const watchOp = (operationId: string, description: string, action: string): OperationSpec => ({
      ...base,
      method: 'get',
      operationId,
      description,
      action,
      parameters: [],
      produces: WATCH_PRODUCES,
      responses: [{ code: '200', description: 'OK', payload: watchEvent }, unauthorized],
    });
    paths.push({
      path: `${watchScope}/${r.plural}`,
      parameters: [...LIST_PARAMS, ...scopeParams, P.pretty].sort(byName),
      operations: [
        watchOp(
          `watch${gvId}${ns}${r.kind}List`,
          `watch individual changes to a list of ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead.`,
          'watchlist',
        ),
      ],
    });
    paths.push({
      path: `${watchScope}/${r.plural}/{name}`,
      parameters: [...LIST_PARAMS, nameParam, ...scopeParams, P.pretty].sort(byName),
      operations: [
        watchOp(
          `watch${gvId}${ns}${r.kind}`,
          `watch changes to an object of kind ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`,
          'watch',
        ),
      ],
    });
    if (r.namespaced) {
      paths.push({
        path: `${prefix}/watch/${r.plural}`,
        parameters: [...LIST_PARAMS, P.pretty].sort(byName),
        operations: [
          watchOp(
            `watch${gvId}${r.kind}ListForAllNamespaces`,
            `watch individual changes to a list of ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead.`,
            'watchlist',
          ),
        ],
      });
    }
  }

  for (const sub of r.subresources) {
    const context = { base, gvId, ns, scopePrefix, scopeParams, nameParam, definitionOf };
    if (sub.name === 'proxy') {
      paths.push(...proxyPaths(r, sub, context));
      continue;
    }
    const subPath = subresourcePath(r, sub, context);
    if (subPath) paths.push(subPath);
  }
  return paths;
}

interface SubContext {
  base: { gvk: GroupVersionKind; tag: string; consumes: string[]; produces: string[] };
  gvId: string;
  ns: string;
  scopePrefix: string;
  scopeParams: ParameterSpec[];
  nameParam: ParameterSpec;
  definitionOf: (group: string, version: string, kind: string) => string;
}

/** Upstream's description of the `path` query parameter of each proxy subresource. */
const PROXY_PATH_DESCRIPTIONS: Record<string, string> = {
  pods: 'Path is the URL path to use for the current proxy request to pod.',
  services:
    'Path is the part of URLs that include service endpoints, suffixes, and parameters to use for the current proxy request to service. For example, the whole request URL is http://localhost/api/v1/namespaces/kube-system/services/elasticsearch-logging/_search?q=user:kimchy. Path is _search?q=user:kimchy.',
  nodes: 'Path is the URL path to use for the current proxy request to node.',
};

/** The methods upstream documents for proxy subresources, in its order. */
const PROXY_METHODS: OperationSpec['method'][] = ['delete', 'get', 'head', 'options', 'patch', 'post', 'put'];

/** `.../{name}/proxy` and `.../{name}/proxy/{path}`: a connect operation per HTTP method, as upstream. */
function proxyPaths(r: ResourceType, sub: SubresourceType, c: SubContext): PathSpec[] {
  const base = { ...c.base, gvk: { group: sub.group ?? r.group, version: sub.version ?? r.version, kind: sub.kind } };
  const nameParam = { ...c.nameParam, description: `name of the ${sub.kind}` };
  const pathQuery = q('path', 'string', PROXY_PATH_DESCRIPTIONS[r.plural] ?? '');
  const operations = (withPath: boolean): OperationSpec[] =>
    PROXY_METHODS.map((method) => ({
      ...base,
      method,
      operationId: `connect${c.gvId}${pascal(method)}${c.ns}${r.kind}Proxy${withPath ? 'WithPath' : ''}`,
      description: `connect ${method.toUpperCase()} requests to proxy of ${r.kind}`,
      action: 'connect',
      parameters: [],
      consumes: ['*/*'],
      produces: ['*/*'],
      responses: [{ code: '200', description: 'OK', payload: { string: true } }, unauthorized],
    }));
  const path = `${c.scopePrefix}/${r.plural}/{name}/${sub.name}`;
  return [
    { path, parameters: [nameParam, ...c.scopeParams, pathQuery], operations: operations(false) },
    {
      path: `${path}/{path}`,
      parameters: [nameParam, ...c.scopeParams, pathParam('path', 'path to the resource'), pathQuery],
      operations: operations(true),
    },
  ];
}

function subresourcePath(r: ResourceType, sub: SubresourceType, c: SubContext): PathSpec | undefined {
  const subName = pascal(sub.name);
  const group = sub.group ?? r.group;
  const version = sub.version ?? r.version;
  const subGVK: GroupVersionKind = { group, version, kind: sub.kind };
  const base = { ...c.base, gvk: subGVK };
  const idTail = `${c.ns}${r.kind}${subName}`;
  const path = `${c.scopePrefix}/${r.plural}/{name}/${sub.name}`;
  const nameParam = { ...c.nameParam, description: `name of the ${sub.kind}` };
  const operations: OperationSpec[] = [];

  if (sub.name === 'exec' || sub.name === 'attach' || sub.name === 'portforward') {
    const params = CONNECT_PARAMS[sub.name] ?? [];
    const connect = (method: 'get' | 'post'): OperationSpec => ({
      ...base,
      method,
      operationId: `connect${c.gvId}${pascal(method)}${idTail}`,
      description: `connect ${method.toUpperCase()} requests to ${sub.name} of ${r.kind}`,
      action: 'connect',
      parameters: params,
      consumes: ['*/*'],
      produces: ['*/*'],
      responses: [{ code: '200', description: 'OK', payload: { string: true } }, unauthorized],
    });
    for (const verb of sub.verbs) {
      if (verb === 'get') operations.push(connect('get'));
      if (verb === 'create') operations.push(connect('post'));
    }
    return { path, parameters: [{ ...nameParam, description: `name of the ${sub.kind}` }, ...c.scopeParams], operations };
  }

  if (sub.name === 'log') {
    operations.push({
      ...base,
      gvk: { group: r.group, version: r.version, kind: r.kind },
      method: 'get',
      operationId: `read${c.gvId}${idTail}`,
      description: `read log of the specified ${r.kind}`,
      action: 'get',
      parameters: LOG_PARAMS,
      produces: ['text/plain', 'application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
      responses: [{ code: '200', description: 'OK', payload: { string: true } }, unauthorized],
    });
    return { path, parameters: [{ ...nameParam, description: `name of the ${r.kind}` }, ...c.scopeParams, P.pretty], operations };
  }

  const payload = { definition: c.definitionOf(group, version, sub.kind) };
  const what = sub.name === 'status' || sub.name === 'scale' || sub.name === 'finalize' ? `${sub.name} of the specified ${r.kind}` : `${sub.name} of ${article(r.kind)} ${r.kind}`;
  for (const verb of sub.verbs) {
    if (verb === 'get') {
      operations.push({
        ...base,
        method: 'get',
        operationId: `read${c.gvId}${idTail}`,
        description: `read ${what}`,
        action: 'get',
        parameters: [],
        responses: [{ code: '200', description: 'OK', payload }, unauthorized],
      });
    } else if (verb === 'update') {
      operations.push(replaceOp(base, `replace${c.gvId}${idTail}`, `replace ${what}`, payload));
    } else if (verb === 'patch') {
      operations.push(patchOp(base, `patch${c.gvId}${idTail}`, `partially update ${what}`, payload, r.custom !== undefined));
    } else if (verb === 'create') {
      operations.push({
        ...base,
        method: 'post',
        operationId: `create${c.gvId}${idTail}`,
        description: `create ${what}`,
        action: 'post',
        parameters: WRITE_PARAMS,
        body: payload,
        bodyRequired: true,
        responses: [
          { code: '200', description: 'OK', payload },
          { code: '201', description: 'Created', payload },
          { code: '202', description: 'Accepted', payload },
          unauthorized,
        ],
      });
    }
  }
  if (!operations.length) return undefined;
  return { path, parameters: [{ ...nameParam, description: `name of the ${sub.kind}` }, ...c.scopeParams, P.pretty], operations };
}

function replaceOp(base: SubContext['base'], operationId: string, description: string, payload: PayloadSpec): OperationSpec {
  return {
    ...base,
    method: 'put',
    operationId,
    description,
    action: 'put',
    parameters: WRITE_PARAMS,
    body: payload,
    bodyRequired: true,
    responses: [
      { code: '200', description: 'OK', payload },
      { code: '201', description: 'Created', payload },
      unauthorized,
    ],
  };
}

function patchOp(base: SubContext['base'], operationId: string, description: string, payload: PayloadSpec, custom: boolean): OperationSpec {
  return {
    ...base,
    method: 'patch',
    operationId,
    description,
    action: 'patch',
    parameters: PATCH_PARAMS,
    body: { definition: `${META}.Patch` },
    bodyRequired: true,
    consumes: custom ? CUSTOM_PATCH_CONTENT_TYPES : PATCH_CONTENT_TYPES,
    responses: [
      { code: '200', description: 'OK', payload },
      { code: '201', description: 'Created', payload },
      unauthorized,
    ],
  };
}

function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? 'an' : 'a';
}

function byName(a: ParameterSpec, b: ParameterSpec): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function discoveryOp(operationId: string, description: string, tag: string, definition: string): OperationSpec {
  return {
    method: 'get',
    operationId,
    description,
    action: '',
    tag,
    parameters: [],
    consumes: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
    produces: DEFAULT_PRODUCES,
    responses: [{ code: '200', description: 'OK', payload: { definition: `${META}.${definition}` } }, unauthorized],
  };
}

/**
 * Groups every served operation by OpenAPI v3 document: one per group/version, plus the
 * discovery documents `api`, `apis` and `apis/<group>`, in discovery order.
 */
export function apiPathGroups(
  resourceTypes: readonly ResourceType[],
  definitionOf: (group: string, version: string, kind: string) => string,
): APIPathGroup[] {
  const out: APIPathGroup[] = [
    { key: 'api', paths: [{ path: '/api/', parameters: [], operations: [discoveryOp('getCoreAPIVersions', 'get available API versions', 'core', 'APIVersions')] }] },
    { key: 'apis', paths: [{ path: '/apis/', parameters: [], operations: [discoveryOp('getAPIVersions', 'get available API versions', 'apis', 'APIGroupList')] }] },
  ];
  const byKey = new Map<string, APIPathGroup>();
  for (const r of resourceTypes) {
    if (r.group !== '' && !byKey.has(`apis/${r.group}`)) {
      const tag = groupVersionTag(r.group, 'x').replace(/_x$/, '');
      const groupDoc: APIPathGroup = {
        key: `apis/${r.group}`,
        paths: [
          {
            path: `/apis/${r.group}/`,
            parameters: [],
            operations: [discoveryOp(`get${groupVersionId(r.group, '')}APIGroup`, 'get information of a group', tag, 'APIGroup')],
          },
        ],
      };
      byKey.set(groupDoc.key, groupDoc);
      out.push(groupDoc);
    }
    const key = r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
    let doc = byKey.get(key);
    if (!doc) {
      const gvId = groupVersionId(r.group, r.version);
      doc = {
        key,
        paths: [
          {
            path: `${groupVersionPrefix(r.group, r.version)}/`,
            parameters: [],
            operations: [discoveryOp(`get${gvId}APIResources`, 'get available resources', groupVersionTag(r.group, r.version), 'APIResourceList')],
          },
        ],
      };
      byKey.set(key, doc);
      out.push(doc);
    }
    doc.paths.push(...resourcePaths(r, definitionOf));
  }
  return out;
}

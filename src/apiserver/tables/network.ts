/** Printers of coordination, discovery, networking and storage types, as upstream's printers.go. */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { formatLabelSelector } from '../../apimachinery/selectors/labels.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { ageColumn, column, listWithMore, metaOf, nameColumn } from './columns.js';
import { loadBalancerAddresses } from './core.js';
import { timestampSince } from './duration.js';
import type { TypePrinter } from './types.js';

const leasePrinter: TypePrinter = {
  columns: [nameColumn(), column('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn()],
  print(obj, now) {
    const lease = obj as Lease;
    const meta = metaOf(lease);
    return { cells: [meta.name ?? '', lease.spec?.holderIdentity ?? '', timestampSince(meta.creationTimestamp, now)] };
  },
};

const endpointSlicePrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
    column('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    column('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
    ageColumn(),
  ],
  print(obj, now) {
    const slice = obj as EndpointSlice;
    const meta = metaOf(slice);
    const ports = (slice.ports ?? []).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : (p.name ?? '*')));
    const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return {
      cells: [meta.name ?? '', slice.addressType ?? '', listWithMore(ports), listWithMore(addresses), timestampSince(meta.creationTimestamp, now)],
    };
  },
};

/** Ingress rule hosts: at most 3 then ` + N more...`, `*` when no rule names a host. */
function ingressHosts(rules: readonly { host?: string }[]): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const joined = list.join(',');
  return more ? `${joined} + ${rules.length - max} more...` : joined;
}

const ingressPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Class', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  print(obj, now) {
    const ing = obj as Ingress;
    const meta = metaOf(ing);
    return {
      cells: [
        meta.name ?? '',
        ing.spec?.ingressClassName ?? '<none>',
        ingressHosts(ing.spec?.rules ?? []),
        loadBalancerAddresses(ing.status?.loadBalancer?.ingress),
        (ing.spec?.tls ?? []).length ? '80, 443' : '80',
        timestampSince(meta.creationTimestamp, now),
      ],
    };
  },
};

const ingressClassPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Controller', 'Controller that is responsible for handling this class'),
    column('Parameters', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  print(obj, now) {
    const ic = obj as IngressClass;
    const meta = metaOf(ic);
    const p = ic.spec?.parameters;
    const parameters = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
    return { cells: [meta.name ?? '', ic.spec?.controller ?? '', parameters, timestampSince(meta.creationTimestamp, now)] };
  },
};

const networkPolicyPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Pod-Selector', 'Selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.'),
    ageColumn(),
  ],
  print(obj, now) {
    const policy = obj as NetworkPolicy;
    const meta = metaOf(policy);
    return { cells: [meta.name ?? '', formatLabelSelector(policy.spec?.podSelector), timestampSince(meta.creationTimestamp, now)] };
  },
};

const defaultStorageClassAnnotations = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];

const storageClassPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    column('Provisioner', 'provisioner indicates the type of the provisioner.'),
    column('ReclaimPolicy', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.'),
    column('VolumeBindingMode', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. When unset, VolumeBindingImmediate is used.'),
    column('AllowVolumeExpansion', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    ageColumn(),
  ],
  print(obj, now) {
    const sc = obj as StorageClass;
    const meta = metaOf(sc);
    const isDefault = defaultStorageClassAnnotations.some((a) => meta.annotations?.[a] === 'true');
    return {
      cells: [
        isDefault ? `${meta.name ?? ''} (default)` : (meta.name ?? ''),
        sc.provisioner ?? '',
        sc.reclaimPolicy ?? 'Delete',
        sc.volumeBindingMode ?? 'Immediate',
        sc.allowVolumeExpansion ?? false,
        timestampSince(meta.creationTimestamp, now),
      ],
    };
  },
};

/** Printers of coordination, discovery, networking and storage types, by `group/Kind`. */
export const networkPrinters: Readonly<Record<string, TypePrinter>> = {
  'coordination.k8s.io/Lease': leasePrinter,
  'discovery.k8s.io/EndpointSlice': endpointSlicePrinter,
  'networking.k8s.io/Ingress': ingressPrinter,
  'networking.k8s.io/IngressClass': ingressClassPrinter,
  'networking.k8s.io/NetworkPolicy': networkPolicyPrinter,
  'storage.k8s.io/StorageClass': storageClassPrinter,
};

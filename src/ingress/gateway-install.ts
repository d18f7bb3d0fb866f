import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { isStatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import type { Client } from '../client/client.js';
import { gatewayResources } from './controller.js';
import { skiffGatewayController } from './gateway-model.js';

const crdResource = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' };

/** Options of {@link installGatewayApi}. */
export interface GatewayInstallOptions {
  client: Client;
  /** The CRD manifest; default the shipped src/ingress/crds/gateway-api-standard.yaml. */
  manifestFile?: string;
  /** Default {@link skiffGatewayController}. */
  controllerName?: string;
  /** Waits between checks that the CRDs are served. */
  sleep: (ms: number) => Promise<void>;
  signal: AbortSignal;
  log: (msg: string) => void;
}

/** The shipped manifest: beside the compiled module, else in the source tree next to dist/. */
function defaultManifest(): string {
  // The build copies the manifest beside the compiled module; a tree run from source reads it in src/.
  const candidates = ['./crds/gateway-api-standard.yaml', '../../../src/ingress/crds/gateway-api-standard.yaml'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/**
 * Installs the Gateway API standard CRDs (those missing; existing ones are left as they are),
 * waits until they are served, and creates the GatewayClass `skiff`. Returns false when the
 * CRDs were not served before `signal` aborted.
 */
export async function installGatewayApi(o: GatewayInstallOptions): Promise<boolean> {
  const text = await readFile(o.manifestFile ?? defaultManifest(), 'utf8');
  const crds = loadAll(text).filter((d): d is KubeObject => typeof d === 'object' && d !== null && (d as KubeObject).kind === 'CustomResourceDefinition');
  for (const crd of crds) {
    try {
      await o.client.create(crdResource, '', crd);
      o.log(`installed CRD ${crd.metadata?.name}`);
    } catch (err) {
      if (!isStatusError(err, 409)) throw err;
    }
  }
  for (;;) {
    if (o.signal.aborted) return false;
    try {
      for (const ref of Object.values(gatewayResources)) await o.client.list(ref, '', { limit: 1 });
      break;
    } catch (err) {
      if (!isStatusError(err, 404)) throw err;
      await o.sleep(200);
    }
  }
  const cls = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: 'skiff', labels: { 'app.kubernetes.io/managed-by': 'skiff' } },
    spec: { controllerName: o.controllerName ?? skiffGatewayController, description: "Skiff's nginx data plane" },
  };
  try {
    await o.client.create({ group: 'gateway.networking.k8s.io', version: 'v1', resource: 'gatewayclasses' }, '', cls as KubeObject);
    o.log('created GatewayClass skiff');
  } catch (err) {
    if (!isStatusError(err, 409)) throw err;
  }
  return true;
}

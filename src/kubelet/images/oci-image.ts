import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { createTar, type TarEntry } from './tar.js';

const gzipAsync = promisify(gzip);

/** The runtime configuration of an image (the `config` object of an OCI image config). */
export interface OciImageRuntimeConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  ExposedPorts?: Record<string, object>;
  User?: string;
  Labels?: Record<string, string>;
}

/** Options of {@link buildOciImageTar}. */
export interface BuildOciImageOptions {
  /** Image name; normalized with {@link normalizeImageName} (e.g. 'tomcat' -> 'docker.io/library/tomcat:latest'). Must carry a tag, not only a digest. */
  name: string;
  /** The filesystem layers, lowest first; each becomes one gzip layer blob. */
  layers: TarEntry[][];
  config: OciImageRuntimeConfig;
  /** OCI architecture name. Default: from process.arch (x64 -> amd64, arm64 -> arm64). */
  architecture?: string;
  /** Creation time written into config and history. Default '1970-01-01T00:00:00Z', so builds are reproducible. */
  created?: string;
}

/** Annotation containerd reads for the full image name when importing. */
export const containerdImageNameAnnotation = 'io.containerd.image.name';
/** OCI annotation for the reference (tag) of a manifest in an index. */
export const ociRefNameAnnotation = 'org.opencontainers.image.ref.name';

const mediaTypes = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** The OCI architecture name of the machine this runs on. */
export function hostOciArchitecture(): string {
  switch (process.arch) {
    case 'x64':
      return 'amd64';
    case 'arm64':
      return 'arm64';
    case 'arm':
      return 'arm';
    case 'ia32':
      return '386';
    default:
      return process.arch;
  }
}

/** An image reference split into its parts. */
export interface ImageReference {
  /** Registry host, e.g. 'docker.io'. */
  domain: string;
  /** Repository path inside the registry, e.g. 'library/tomcat'. */
  path: string;
  tag?: string;
  digest?: string;
}

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;

/**
 * Parses and normalizes an image reference as Docker and containerd do: a missing registry
 * means docker.io, a single-component docker.io path gets 'library/', and a missing tag
 * (without a digest) means 'latest'. Throws on malformed names.
 */
export function parseImageReference(name: string): ImageReference {
  let rest = name.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) throw new Error(`invalid image reference ${JSON.stringify(name)}: bad digest`);
  }
  const slash = rest.indexOf('/');
  let domain = 'docker.io';
  let remainder = rest;
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) {
      domain = first;
      remainder = rest.slice(slash + 1);
    }
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  let tag: string | undefined;
  const lastSlash = remainder.lastIndexOf('/');
  const colon = remainder.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    tag = remainder.slice(colon + 1);
    remainder = remainder.slice(0, colon);
    if (!tagPattern.test(tag)) throw new Error(`invalid image reference ${JSON.stringify(name)}: bad tag`);
  }
  if (domain === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  if (remainder === '' || !remainder.split('/').every((c) => pathComponent.test(c))) {
    throw new Error(`invalid image reference ${JSON.stringify(name)}: repository must be lowercase letters, digits and separators`);
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { domain, path: remainder, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The canonical form of an image name: 'tomcat' -> 'docker.io/library/tomcat:latest'; 'skiff.dev/pause:1' is unchanged. */
export function normalizeImageName(name: string): string {
  const ref = parseImageReference(name);
  return `${ref.domain}/${ref.path}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

interface Blob {
  digest: string;
  data: Buffer;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function jsonBlob(value: unknown): Blob {
  const data = Buffer.from(JSON.stringify(value), 'utf8');
  return { digest: sha256(data), data };
}

/**
 * Builds an OCI image layout (oci-layout, index.json, blobs/sha256/...) as a tar archive, ready
 * for `ctr images import`. The index's manifest descriptor carries the normalized name in
 * `io.containerd.image.name` and the tag in `org.opencontainers.image.ref.name`.
 * The same options always give the same bytes.
 */
export async function buildOciImageTar(options: BuildOciImageOptions): Promise<Buffer> {
  const ref = parseImageReference(options.name);
  if (ref.tag === undefined) throw new Error(`image name ${options.name} needs a tag to be built`);
  const fullName = normalizeImageName(options.name);
  const architecture = options.architecture ?? hostOciArchitecture();
  const created = options.created ?? '1970-01-01T00:00:00Z';

  const layerBlobs: Blob[] = [];
  const diffIds: string[] = [];
  for (const entries of options.layers) {
    const tar = createTar(entries);
    diffIds.push(sha256(tar));
    const compressed = await gzipAsync(tar, { level: 9 });
    layerBlobs.push({ digest: sha256(compressed), data: compressed });
  }

  const runtimeConfig: OciImageRuntimeConfig = {};
  // Only set fields are written, in a fixed order, so the config digest is stable.
  if (options.config.User !== undefined) runtimeConfig.User = options.config.User;
  if (options.config.ExposedPorts !== undefined) runtimeConfig.ExposedPorts = options.config.ExposedPorts;
  if (options.config.Env !== undefined) runtimeConfig.Env = options.config.Env;
  if (options.config.Entrypoint !== undefined) runtimeConfig.Entrypoint = options.config.Entrypoint;
  if (options.config.Cmd !== undefined) runtimeConfig.Cmd = options.config.Cmd;
  if (options.config.WorkingDir !== undefined) runtimeConfig.WorkingDir = options.config.WorkingDir;
  if (options.config.Labels !== undefined) runtimeConfig.Labels = options.config.Labels;

  const config = jsonBlob({
    created,
    architecture,
    os: 'linux',
    config: runtimeConfig,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created, created_by: `skiff image builder: layer ${i + 1} of ${fullName}` })),
  });
  const manifest = jsonBlob({
    schemaVersion: 2,
    mediaType: mediaTypes.manifest,
    config: { mediaType: mediaTypes.config, digest: config.digest, size: config.data.length },
    layers: layerBlobs.map((l) => ({ mediaType: mediaTypes.layerGzip, digest: l.digest, size: l.data.length })),
  });
  const index = {
    schemaVersion: 2,
    mediaType: mediaTypes.index,
    manifests: [
      {
        mediaType: mediaTypes.manifest,
        digest: manifest.digest,
        size: manifest.data.length,
        annotations: { [containerdImageNameAnnotation]: fullName, [ociRefNameAnnotation]: ref.tag },
        platform: { architecture, os: 'linux' },
      },
    ],
  };

  const entries: TarEntry[] = [
    { type: 'file', path: 'oci-layout', content: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { type: 'file', path: 'index.json', content: JSON.stringify(index) },
    { type: 'directory', path: 'blobs' },
    { type: 'directory', path: 'blobs/sha256' },
  ];
  const written = new Set<string>();
  for (const blob of [config, manifest, ...layerBlobs]) {
    if (written.has(blob.digest)) continue; // identical layers share one blob
    written.add(blob.digest);
    entries.push({ type: 'file', path: `blobs/sha256/${blob.digest.slice('sha256:'.length)}`, content: blob.data });
  }
  return createTar(entries);
}

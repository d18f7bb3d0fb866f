/**
 * Makes a container's image present before it starts, honouring imagePullPolicy as upstream's
 * kubelet does (pkg/kubelet/images): Never only uses what is there, IfNotPresent pulls when
 * missing, Always pulls every time. Failed pulls back off per image (10 s doubling to 5 min)
 * and show ErrImagePull, then ImagePullBackOff.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../apimachinery/object.js';
import type { Clock } from '../apimachinery/clock.js';
import type { EventRecorder } from '../client/events.js';
import type { ContainerRuntime } from './cri/runtime.js';
import type { PodSandboxConfig } from './cri/types.js';
import { errorMessage } from '../apimachinery/errors.js';

/** Why an image is not there: the container's waiting reason and message. */
export class ImageNotReadyError extends Error {
  constructor(
    /** ErrImagePull, ImagePullBackOff, ErrImageNeverPull or InvalidImageName. */
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImageNotReadyError';
  }
}

/** Options of {@link ImageManager}. */
export interface ImageManagerOptions {
  /** First back-off after a failed pull. Default 10000 (upstream's). */
  initialBackOffMs?: number;
  /** Default 300000. */
  maxBackOffMs?: number;
}

/** The pull policy upstream defaults to: Always for `:latest` or no tag, IfNotPresent otherwise. */
export function effectivePullPolicy(container: Container): string {
  if (container.imagePullPolicy) return container.imagePullPolicy;
  const image = container.image ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const tagAt = image.indexOf(':', lastSlash + 1);
  return tagAt < 0 || image.slice(tagAt + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Ensures images through CRI, with events on the pod as upstream records them. */
export class ImageManager {
  private readonly backOff = new Map<string, { until: number; delayMs: number }>();
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(
    private readonly cri: ContainerRuntime,
    private readonly recorder: EventRecorder,
    private readonly clock: Clock,
    options: ImageManagerOptions = {},
  ) {
    this.initialMs = options.initialBackOffMs ?? 10_000;
    this.maxMs = options.maxBackOffMs ?? 300_000;
  }

  /**
   * Returns the image reference to create the container with; throws
   * {@link ImageNotReadyError} when the image is not (yet) there.
   */
  async ensure(pod: Pod & KubeObject, container: Container, sandboxConfig: PodSandboxConfig): Promise<string> {
    const image = container.image ?? '';
    if (!image) throw new ImageNotReadyError('InvalidImageName', 'Failed to apply default image tag "": couldn\'t parse image name "": invalid reference format');
    const policy = effectivePullPolicy(container);
    const present = policy === 'Always' ? undefined : await this.cri.imageStatus({ image });
    if (present) {
      this.recorder.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return present.id;
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      this.recorder.event(pod, 'Warning', 'ErrImageNeverPull', message);
      throw new ImageNotReadyError('ErrImageNeverPull', message);
    }
    const now = this.clock.now().getTime();
    const backOff = this.backOff.get(image);
    if (backOff && now < backOff.until) {
      const message = `Back-off pulling image "${image}"`;
      this.recorder.event(pod, 'Normal', 'BackOff', message);
      throw new ImageNotReadyError('ImagePullBackOff', message);
    }
    this.recorder.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const started = this.clock.now().getTime();
    try {
      const ref = await this.cri.pullImage({ image }, undefined, sandboxConfig);
      this.backOff.delete(image);
      const seconds = ((this.clock.now().getTime() - started) / 1000).toFixed(3);
      this.recorder.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${seconds}s`);
      return ref;
    } catch (err) {
      const delayMs = backOff ? Math.min(backOff.delayMs * 2, this.maxMs) : this.initialMs;
      this.backOff.set(image, { until: this.clock.now().getTime() + delayMs, delayMs });
      const detail = errorMessage(err);
      this.recorder.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${detail}`);
      this.recorder.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      throw new ImageNotReadyError('ErrImagePull', `failed to pull image "${image}": ${detail}`, { cause: err });
    }
  }

  /** Milliseconds until `image` may be pulled again (0 when not backing off). */
  backOffRemainingMs(image: string): number {
    const b = this.backOff.get(image);
    return b ? Math.max(0, b.until - this.clock.now().getTime()) : 0;
  }
}

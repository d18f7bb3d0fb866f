/**
 * What the node's HTTPS endpoint asks of the runtime: where a container's log is, and CRI
 * streaming URLs for exec, attach and port-forward (containerd's streaming server then
 * speaks SPDY or WebSocket with the client, as upstream's kubelet arranges it).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { badRequest, notFound } from '../apimachinery/errors.js';
import { isNotFound } from './cri/client.js';
import type { ContainerRuntime } from './cri/runtime.js';
import { attemptsOf, readRuntimePod, type RuntimeContainer } from './runtime-pod.js';
import type { NodeStreamingBackend, StreamRequest } from './server/node-server.js';

/** A {@link NodeStreamingBackend} over CRI, finding pods in the agent's cache. */
export class CriStreamingBackend implements NodeStreamingBackend {
  constructor(
    private readonly cri: ContainerRuntime,
    private readonly podOf: (namespace: string, name: string) => Pod | undefined,
  ) {}

  private pod(namespace: string, name: string): Pod {
    const pod = this.podOf(namespace, name);
    if (!pod) throw notFound({ resource: 'pods', group: '', name });
    return pod;
  }

  private async container(namespace: string, podName: string, container: string, previous = false): Promise<RuntimeContainer> {
    const pod = this.pod(namespace, podName);
    const known = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].some((c) => c.name === container);
    if (!known) throw badRequest(`container ${container} is not valid for pod ${podName}`);
    const runtime = await readRuntimePod(this.cri, pod.metadata?.uid ?? '');
    const attempts = attemptsOf(runtime, container);
    const found = previous ? attempts[1] : attempts[0];
    if (!found) {
      throw badRequest(
        previous
          ? `previous terminated container "${container}" in pod "${podName}" not found`
          : `container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`,
      );
    }
    return found;
  }

  async containerLog(namespace: string, pod: string, container: string, previous: boolean): Promise<{ logPath: string; isRunning(): boolean }> {
    const c = await this.container(namespace, pod, container, previous);
    // Asked synchronously while following; answered from the last look, refreshed in the background.
    let running = c.state === 'CONTAINER_RUNNING';
    let looking = false;
    const look = () => {
      if (looking || !running) return;
      looking = true;
      this.cri.containerStatus(c.id).then(
        (r) => (running = r.status?.state === 'CONTAINER_RUNNING'),
        (err: unknown) => {
          if (isNotFound(err)) running = false;
        },
      ).finally(() => (looking = false));
    };
    return {
      logPath: c.logPath,
      isRunning: () => {
        look();
        return running;
      },
    };
  }

  async exec(namespace: string, pod: string, container: string, req: StreamRequest): Promise<string> {
    const c = await this.runningContainer(namespace, pod, container);
    return this.cri.exec({ containerId: c.id, cmd: req.cmd, tty: req.tty, stdin: req.stdin, stdout: req.stdout, stderr: req.stderr });
  }

  async attach(namespace: string, pod: string, container: string, req: StreamRequest): Promise<string> {
    const c = await this.runningContainer(namespace, pod, container);
    return this.cri.attach({ containerId: c.id, tty: req.tty, stdin: req.stdin, stdout: req.stdout, stderr: req.stderr });
  }

  async portForward(namespace: string, podName: string, ports: number[]): Promise<string> {
    const pod = this.pod(namespace, podName);
    const runtime = await readRuntimePod(this.cri, pod.metadata?.uid ?? '');
    const sandbox = runtime.sandboxes.find((s) => s.state === 'SANDBOX_READY');
    if (!sandbox) throw badRequest(`pod ${podName} does not have a running sandbox`);
    return this.cri.portForward(sandbox.id, ports);
  }

  private async runningContainer(namespace: string, pod: string, container: string): Promise<RuntimeContainer> {
    const c = await this.container(namespace, pod, container);
    if (c.state !== 'CONTAINER_RUNNING') throw badRequest(`container ${container} is not running`);
    return c;
  }
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeConnection, type ProbeExec } from './probe-connection.js';
import { seedSnapshot } from './testing.js';
import { parseTraceArgs } from './trace-args.js';

function recorder(answers: (command: string[]) => Awaited<ReturnType<ProbeExec>>): { exec: ProbeExec; commands: string[][] } {
  const commands: string[][] = [];
  return { commands, exec: async (container, command) => (commands.push([container, ...command]), answers(command)) };
}

describe('probeConnection', () => {
  it('connects with busybox nc and says so', async () => {
    const { from, to } = parseTraceArgs('client', 'cluster-service-test:99');
    const { exec, commands } = recorder(() => ({ exitCode: 0, stdout: '', stderr: '' }));
    const step = await probeConnection(seedSnapshot(), from, to, exec);
    assert.equal(step.text, 'Probe from pod default/client (container client): connected');
    assert.equal(step.outcome, 'pass');
    assert.deepEqual(commands, [['client', 'timeout', '5', 'nc', '-w', '3', 'cluster-service-test', '99', '-e', 'true']]);
  });

  it('tells a refusal from a timeout', async () => {
    const { from, to } = parseTraceArgs('client', '10.170.11.11:6379');
    const refused = await probeConnection(seedSnapshot(), from, to, recorder(() => ({ exitCode: 1, stdout: '', stderr: 'nc: can\'t connect to remote host (10.170.11.11): Connection refused' })).exec);
    assert.match(refused.text, /: refused \(nc: can't connect/);
    const silent = await probeConnection(seedSnapshot(), from, to, recorder(() => ({ exitCode: 1, stdout: '', stderr: 'nc: timed out' })).exec);
    assert.match(silent.text, /: no answer: timed out/);
  });

  it('asks the ingress controller with the URL\'s Host, by wget without -T', async () => {
    const { from, to } = parseTraceArgs('client', 'http://tomcat.example.test/');
    const { exec, commands } = recorder(() => ({ exitCode: 1, stdout: '', stderr: '  HTTP/1.1 503 Service Temporarily Unavailable\nwget: server returned error: HTTP/1.1 503 Service Temporarily Unavailable' }));
    const step = await probeConnection(seedSnapshot(), from, to, exec);
    assert.deepEqual(commands[0], ['client', 'timeout', '10', 'wget', '-q', '-S', '-O', '/dev/null', '--header', 'Host: tomcat.example.test', 'http://192.168.77.1/']);
    assert.ok(!commands[0]!.includes('-T'));
    assert.match(step.text, /: HTTP 503/);
    assert.equal(step.outcome, 'stop');
  });

  it('does not probe from a node, over UDP, or from a pod without running containers', async () => {
    const never: ProbeExec = async () => assert.fail('no exec expected');
    const node = parseTraceArgs('node/node-a', '10.170.11.11:80');
    assert.match((await probeConnection(seedSnapshot(), node.from, node.to, never)).text, /a node has no exec/);
    const udp = parseTraceArgs('client', 'kube-dns.kube-system:53/udp');
    assert.match((await probeConnection(seedSnapshot(), udp.from, udp.to, never)).text, /UDP has no connection/);
    const snapshot = seedSnapshot();
    snapshot.pods.find((p) => p.metadata?.name === 'client')!.status!.containerStatuses = [];
    const pod = parseTraceArgs('client', '10.170.11.11:80');
    assert.match((await probeConnection(snapshot, pod.from, pod.to, never)).text, /no running container/);
  });
});

/**
 * The server side of bench/dns, run as its own process (pinned to one core by bench/dns):
 * `node dns-target.js cluster SERVICES` serves the cluster DNS server over SERVICES Services
 * (in 10 namespaces, from an in-memory API), `node dns-target.js echo` a UDP server that sends
 * each packet back with the QR bit set (the floor any UDP server in Node stands on). Prints
 * `ready <port>` once listening.
 */
import { createSocket } from 'node:dgram';
import { resources } from '../src/client/client.js';
import { InformerFactory } from '../src/client/informer.js';
import { ClusterDnsServer } from '../src/dns/server.js';
import { MemoryClient } from '../src/testing/memory-client.js';

const [mode, servicesArg] = process.argv.slice(2);
// Exit normally on SIGTERM, so that --cpu-prof and the like write their output.
process.on('SIGTERM', () => process.exit(0));

if (mode === 'echo') {
  const socket = createSocket('udp4');
  socket.on('message', (msg, from) => {
    if (msg.length >= 3) msg[2] = msg[2]! | 0x80;
    socket.send(msg, from.port, from.address);
  });
  socket.bind(0, '127.0.0.1', () => console.log(`ready ${socket.address().port}`));
} else {
  const client = new MemoryClient();
  const count = Number(servicesArg ?? 1000);
  for (let i = 0; i < count; i++) {
    await client.create(resources.services, `ns-${i % 10}`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: `ns-${i % 10}`, name: `svc-${i}` },
      spec: { clusterIP: `10.43.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    });
  }
  const informers = new InformerFactory(client);
  const server = new ClusterDnsServer({ informers, listenAddress: '127.0.0.1', udpPort: 0, tcpPort: 0, upstreams: [] });
  const { udp } = await server.start(new AbortController().signal);
  await informers.waitForSync();
  console.log(`ready ${udp.port}`);
}

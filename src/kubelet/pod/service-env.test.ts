import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { envVarsFromServices, serviceEnvironment } from './service-env.js';

function service(namespace: string, name: string, clusterIP: string, ports: ServicePort[]): Service {
  return { metadata: { namespace, name }, spec: { selector: { bar: 'baz' }, clusterIP, ports } };
}

describe('envVarsFromServices (upstream envvars.FromServices)', () => {
  test('upstream documented cases: names, named ports, protocols, IPv6, no cluster IP', () => {
    const vars = envVarsFromServices([
      service('', 'foo-bar', '1.2.3.4', [{ port: 8080, protocol: 'TCP' }]),
      service('', 'abc-123', '5.6.7.8', [{ name: 'u-d-p', port: 8081, protocol: 'UDP' }, { name: 't-c-p', port: 8081, protocol: 'TCP' }]),
      service('', 'q-u-u-x', '9.8.7.6', [{ port: 8082, protocol: 'TCP' }, { name: '8083', port: 8083, protocol: 'TCP' }]),
      service('', 'svrc-clusterip-none', 'None', [{ port: 8082, protocol: 'TCP' }]),
      service('', 'svrc-clusterip-empty', '', [{ port: 8082, protocol: 'TCP' }]),
      service('', 'super-ipv6', '2001:DB8::', [{ name: 'u-d-p', port: 8084, protocol: 'UDP' }, { name: 't-c-p', port: 8084, protocol: 'TCP' }]),
      service('', 'sctp-1', '1.2.3.4', [{ port: 777, protocol: 'SCTP' }]),
      service('', 'no-protocol', '1.2.3.5', [{ port: 80 }]),
    ]);
    assert.deepEqual(vars, [
      ['FOO_BAR_SERVICE_HOST', '1.2.3.4'],
      ['FOO_BAR_SERVICE_PORT', '8080'],
      ['FOO_BAR_PORT', 'tcp://1.2.3.4:8080'],
      ['FOO_BAR_PORT_8080_TCP', 'tcp://1.2.3.4:8080'],
      ['FOO_BAR_PORT_8080_TCP_PROTO', 'tcp'],
      ['FOO_BAR_PORT_8080_TCP_PORT', '8080'],
      ['FOO_BAR_PORT_8080_TCP_ADDR', '1.2.3.4'],
      ['ABC_123_SERVICE_HOST', '5.6.7.8'],
      ['ABC_123_SERVICE_PORT', '8081'],
      ['ABC_123_SERVICE_PORT_U_D_P', '8081'],
      ['ABC_123_SERVICE_PORT_T_C_P', '8081'],
      ['ABC_123_PORT', 'udp://5.6.7.8:8081'],
      ['ABC_123_PORT_8081_UDP', 'udp://5.6.7.8:8081'],
      ['ABC_123_PORT_8081_UDP_PROTO', 'udp'],
      ['ABC_123_PORT_8081_UDP_PORT', '8081'],
      ['ABC_123_PORT_8081_UDP_ADDR', '5.6.7.8'],
      ['ABC_123_PORT_8081_TCP', 'tcp://5.6.7.8:8081'],
      ['ABC_123_PORT_8081_TCP_PROTO', 'tcp'],
      ['ABC_123_PORT_8081_TCP_PORT', '8081'],
      ['ABC_123_PORT_8081_TCP_ADDR', '5.6.7.8'],
      ['Q_U_U_X_SERVICE_HOST', '9.8.7.6'],
      ['Q_U_U_X_SERVICE_PORT', '8082'],
      ['Q_U_U_X_SERVICE_PORT_8083', '8083'],
      ['Q_U_U_X_PORT', 'tcp://9.8.7.6:8082'],
      ['Q_U_U_X_PORT_8082_TCP', 'tcp://9.8.7.6:8082'],
      ['Q_U_U_X_PORT_8082_TCP_PROTO', 'tcp'],
      ['Q_U_U_X_PORT_8082_TCP_PORT', '8082'],
      ['Q_U_U_X_PORT_8082_TCP_ADDR', '9.8.7.6'],
      ['Q_U_U_X_PORT_8083_TCP', 'tcp://9.8.7.6:8083'],
      ['Q_U_U_X_PORT_8083_TCP_PROTO', 'tcp'],
      ['Q_U_U_X_PORT_8083_TCP_PORT', '8083'],
      ['Q_U_U_X_PORT_8083_TCP_ADDR', '9.8.7.6'],
      ['SUPER_IPV6_SERVICE_HOST', '2001:DB8::'],
      ['SUPER_IPV6_SERVICE_PORT', '8084'],
      ['SUPER_IPV6_SERVICE_PORT_U_D_P', '8084'],
      ['SUPER_IPV6_SERVICE_PORT_T_C_P', '8084'],
      ['SUPER_IPV6_PORT', 'udp://[2001:DB8::]:8084'],
      ['SUPER_IPV6_PORT_8084_UDP', 'udp://[2001:DB8::]:8084'],
      ['SUPER_IPV6_PORT_8084_UDP_PROTO', 'udp'],
      ['SUPER_IPV6_PORT_8084_UDP_PORT', '8084'],
      ['SUPER_IPV6_PORT_8084_UDP_ADDR', '2001:DB8::'],
      ['SUPER_IPV6_PORT_8084_TCP', 'tcp://[2001:DB8::]:8084'],
      ['SUPER_IPV6_PORT_8084_TCP_PROTO', 'tcp'],
      ['SUPER_IPV6_PORT_8084_TCP_PORT', '8084'],
      ['SUPER_IPV6_PORT_8084_TCP_ADDR', '2001:DB8::'],
      ['SCTP_1_SERVICE_HOST', '1.2.3.4'],
      ['SCTP_1_SERVICE_PORT', '777'],
      ['SCTP_1_PORT', 'sctp://1.2.3.4:777'],
      ['SCTP_1_PORT_777_SCTP', 'sctp://1.2.3.4:777'],
      ['SCTP_1_PORT_777_SCTP_PROTO', 'sctp'],
      ['SCTP_1_PORT_777_SCTP_PORT', '777'],
      ['SCTP_1_PORT_777_SCTP_ADDR', '1.2.3.4'],
      ['NO_PROTOCOL_SERVICE_HOST', '1.2.3.5'],
      ['NO_PROTOCOL_SERVICE_PORT', '80'],
      ['NO_PROTOCOL_PORT', 'tcp://1.2.3.5:80'],
      ['NO_PROTOCOL_PORT_80_TCP', 'tcp://1.2.3.5:80'],
      ['NO_PROTOCOL_PORT_80_TCP_PROTO', 'tcp'],
      ['NO_PROTOCOL_PORT_80_TCP_PORT', '80'],
      ['NO_PROTOCOL_PORT_80_TCP_ADDR', '1.2.3.5'],
    ]);
  });
});

describe('serviceEnvironment (upstream getServiceEnvVarMap)', () => {
  const kubernetes = service('default', 'kubernetes', '10.43.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]);
  const cluster: Service[] = [
    kubernetes,
    service('default', 'not-special', '10.43.0.2', [{ port: 8080 }]),
    service('test1', 'test', '10.43.1.1', [{ port: 8081 }]),
    service('test1', 'headless', 'None', [{ port: 80 }]),
    service('test2', 'other', '10.43.2.1', [{ port: 8082 }]),
  ];
  const hosts = (env: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(env).filter(([key]) => key.endsWith('_SERVICE_HOST')));

  test('a pod sees the kubernetes Service and the Services of its own namespace with a cluster IP', () => {
    const env = serviceEnvironment(cluster, { namespace: 'test1' });
    assert.deepEqual(hosts(env), { KUBERNETES_SERVICE_HOST: '10.43.0.1', TEST_SERVICE_HOST: '10.43.1.1' });
    assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
    assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, '443');
    assert.equal(env.KUBERNETES_PORT, 'tcp://10.43.0.1:443');
    assert.equal(env.KUBERNETES_PORT_443_TCP_ADDR, '10.43.0.1');
    assert.equal(env.TEST_PORT_8081_TCP, 'tcp://10.43.1.1:8081');
  });

  test('enableServiceLinks false leaves only the master services', () => {
    const env = serviceEnvironment(cluster, { namespace: 'test1', enableServiceLinks: false });
    assert.ok(Object.keys(env).every((key) => key.startsWith('KUBERNETES_')), Object.keys(env).join(' '));
    assert.equal(env.KUBERNETES_SERVICE_HOST, '10.43.0.1');
  });

  test('a pod in the master namespace sees all of its Services; without links only the master ones', () => {
    assert.deepEqual(hosts(serviceEnvironment(cluster, { namespace: 'default' })), { KUBERNETES_SERVICE_HOST: '10.43.0.1', NOT_SPECIAL_SERVICE_HOST: '10.43.0.2' });
    assert.deepEqual(hosts(serviceEnvironment(cluster, { namespace: 'default', enableServiceLinks: false })), { KUBERNETES_SERVICE_HOST: '10.43.0.1' });
  });

  test("a Service named kubernetes in the pod's namespace wins over the master one, in either order, unless links are off", () => {
    const own = service('test1', 'kubernetes', '10.43.1.9', [{ port: 6443 }]);
    for (const services of [[...cluster, own], [own, ...cluster]]) {
      const env = serviceEnvironment(services, { namespace: 'test1' });
      assert.equal(env.KUBERNETES_SERVICE_HOST, '10.43.1.9');
      assert.equal(env.KUBERNETES_SERVICE_PORT, '6443');
      assert.equal(serviceEnvironment(services, { namespace: 'test1', enableServiceLinks: false }).KUBERNETES_SERVICE_HOST, '10.43.0.1');
    }
  });

  test('a master namespace configured elsewhere', () => {
    const env = serviceEnvironment([...cluster, service('kube-system', 'kubernetes', '10.43.5.1', [{ port: 443 }])], { namespace: 'test2', masterServiceNamespace: 'kube-system' });
    assert.deepEqual(hosts(env), { KUBERNETES_SERVICE_HOST: '10.43.5.1', OTHER_SERVICE_HOST: '10.43.2.1' });
  });

  test('no Services, no variables', () => {
    assert.deepEqual(serviceEnvironment([], { namespace: 'test1' }), {});
  });
});

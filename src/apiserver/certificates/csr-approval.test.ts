import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCertificateRequest, parseCertificateRequest } from '../../pki/csr.js';
import { generatePrivateKey } from '../../pki/x509.js';
import { autoApproves, signerRefusal, kubeAPIServerClientSigner, kubeletClientSigner, kubeletServingSigner, type CSRFacts } from './csr-approval.js';

const request = (cn: string, o: string[], dnsNames: string[] = [], ips: string[] = []) =>
  parseCertificateRequest(createCertificateRequest(generatePrivateKey(), { subject: { commonName: cn, organizations: o }, dnsNames, ips }));
const clientUsages = ['digital signature', 'key encipherment', 'client auth'];
const bootstrapper = { username: 'system:bootstrap:skiff-join', groups: ['system:bootstrappers', 'system:authenticated'] };

test('node client certificates: approved for a bootstrap token or the node itself, when the subject is the node', () => {
  const facts = (over: Partial<CSRFacts>): CSRFacts => ({ signerName: kubeletClientSigner, usages: clientUsages, request: request('system:node:n1', ['system:nodes']), ...bootstrapper, ...over });
  assert.equal(autoApproves(facts({})), true);
  assert.equal(autoApproves(facts({ username: 'system:node:n1', groups: ['system:nodes'] })), true);
  assert.equal(autoApproves(facts({ username: 'system:node:n2', groups: ['system:nodes'] })), false);
  assert.equal(autoApproves(facts({ username: 'bob', groups: ['system:authenticated'] })), false);
  assert.equal(autoApproves(facts({ request: request('system:node:n1', ['system:masters']) })), false);
  assert.equal(autoApproves(facts({ request: request('system:node:n1', ['system:nodes', 'system:masters']) })), false);
  assert.equal(autoApproves(facts({ request: request('admin', ['system:nodes']) })), false);
  assert.equal(autoApproves(facts({ request: request('system:node:n1', ['system:nodes'], ['n1']) })), false);
  assert.equal(autoApproves(facts({ usages: ['client auth', 'server auth'] })), false);
  assert.equal(signerRefusal(facts({ request: request('system:node:n1', ['system:masters']) })), 'subject must be CN=system:node:<name>, O=system:nodes');
});

test('kubelet serving certificates: approved for the node they name, with only its name as DNS SAN', () => {
  const node = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  const facts = (over: Partial<CSRFacts>): CSRFacts => ({ signerName: kubeletServingSigner, usages: ['digital signature', 'key encipherment', 'server auth'], request: request('system:node:n1', ['system:nodes'], ['n1'], ['10.0.0.1']), ...node, ...over });
  assert.equal(autoApproves(facts({})), true);
  assert.equal(autoApproves(facts({ ...bootstrapper })), false);
  assert.equal(autoApproves(facts({ request: request('system:node:n1', ['system:nodes'], ['n2']) })), false);
  assert.equal(autoApproves(facts({ request: request('system:node:n1', ['system:nodes']) })), false);
  assert.equal(autoApproves(facts({ signerName: 'example.com/other' })), false);
});

test('kube-apiserver-client requests: any subject, client usages only, never approved automatically', () => {
  const facts = (usages: string[]): CSRFacts => ({ signerName: kubeAPIServerClientSigner, usages, request: request('jane', ['devs']), ...bootstrapper });
  assert.equal(signerRefusal(facts(['client auth'])), undefined);
  assert.equal(signerRefusal(facts(['digital signature', 'key encipherment', 'client auth'])), undefined);
  assert.equal(signerRefusal(facts(['client auth', 'server auth'])), 'invalid usage for client certificate: server auth');
  assert.equal(autoApproves(facts(['client auth'])), false);
});

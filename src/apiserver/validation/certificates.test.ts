import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { createCertificateRequest } from '../../pki/csr.js';
import { generatePrivateKey } from '../../pki/x509.js';
import { apiServerClient } from '../../testing/controllers.js';

const csrs = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };
const goodRequest = () => Buffer.from(createCertificateRequest(generatePrivateKey(), { subject: { commonName: 'u' } })).toString('base64');
const csr = (name: string, spec: object) => ({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec }) as KubeObject;

async function message(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof StatusError) return `${err.code} ${err.message}`;
    throw err;
  }
}

test('CertificateSigningRequest: bad requests get 422 as upstream; only /approval decides, /status cannot undo it; a certificate stays', async () => {
  const { client, close } = await apiServerClient();
  try {
    const notPem = Buffer.from('hello').toString('base64');
    assert.equal(
      await message(client.create(csrs, '', csr('a', { request: notPem, signerName: 'example.com/s', usages: ['client auth'] }))),
      '422 CertificateSigningRequest.certificates.k8s.io "a" is invalid: spec.request: Invalid value: "<request data>": PEM block type must be CERTIFICATE REQUEST',
    );
    assert.match(await message(client.create(csrs, '', csr('b', { request: goodRequest(), signerName: 'nodomain', usages: ['client auth', 'bogus'] }))), /spec\.signerName: Invalid value: "nodomain".*spec\.usages\[1\]: Unsupported value: "bogus"/);
    assert.match(await message(client.create(csrs, '', csr('c', { request: goodRequest(), signerName: 'example.com/s', usages: ['client auth'], expirationSeconds: 60 }))), /spec\.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds/);
    const created = await client.create(csrs, '', { ...csr('d', { request: goodRequest(), signerName: 'example.com/s', usages: ['client auth'] }), status: { certificate: 'eA==' } } as KubeObject);
    assert.deepEqual(created.status, {});
    // The main resource keeps the status; /approval sets the decision.
    const viaMain = await client.update(csrs, '', { ...created, status: { conditions: [{ type: 'Approved', status: 'True' }] } } as KubeObject);
    assert.deepEqual(viaMain.status, {});
    const approved = await client.update(csrs, '', { ...viaMain, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test' }] } } as KubeObject, { subresource: 'approval' });
    assert.equal((approved.status as { conditions: { type: string }[] }).conditions[0]?.type, 'Approved');
    assert.match(
      await message(client.update(csrs, '', { ...approved, status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] } } as KubeObject, { subresource: 'approval' })),
      /Approved and Denied conditions are mutually exclusive/,
    );
    // /status keeps the decision whatever it is sent.
    const pem = Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').toString('base64');
    const issued = await client.update(csrs, '', { ...approved, status: { certificate: pem } } as KubeObject, { subresource: 'status' });
    assert.deepEqual((issued.status as { conditions: { type: string }[] }).conditions.map((c) => c.type), ['Approved']);
    assert.match(
      await message(client.update(csrs, '', { ...issued, status: { ...(issued.status as object), certificate: Buffer.from('-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n').toString('base64') } } as KubeObject, { subresource: 'status' })),
      /updates may not modify existing certificate content/,
    );
  } finally {
    await close();
  }
});

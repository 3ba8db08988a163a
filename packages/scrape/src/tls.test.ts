/**
 * HTTPS targets: a CA, a server certificate for 127.0.0.1 and a client certificate made with openssl;
 * the target requires the client certificate. `tls_config` with the CA and the client pair scrapes it;
 * without the CA the scrape fails as Prometheus words it; `insecure_skip_verify` skips the check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { requireProgram, runProgram, tempDir } from '@vigil/testkit';
import { jobConfig, loopFor } from './test-helpers.js';

function openssl(dir: string, ...args: string[]): void {
  const r = runProgram(requireProgram('openssl'), args, undefined, dir);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

function makeCerts(dir: string): void {
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, 'req', '-x509', ...key, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=vigil-test-ca');
  for (const [name, ext] of [['server', 'subjectAltName=IP:127.0.0.1'], ['client', 'extendedKeyUsage=clientAuth']]) {
    writeFileSync(join(dir, `${name}.ext`), ext + '\n');
    openssl(dir, 'req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
  }
}

test('HTTPS targets: CA, client certificates, insecure_skip_verify', { timeout: 30_000 }, async () => {
  const dir = tempDir('vigil-tls-');
  makeCerts(dir.path);
  const file = (n: string) => join(dir.path, n);
  const srv = https.createServer({
    key: readFileSync(file('server.key')),
    cert: readFileSync(file('server.pem')),
    ca: readFileSync(file('ca.pem')),
    requestCert: true,
    rejectUnauthorized: false,
  }, (req, res) => {
    const authorized = (req.socket as import('node:tls').TLSSocket).authorized;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(`client_cert_ok ${authorized ? 1 : 0}\n`);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(srv.address() as AddressInfo).port}`;
  try {
    const full = loopFor(jobConfig(`scrape_interval: 15s\nscheme: https\ntls_config: {ca_file: ${file('ca.pem')}, cert_file: ${file('client.pem')}, key_file: ${file('client.key')}}`), host);
    const r1 = await full.loop.scrapeAndReport(Date.now());
    full.close();
    assert.equal(r1.error, undefined);
    assert.equal(full.storage.last({ __name__: 'client_cert_ok' }), 1, 'the client certificate was presented and verified');

    const noCA = loopFor(jobConfig('scrape_interval: 15s\nscheme: https'), host);
    const r2 = await noCA.loop.scrapeAndReport(Date.now());
    noCA.close();
    assert.equal(r2.error, `Get "https://${host}/metrics": tls: failed to verify certificate: x509: certificate signed by unknown authority`);

    const insecure = loopFor(jobConfig('scrape_interval: 15s\nscheme: https\ntls_config: {insecure_skip_verify: true}'), host);
    const r3 = await insecure.loop.scrapeAndReport(Date.now());
    insecure.close();
    assert.equal(r3.error, undefined);
    assert.equal(insecure.storage.last({ __name__: 'client_cert_ok' }), 0, 'no client certificate configured, none sent');

    const missing = loopFor(jobConfig(`scrape_interval: 15s\nscheme: https\ntls_config: {ca_file: ${file('nope.pem')}}`), host);
    const r4 = await missing.loop.scrapeAndReport(Date.now());
    missing.close();
    assert.match(r4.error ?? '', /unable to load specified CA cert ".*nope\.pem": ENOENT/);
  } finally {
    await new Promise<void>((r) => srv.close(() => r()));
    dir.cleanup();
  }
});

/**
 * Registries behind a private CA: the certificates of NODE_EXTRA_CA_CERTS (moved to
 * BERTH_EXTRA_CA_CERTS by the `berth` launcher, so other commands start faster) are
 * trusted on top of Node's own; without them the same server is refused.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

const transport = path.resolve(__dirname, '..', '..', '..', 'src', 'runtime', 'registry', 'transport.js');

describe('extra CA certificates', () => {
  let dir: string;
  let server: https.Server;
  let url: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ca-'));
    // A self-signed certificate for 127.0.0.1 is its own CA.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, (_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`;
  });
  after(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // A child process per case: the agent reads the variable once, on first use.
  const get = (env: NodeJS.ProcessEnv) =>
    new Promise<{ status: number | null; out: string }>((resolve) => {
      const script = `require(${JSON.stringify(transport)}).send({ method: 'GET', url: new URL(${JSON.stringify(url)}) })
        .then((r) => console.log('status', r.status), (e) => console.log('error', e.message))`;
      const child = spawn(process.execPath, ['-e', script], { env: { PATH: process.env.PATH, ...env } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      child.on('close', (status: number | null) => resolve({ status, out }));
    });

  test('trusted through BERTH_EXTRA_CA_CERTS', async () => {
    const r = await get({ BERTH_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') });
    assert.equal(r.out.trim(), 'status 200');
  });

  test('refused without it', async () => {
    const r = await get({});
    assert.match(r.out, /^error .*certificate/i);
  });

  test('a missing CA file is a clear error, not a silent fallback', async () => {
    const r = await get({ BERTH_EXTRA_CA_CERTS: path.join(dir, 'nope.pem') });
    assert.match(r.out, /Cannot read the extra CA certificates in .*nope\.pem/);
  });
});

/**
 * How the client picks the scheme of a loopback registry: plain HTTP is asked first (no
 * TLS handshake, no CA bundle parsed), and a registry that speaks only TLS is still found
 * over HTTPS after that one plain request.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../../src/runtime/registry/client';

const retry = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 };

describe('registry ping on the loopback', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ping-'));
  const servers: Array<http.Server | https.Server> = [];
  const listen = async (server: http.Server | https.Server) => {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  before(() => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  });

  after(() => {
    for (const server of servers) server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('speaks plain HTTP to a plain registry without trying TLS first', async () => {
    let handshakes = 0;
    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    // A TLS ClientHello sent to a plain HTTP server is a malformed request.
    server.on('clientError', (_err, socket) => {
      handshakes++;
      socket.destroy();
    });
    const host = await listen(server);
    await new RegistryClient(host, { configDir: dir, env: {}, retry }).checkLogin();
    assert.equal(handshakes, 0);
  });

  it('still finds a loopback registry that speaks only TLS', async () => {
    let plainRequests = 0;
    const server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
    );
    server.on('tlsClientError', () => plainRequests++);
    const host = await listen(server);
    await new RegistryClient(host, { configDir: dir, env: {}, retry, insecure: [host] }).checkLogin();
    assert.equal(plainRequests, 1);
  });
});

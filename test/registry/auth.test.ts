/**
 * Authentication against docker-registry: htpasswd (Basic) and token auth (Bearer) with a
 * token server written here that signs RS256 JWTs the registry verifies against a
 * certificate made with openssl. Credentials come from `berth login`, from the Docker
 * config file, or from a `docker-credential-*` helper.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IMAGE, type TestStore, openTestStore, runCli } from '../runtime/support';
import { type RunningRegistry, privateDockerConfig, registryService, startRegistry } from './support';

const dockerConfig = privateDockerConfig();
const configFile = path.join(dockerConfig, 'config.json');
const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

describe('registry auth: htpasswd', () => {
  let registry: RunningRegistry;
  let store: TestStore;

  before(async () => {
    registry = await startRegistry({ kind: 'htpasswd', users: { berth: 'secret' } });
    store = await openTestStore();
    await store.engine.tagImage(IMAGE, `${registry.host}/private:1`);
  });

  after(async () => {
    fs.rmSync(configFile, { force: true });
    await store?.dispose();
    await registry?.stop();
  });

  it('refuses an anonymous push with a hint to log in', async () => {
    await assert.rejects(store.engine.pushImage(`${registry.host}/private:1`), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'unauthorized');
      assert.match(err.message, /requires authentication .*Run `berth login 127\.0\.0\.1:\d+` first/);
      return true;
    });
  });

  it('berth login refuses a wrong password and stores nothing', async () => {
    const bad = await store.cli(['login', '-u', 'berth', '--password-stdin', registry.host], { input: 'wrong\n' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /refused the credentials/);
    assert.deepEqual(JSON.parse(fs.readFileSync(configFile, 'utf8')), {});
  });

  it('berth login stores the credentials in the Docker config file; push and pull use them; logout forgets them', async () => {
    const env = { ...store.env, DOCKER_CONFIG: dockerConfig };
    const ok = await runCli(['login', '-u', 'berth', '--password-stdin', registry.host], env, { input: 'secret\n' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Login Succeeded/);
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    assert.deepEqual(config.auths[registry.host], { auth: Buffer.from('berth:secret').toString('base64') });
    assert.equal(fs.statSync(configFile).mode & 0o777, 0o600);
    assert.deepEqual(await store.engine.listRegistries(), [registry.host]);

    await store.engine.pushImage(`${registry.host}/private:1`);
    await store.engine.removeImages([`${registry.host}/private:1`]);
    assert.equal((await store.engine.pullImage(`${registry.host}/private:1`)).name, `${registry.host}/private:1`);

    const out = await runCli(['logout', registry.host], env);
    assert.match(out.stdout, /Removing login credentials/);
    assert.deepEqual(JSON.parse(fs.readFileSync(configFile, 'utf8')).auths, {});
    await assert.rejects(store.engine.pullImage(`${registry.host}/private:1`), /requires authentication/);
  });

  it('asks a credential helper named by credsStore', async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-helper-'));
    const saved = path.join(bin, 'saved.json');
    // A docker-credential-* helper: `store` keeps the JSON, `get` answers it, `erase` drops it.
    fs.writeFileSync(path.join(bin, 'docker-credential-berthtest'), `#!/bin/sh
case "$1" in
  store) cat > ${saved} ;;
  get) read server; if [ -f ${saved} ]; then cat ${saved}; else echo "credentials not found in native keychain"; exit 1; fi ;;
  erase) rm -f ${saved} ;;
esac
`, { mode: 0o755 });
    fs.writeFileSync(configFile, JSON.stringify({ credsStore: 'berthtest', auths: {} }));
    const service = registryService(store.engine, { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    await assert.rejects(service.pull(`${registry.host}/private:1`), /requires authentication/);
    await service.login(registry.host, { username: 'berth', password: 'secret' });
    assert.deepEqual(JSON.parse(fs.readFileSync(saved, 'utf8')), { ServerURL: registry.host, Username: 'berth', Secret: 'secret' });
    assert.equal((await service.pull(`${registry.host}/private:1`)).name, `${registry.host}/private:1`);
    assert.equal(await service.logout(registry.host), true);
    assert.equal(fs.existsSync(saved), false);
  });
});

describe('registry auth: bearer tokens', () => {
  let registry: RunningRegistry;
  let store: TestStore;
  let tokenServer: http.Server;
  const requests: Array<{ user?: string; scopes: string[]; service: string | null }> = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-token-'));

  before(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=berth-token'], { stdio: 'ignore' });
    const key = createPrivateKey(fs.readFileSync(path.join(dir, 'key.pem')));
    const certDer = Buffer.from(fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
    tokenServer = http.createServer((req, res) => {
      const url = new URL(req.url!, 'http://token');
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      const [user, password] = basic ? Buffer.from(basic[1], 'base64').toString().split(':') : [];
      const scopes = url.searchParams.getAll('scope');
      requests.push({ user, scopes, service: url.searchParams.get('service') });
      if (basic && !(user === 'berth' && password === 'secret')) {
        res.writeHead(401).end();
        return;
      }
      // Anonymous callers may pull; only berth may push.
      const access = scopes.map((s) => {
        const [type, name, actions] = s.split(':');
        return { type, name, actions: actions.split(',').filter((a) => user === 'berth' || a === 'pull') };
      });
      const now = Math.floor(Date.now() / 1000);
      const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')] }));
      const claims = b64url(JSON.stringify({ iss: 'berth-token', sub: user ?? '', aud: 'berth-registry', exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }));
      const signature = b64url(sign('sha256', Buffer.from(`${header}.${claims}`), key));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${header}.${claims}.${signature}`, expires_in: 300 }));
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    const realm = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
    registry = await startRegistry({ kind: 'token', realm, service: 'berth-registry', issuer: 'berth-token', certFile: path.join(dir, 'cert.pem') });
    store = await openTestStore();
    fs.rmSync(configFile, { force: true });
  });

  after(async () => {
    tokenServer?.close();
    fs.rmSync(configFile, { force: true });
    await store?.dispose();
    await registry?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gets an anonymous pull token but cannot push without credentials', async () => {
    await store.engine.tagImage(IMAGE, `${registry.host}/tokens/app:1`);
    await assert.rejects(store.engine.pushImage(`${registry.host}/tokens/app:1`), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'unauthorized');
      return true;
    });
    assert.ok(requests.some((r) => r.user === undefined && r.service === 'berth-registry' && r.scopes.includes('repository:tokens/app:pull,push')));
  });

  it('logs in, pushes with a push token, pulls with a token per scope, and caches tokens', async () => {
    await store.engine.login(registry.host, { username: 'berth', password: 'secret' });
    requests.length = 0;
    await store.engine.pushImage(`${registry.host}/tokens/app:1`);
    assert.ok(requests.every((r) => r.user === 'berth'));
    assert.ok(requests.length <= 2, `${requests.length} token requests for one push`);
    await store.engine.removeImages([`${registry.host}/tokens/app:1`]);
    assert.equal((await store.engine.pullImage(`${registry.host}/tokens/app:1`)).name, `${registry.host}/tokens/app:1`);
    assert.deepEqual(requests.at(-1)!.scopes, ['repository:tokens/app:pull']);
  });

  it('refuses a wrong password at the token server', async () => {
    await assert.rejects(store.engine.login(registry.host, { username: 'berth', password: 'nope' }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'unauthorized');
      assert.match(err.message, /token server 127\.0\.0\.1:\d+ refused the credentials of 'berth'/);
      return true;
    });
  });
});

/**
 * Catalog and tag listings against a registry written here: the Link pages are followed
 * (relative and absolute), the page size and limit are honoured, a limit stops the paging,
 * and a registry that does not list — or answers something that is no listing — gets a
 * coded error rather than a crash.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { RegistryClient } from '../../../src/runtime/registry/client';

type Handler = (url: URL, res: http.ServerResponse) => void;

const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

/** distribution's paging: `n` names after `last`, and a Link to the next page while there are more. */
function pages(names: string[], field: string, linkBase: (url: URL) => string): Handler {
  return (url, res) => {
    const n = Number(url.searchParams.get('n') ?? names.length);
    const last = url.searchParams.get('last');
    const start = last ? names.indexOf(last) + 1 : 0;
    const page = names.slice(start, start + n);
    const more = start + n < names.length;
    const link = more ? { link: `<${linkBase(url)}${url.pathname}?last=${page[page.length - 1]}&n=${n}>; rel="next"` } : undefined;
    json(res, 200, { [field]: page }, link);
  };
}

describe('registry listings', () => {
  let server: http.Server;
  let host: string;
  let requests: URL[];
  let handler: Handler;
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-listing-config-'));
  const client = () => new RegistryClient(host, { configDir, env: {}, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  const repositories = Array.from({ length: 7 }, (_, i) => `team/app-${i}`);

  before(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      if (url.pathname === '/v2/') return json(res, 200, {});
      requests.push(url);
      handler(url, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    requests = [];
  });

  after(() => {
    server.close();
    fs.rmSync(configDir, { recursive: true, force: true });
  });

  it('follows relative Link pages of the catalog with the page size asked for', async () => {
    handler = pages(repositories, 'repositories', () => '');
    assert.deepEqual(await client().catalog({ pageSize: 3 }), repositories);
    assert.deepEqual(requests.map((u) => u.search), ['?n=3', '?last=team/app-2&n=3', '?last=team/app-5&n=3']);
  });

  it('follows absolute Link URLs', async () => {
    handler = pages(repositories, 'repositories', () => `http://${host}`);
    assert.deepEqual(await client().catalog({ pageSize: 4 }), repositories);
    assert.equal(requests.length, 2);
  });

  it('asks for 1000 names a page by default', async () => {
    handler = pages(repositories, 'repositories', () => '');
    await client().catalog();
    assert.deepEqual(requests.map((u) => u.search), ['?n=1000']);
  });

  it('stops paging once the limit is reached, and returns no more than it', async () => {
    handler = pages(repositories, 'repositories', () => '');
    assert.deepEqual(await client().catalog({ pageSize: 2, limit: 3 }), repositories.slice(0, 3));
    assert.equal(requests.length, 2);
  });

  it('lists the tags of a repository; null tags (all deleted) are none', async () => {
    handler = (url, res) => (url.pathname === '/v2/team/app-1/tags/list' ? json(res, 200, { name: 'team/app-1', tags: ['1.0', 'latest'] }) : json(res, 200, { name: 'x', tags: null }));
    assert.deepEqual(await client().tags('team/app-1'), ['1.0', 'latest']);
    assert.deepEqual(await client().tags('team/gone'), []);
    assert.equal(requests[0].searchParams.get('n'), '1000');
  });

  it('pages tags too', async () => {
    const tags = ['1', '2', '3', '4', '5'];
    handler = pages(tags, 'tags', () => '');
    assert.deepEqual(await client().tags('team/app-1', { pageSize: 2 }), tags);
    assert.equal(requests.length, 3);
  });

  for (const [answer, body] of [['not JSON', '<html>proxy login</html>'], ['not a list', { repositories: 'team/app' }], ['a list of non-names', { repositories: [1, 2] }]] as const) {
    it(`refuses a catalog page that is ${answer}`, async () => {
      handler = (_url, res) => json(res, 200, body);
      await assert.rejects(client().catalog(), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'unavailable');
        assert.match(err.message, /answered the repository catalog with something other than a JSON 'repositories' list of names/);
        return true;
      });
    });
  }

  it('says not-found where the registry has no catalog, unauthorized where it wants a login', async () => {
    handler = (_url, res) => json(res, 404, { errors: [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }] });
    await assert.rejects(client().catalog(), { code: 'not-found', message: /the repository catalog was not found in 127\.0\.0\.1:\d+ \(UNSUPPORTED/ });
    handler = (_url, res) => json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': 'Basic realm="test"' });
    await assert.rejects(client().catalog(), { code: 'unauthorized', message: /requires authentication for the repository catalog/ });
  });
});

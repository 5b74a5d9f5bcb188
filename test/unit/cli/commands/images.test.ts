import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { imageFilter, splitTag } from '../../../../src/runtime/cli/commands/images';
import { ImageSummary } from '../../../../src/runtime/cli/engine-port';
import { fakeEngine, runBerth, summary } from '../fake-engine';

const BUSYBOX: ImageSummary = {
  id: 'sha256:' + '1'.repeat(64),
  repoTags: ['busybox:latest', 'localhost:5000/busybox:1.36'],
  repoDigests: ['busybox@sha256:' + '9'.repeat(64)],
  created: '2026-11-21T16:00:00Z',
  size: 4_260_000,
  labels: { maintainer: 'me' },
};
const DANGLING: ImageSummary = { id: 'sha256:' + '2'.repeat(64), repoTags: [], created: '2026-11-22T16:00:00Z', size: 1000 };

describe('images', () => {
  const engine = () => fakeEngine({ images: [BUSYBOX, DANGLING] });

  it('prints one row per tag, and <none> for dangling images', async () => {
    const out = await runBerth(['images'], engine());
    assert.equal(
      out.stdout,
      'REPOSITORY               TAG       IMAGE ID       CREATED        SIZE\n' +
        'busybox                  latest    111111111111   2 days ago     4.26MB\n' +
        'localhost:5000/busybox   1.36      111111111111   2 days ago     4.26MB\n' +
        '<none>                   <none>    222222222222   24 hours ago   1kB\n',
    );
  });

  it('shows digests, unique ids with -q, full ids with --no-trunc', async () => {
    assert.match((await runBerth(['images', '--digests'], engine())).stdout, /^REPOSITORY +TAG +DIGEST +IMAGE ID/);
    assert.match((await runBerth(['images', '--digests'], engine())).stdout, new RegExp(`busybox +latest +sha256:${'9'.repeat(64)} `));
    assert.equal((await runBerth(['images', '-q'], engine())).stdout, '111111111111\n222222222222\n');
    assert.equal((await runBerth(['image', 'ls', '-q', '--no-trunc', '--filter', 'dangling=true'], engine())).stdout, `${DANGLING.id}\n`);
  });

  it('filters by reference (also as the argument), label, before and since', async () => {
    assert.equal((await runBerth(['images', '--format', '{{.Repository}}:{{.Tag}}', 'busy*'], engine())).stdout, 'busybox:latest\nlocalhost:5000/busybox:1.36\n');
    assert.equal((await runBerth(['images', '-q', '-f', 'label=maintainer=me'], engine())).stdout, '111111111111\n');
    assert.equal((await runBerth(['images', '-q', '-f', 'since=busybox'], engine())).stdout, '222222222222\n');
    assert.equal((await runBerth(['images', '-q', '-f', 'before=222222'], engine())).stdout, '111111111111\n');
    assert.throws(() => imageFilter(['colour=red'], []), /invalid filter/);
  });

  it('splits tags after the registry port', () => {
    assert.deepEqual(splitTag('localhost:5000/app:1.0'), ['localhost:5000/app', '1.0']);
    assert.deepEqual(splitTag('localhost:5000/app'), ['localhost:5000/app', '<none>']);
  });
});

describe('history', () => {
  it("prints docker's columns, <missing> for inner layers, and truncates CREATED BY", async () => {
    const engine = fakeEngine();
    engine.imageHistory = async () => [
      { id: BUSYBOX.id, created: '2026-11-22T16:00:00Z', createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', size: 0, emptyLayer: true },
      { created: '2026-11-21T16:00:00Z', createdBy: '/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef in / ', size: 4_260_000, comment: 'imported' },
    ];
    const out = await runBerth(['history', 'busybox'], engine);
    assert.equal(
      out.stdout,
      'IMAGE          CREATED        CREATED BY                                      SIZE      COMMENT\n' +
        '111111111111   24 hours ago   /bin/sh -c #(nop)  CMD ["sh"]                   0B        \n' +
        '<missing>      2 days ago     /bin/sh -c #(nop) ADD file:0123456789abcdef0…   4.26MB    imported\n',
    );
    assert.equal((await runBerth(['history', '-q', 'busybox'], engine)).stdout, '111111111111\n<missing>\n');
    assert.match((await runBerth(['history', '-H=false', '--no-trunc', '--format', '{{.CreatedSince}} {{.Size}}', 'busybox'], engine)).stdout, /^2026-11-22T16:00:00Z 0\n/);
  });
});

describe('tag, rmi and image prune', () => {
  it('tag passes both references', async () => {
    const engine = fakeEngine();
    assert.equal((await runBerth(['tag', 'busybox', 'mine:1'], engine)).code, 0);
    assert.deepEqual(engine.calls[0], ['tagImage', 'busybox', 'mine:1']);
  });

  it('rmi reports what was untagged and deleted, per image', async () => {
    const engine = fakeEngine();
    const out = await runBerth(['rmi', '-f', 'busybox:latest'], engine);
    assert.equal(out.stdout, `Untagged: busybox:latest\nDeleted: sha256:${'b'.repeat(64)}\n`);
    assert.deepEqual(engine.calls[0], ['removeImages', ['busybox:latest'], { force: true }]);
  });

  it('image prune confirms, then reports the space reclaimed', async () => {
    const engine = fakeEngine();
    const out = await runBerth(['image', 'prune', '-a'], engine, { input: 'yes\n' });
    assert.match(out.stdout, /without at least one container associated to them/);
    assert.match(out.stdout, new RegExp(`Deleted Images:\ndeleted: sha256:${'d'.repeat(64)}\n\nTotal reclaimed space: 2MB\n$`));
    assert.deepEqual(engine.calls[0], ['pruneImages', { all: true }]);
  });
});

describe('load, save, import and commit', () => {
  it('load reads -i or piped stdin and names what it loaded', async () => {
    const engine = fakeEngine();
    const out = await runBerth(['load', '-i', '/tmp/busybox.tar'], engine);
    assert.equal(out.stdout, `Loaded image: busybox:latest\nLoaded image ID: sha256:${'e'.repeat(64)}\n`);
    await runBerth(['load', '-q'], engine);
    assert.deepEqual(engine.calls.map((c) => c[1]), ['/tmp/busybox.tar', 'stream']);
    const tty = await runBerth(['load'], engine, { stdinIsTTY: true });
    assert.equal(tty.code, 1);
    assert.match(tty.stderr, /STDIN is a terminal/);
  });

  it('save refuses to write an archive to a terminal', async () => {
    const engine = fakeEngine();
    engine.saveImages = async () => undefined;
    const out = await runBerth(['save', 'busybox'], engine, { stdoutIsTTY: true });
    assert.equal(out.code, 125);
    assert.match(out.stderr, /cowardly refusing to save to a terminal/);
    assert.match((await runBerth(['save', '--format', 'zip', '-o', 'x', 'busybox'], engine)).stderr, /unknown archive format/);
  });

  it('import takes a file, a directory or -, with --change and -m, and prints the id', async () => {
    const engine = fakeEngine();
    const out = await runBerth(['import', '-c', 'CMD ["sh"]', '-m', 'hi', '-', 'mine:1'], engine);
    assert.equal(out.stdout, `sha256:${'f'.repeat(64)}\n`);
    assert.deepEqual(engine.calls[0], ['importImage', 'stream', 'mine:1', { changes: ['CMD ["sh"]'], message: 'hi' }]);
    assert.match((await runBerth(['import', 'https://example.com/x.tar'], engine)).stderr, /not URLs/);
  });

  it('commit passes the reference, changes, message and author', async () => {
    const engine = fakeEngine({ containers: [summary('a'.repeat(64), 'web')] });
    const out = await runBerth(['commit', '-a', 'me', '-c', 'ENV A=1', 'web', 'snap:1'], engine);
    assert.equal(out.stdout, `sha256:${'a'.repeat(64)}\n`);
    assert.deepEqual(engine.calls[0], ['commitContainer', 'web', { changes: ['ENV A=1'], reference: 'snap:1', author: 'me', pause: true }]);
  });

  it('says which engine method is missing rather than crashing', async () => {
    const engine = fakeEngine();
    delete engine.saveImages;
    const out = await runBerth(['save', '-o', '/tmp/x.tar', 'busybox'], engine);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /cannot do that yet: its runtime has no saveImages\(\)/);
  });
});

describe('inspect', () => {
  const engine = () => fakeEngine({ containers: [summary('a'.repeat(64), 'web')], images: [BUSYBOX] });

  it('looks up containers, then images, and prints one JSON array', async () => {
    const out = await runBerth(['inspect', 'web', 'busybox:latest'], engine());
    const objects = JSON.parse(out.stdout) as { Id: string }[];
    assert.deepEqual(objects.map((o) => o.Id), ['a'.repeat(64), BUSYBOX.id]);
    assert.match(out.stdout, /^\[\n {4}\{\n {8}"Id"/);
  });

  it('reports what it cannot find and still prints the rest', async () => {
    const out = await runBerth(['inspect', '-f', '{{.Id}}', 'ghost', 'web'], engine());
    assert.equal(out.code, 1);
    assert.equal(out.stdout, `${'a'.repeat(64)}\n`);
    assert.match(out.stderr, /No such object: ghost/);
  });

  it('keeps to one type with --type or the management form, and adds sizes with -s', async () => {
    assert.match((await runBerth(['inspect', '--type', 'image', 'web'], engine())).stderr, /No such image: web/);
    assert.match((await runBerth(['container', 'inspect', 'busybox:latest'], engine())).stderr, /No such container/);
    assert.equal((await runBerth(['container', 'inspect', '-s', '-f', '{{.SizeRw}}', 'web'], engine())).stdout, '1000\n');
    assert.match((await runBerth(['inspect', '--type', 'volume', 'web'], engine())).stderr, /not a valid value for --type/);
  });
});

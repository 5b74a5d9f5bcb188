/**
 * Every Dockerfile instruction, each image checked by its config and by running it.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { IMAGE } from '../runtime/support';
import { buildWith, configOf, makeContext, runIn, useTestStore } from './support';

describe('berth build: instructions', () => {
  const store = useTestStore();

  it('sets the config from ENV, ARG, LABEL, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, ENTRYPOINT, CMD, SHELL, MAINTAINER', async () => {
    const ctx = makeContext({
      Dockerfile: `FROM ${IMAGE}
MAINTAINER someone@example.com
ENV A=1 B="x y"
ENV C=$A-\${B}
ARG V=3
LABEL l1=v1 "l 2"="v 2"
WORKDIR /app
WORKDIR sub
RUN echo "$V $A" > v.txt
USER 1000:1000
EXPOSE 80 53/udp
VOLUME ["/data", "/cache"]
STOPSIGNAL SIGQUIT
HEALTHCHECK --interval=5s --retries=2 CMD wget -q localhost || exit 1
SHELL ["/bin/sh", "-ec"]
ENTRYPOINT ["/bin/sh", "-c"]
CMD echo hi
`,
    });
    const { id, events } = await buildWith(store, ctx, { tags: ['cfg:1', 'cfg:2'] });
    const c = await configOf(store, 'cfg:1');
    assert.deepEqual(c.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=1', 'B=x y', 'C=1-x y']);
    assert.deepEqual(c.Labels, { l1: 'v1', 'l 2': 'v 2' });
    assert.equal(c.WorkingDir, '/app/sub');
    assert.equal(c.User, '1000:1000');
    assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
    assert.deepEqual(c.Volumes, { '/data': {}, '/cache': {} });
    assert.equal(c.StopSignal, 'SIGQUIT');
    assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'wget -q localhost || exit 1'], Interval: 5e9, Retries: 2 });
    assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c']);
    assert.deepEqual(c.Cmd, ['/bin/sh', '-ec', 'echo hi']);
    assert.equal((await store.engine.inspectImage('cfg:2')).Id, id);
    assert.equal((await store.engine.inspectImage(id)).Author, 'someone@example.com');
    const history = await store.engine.imageHistory(id);
    assert.ok(history.some((h) => h.createdBy === '|1 V=3 /bin/sh -c echo "$V $A" > v.txt'), JSON.stringify(history.map((h) => h.createdBy)));
    assert.ok(history.some((h) => h.createdBy === '/bin/sh -c #(nop) USER 1000:1000' && h.emptyLayer));
    assert.equal((await runIn(store, id, 'cat /app/sub/v.txt; pwd; id -u', ['--entrypoint', ''])).trim(), '3 1\n/app/sub\n1000');
    assert.ok(events.every((e) => e.type !== 'step.failed'));
  });

  it('runs exec-form RUN, heredocs and a SHELL of its own', async () => {
    const ctx = makeContext({
      Dockerfile: `FROM ${IMAGE}
RUN ["/bin/sh", "-c", "echo exec > /exec"]
RUN <<EOF
echo one > /heredoc
echo two >> /heredoc
EOF
RUN cat > /fed <<EOT
fed $HOME
EOT
SHELL ["/bin/sh", "-c", "-x"]
RUN echo shelled > /shelled
`,
    });
    const { id } = await buildWith(store, ctx);
    assert.equal(await runIn(store, id, 'cat /exec /heredoc /fed /shelled'), 'exec\none\ntwo\nfed /root\nshelled\n');
  });

  it('COPY: files, directories, globs, --chown, --chmod, --parents, --exclude, heredocs and .dockerignore', async () => {
    const ctx = makeContext({
      Dockerfile: `FROM ${IMAGE}
COPY a.txt /single
COPY dir /copied/
COPY *.md /docs/
COPY --chown=1000:2000 --chmod=640 a.txt /owned
COPY --chown=nobody:nogroup a.txt /named
COPY --parents dir/sub/deep.txt /parents/
COPY --exclude=*.log dir /excluded/
COPY <<EOF /inline.txt
inline $HOSTNAME
EOF
COPY . /all/
`,
      'a.txt': 'A\n',
      'x.md': 'X',
      'y.md': 'Y',
      'dir/one.txt': '1',
      'dir/skip.log': 'log',
      'dir/sub/deep.txt': 'deep',
      'secret.key': 'nope',
      'keep/keep.txt': 'k',
      'keep/drop.tmp': 'd',
      '.dockerignore': 'secret.key\n**/*.tmp\n',
      'exec.sh': { data: '#!/bin/sh\necho x\n', mode: 0o755 },
    });
    const { id } = await buildWith(store, ctx);
    const out = await runIn(
      store,
      id,
      'cat /single; ls /copied /copied/sub /docs; stat -c "%u:%g %a" /owned /named /single; ls /parents/dir/sub; ls /excluded; cat /inline.txt; ls -a /all | tr "\\n" " "; stat -c %a /all/exec.sh',
    );
    assert.equal(
      out,
      'A\n' +
        '/copied:\none.txt\nskip.log\nsub\n\n/copied/sub:\ndeep.txt\n\n' +
        '/docs:\nx.md\ny.md\n' +
        '1000:2000 640\n65534:65534 644\n0:0 644\n' +
        'deep.txt\n' +
        'one.txt\nsub\n' +
        'inline \n' +
        '. .. .dockerignore Dockerfile a.txt dir exec.sh keep x.md y.md 755\n',
    );
    assert.equal((await runIn(store, id, 'ls /all/keep')).trim(), 'keep.txt');
  });

  it('COPY through a symlinked directory of the base writes into its target', async () => {
    const ctx = makeContext({ Dockerfile: `FROM ${IMAGE}\nRUN mkdir -p /real && ln -s /real /link\nCOPY a.txt /link/\n`, 'a.txt': 'via link' });
    const { id } = await buildWith(store, ctx);
    assert.equal(await runIn(store, id, 'cat /real/a.txt; test -L /link && echo still-a-link'), 'via linkstill-a-link\n');
  });

  it('ADD: extracts local tars (plain and gzip), keeps other files, fails clearly offline, checks --checksum', async () => {
    const ctx = makeContext({ 'payload/f.txt': 'in tar', 'plain.bin': 'not a tar' });
    execFileSync('tar', ['-C', path.join(ctx, 'payload'), '-cf', path.join(ctx, 'p.tar'), '.']);
    execFileSync('tar', ['-C', path.join(ctx, 'payload'), '-czf', path.join(ctx, 'p.tgz'), '.']);
    const dockerfile = `FROM ${IMAGE}\nADD p.tar /x/\nADD p.tgz /y\nADD plain.bin /z/\nADD --chown=5:6 p.tar /owned/\n`;
    const { id } = await buildWith(store, ctx, { dockerfile });
    assert.equal(await runIn(store, id, 'cat /x/f.txt /y/f.txt /z/plain.bin; stat -c %u:%g /owned/f.txt'), 'in tarin tarnot a tar5:6\n');
    await assert.rejects(buildWith(store, ctx, { dockerfile: `FROM ${IMAGE}\nADD http://127.0.0.1:9/file.txt /f\n` }), /Dockerfile:2:1: .*ADD http:\/\/127\.0\.0\.1:9\/file\.txt: the download failed/);
    await assert.rejects(buildWith(store, ctx, { dockerfile: `FROM ${IMAGE}\nADD --checksum=sha256:${'0'.repeat(64)} http://127.0.0.1:9/f /f\n` }), /download failed/);
  });

  it('multi-stage: --target builds only what it needs, COPY --from a stage and an image, FROM an earlier stage', async () => {
    const ctx = makeContext({
      Dockerfile: `FROM ${IMAGE} AS base
ENV FROM_BASE=yes
RUN echo base > /base.txt

FROM base AS builder
RUN echo built > /artifact

FROM ${IMAGE} AS unused
RUN exit 1

FROM ${IMAGE} AS final
COPY --from=builder /artifact /artifact
COPY --from=0 /base.txt /base.txt
COPY --from=${IMAGE} /bin/busybox /copied-busybox
COPY --link a.txt /linked/a.txt

FROM final AS later
RUN exit 3
`,
      'a.txt': 'linked',
    });
    const { id } = await buildWith(store, ctx, { target: 'final' });
    assert.equal(await runIn(store, id, 'cat /artifact /base.txt /linked/a.txt; test -x /copied-busybox && echo ok'), 'built\nbase\nlinkedok\n');
    const builder = await buildWith(store, ctx, { target: 'builder' });
    assert.ok((await configOf(store, builder.id)).Env.includes('FROM_BASE=yes'));
  });

  it('build args: --build-arg, global ARG in FROM, predefined platform args', async () => {
    const ctx = makeContext({
      Dockerfile: `ARG BASE=${IMAGE}
FROM $BASE
ARG TARGETARCH
ARG GREETING=hello
ARG BASE
RUN echo "$GREETING $TARGETARCH $BASE" > /args
`,
    });
    const { id } = await buildWith(store, ctx, { buildArgs: { GREETING: 'bonjour' } });
    const arch = process.arch === 'x64' ? 'amd64' : process.arch;
    assert.equal(await runIn(store, id, 'cat /args'), `bonjour ${arch} ${IMAGE}\n`);
  });

  it('ONBUILD triggers are stored and run by a child build', async () => {
    const parent = makeContext({ Dockerfile: `FROM ${IMAGE}\nONBUILD COPY marker /marker\nONBUILD RUN echo triggered > /triggered\n` });
    await buildWith(store, parent, { tags: ['onbuild-parent'] });
    assert.deepEqual((await configOf(store, 'onbuild-parent')).OnBuild, ['COPY marker /marker', 'RUN echo triggered > /triggered']);
    const child = makeContext({ Dockerfile: 'FROM onbuild-parent\nRUN cat /marker\n', marker: 'child file' });
    const { id } = await buildWith(store, child);
    assert.equal(await runIn(store, id, 'cat /marker; cat /triggered'), 'child filetriggered\n');
    assert.ok(!(await configOf(store, id)).OnBuild?.length);
  });

  it('RUN --mount: cache persists between builds, bind reads the context, tmpfs is empty and gone, secret is readable and not kept', async () => {
    const secretFile = path.join(makeContext({ s: 'top-secret' }), 's');
    const ctx = makeContext({
      Dockerfile: `FROM ${IMAGE}
ARG N
RUN --mount=type=cache,target=/cache echo $N >> /cache/log && cat /cache/log | wc -l > /count
RUN --mount=type=bind,source=data,target=/mnt cat /mnt/d.txt > /bound
RUN --mount=type=tmpfs,target=/scratch touch /scratch/x && ls /scratch > /tmpfs-saw
RUN --mount=type=secret,id=tok cat /run/secrets/tok > /secret-len && wc -c < /run/secrets/tok > /secret-len
`,
      'data/d.txt': 'bound data',
    });
    const first = await buildWith(store, ctx, { buildArgs: { N: '1' }, secrets: { tok: { file: secretFile } } });
    const second = await buildWith(store, ctx, { buildArgs: { N: '2' }, secrets: { tok: { file: secretFile } } });
    assert.equal((await runIn(store, first.id, 'cat /count')).trim(), '1');
    assert.equal(await runIn(store, second.id, 'cat /count /bound; echo; cat /tmpfs-saw /secret-len; test -e /scratch || test -e /run/secrets || echo no-mount-points'), '2\nbound data\nx\n10\nno-mount-points\n');
  });

  it('RUN --network=host sees the host network; the default is none', async () => {
    const ctx = makeContext({ Dockerfile: `FROM ${IMAGE}\nRUN --network=host ls /sys/class/net > /host-nets\nRUN ls /sys/class/net > /none-nets\n` });
    const { id } = await buildWith(store, ctx);
    const hostNets = fs.readdirSync('/sys/class/net').sort().join('\n');
    assert.equal((await runIn(store, id, 'cat /host-nets')).trim(), hostNets);
    assert.equal((await runIn(store, id, 'cat /none-nets')).trim(), 'lo');
  });

  it('FROM scratch, and deletions in RUN become whiteouts', async () => {
    const ctx = makeContext({ 'pkg.json': '{}' });
    const { id } = await buildWith(store, ctx, { dockerfile: `FROM ${IMAGE}\nRUN rm /bin/ls /etc/passwd\n` });
    assert.equal(await runIn(store, id, 'test -e /bin/ls || echo gone; test -e /etc/passwd || echo gone'), 'gone\ngone\n');
    const scratch = await buildWith(store, ctx, { dockerfile: 'FROM scratch\nCOPY pkg.json /\nCMD ["/x"]\n' });
    const c = await configOf(store, scratch.id);
    assert.deepEqual(c.Cmd, ['/x']);
    assert.equal(((await store.engine.inspectImage(scratch.id)).RootFS as { Layers: string[] }).Layers.length, 1);
  });
});

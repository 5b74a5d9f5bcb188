/**
 * Parity with buildah (issue 6): the same Dockerfiles built by Berth and by
 * `buildah bud --layers` from the same busybox base, and the two images compared by their
 * config fields, their history (created_by, empty_layer) and, layer by layer, their file
 * lists (path, type, mode, uid/gid, size, link target, whiteouts), timestamps aside.
 *
 * buildah gets a private storage dir, `--format docker` (its default OCI format drops
 * Healthcheck, OnBuild and Shell), and runs RUN steps with runc and explicit rlimits: crun
 * refuses this machine's hybrid cgroups and the hard limits are below buildah's defaults
 * (see bench/build.mjs and ../../../shared/ENVIRONMENT.md). It runs as root and rootless.
 *
 * Where Berth differs on purpose the difference is asserted explicitly:
 * see `withoutMountTargets` and each case's `differences` and `layerDifferences`.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import * as tar from 'tar-stream';
import { REPO } from '../runtime/support';
import { type TestStore, buildWith, makeContext, openTestStore } from './support';

/**
 * The base: test/fixtures' busybox tarred with root-owned files, as real images are (the
 * suites' busybox:test, tarred rootless, is owned by the test user inside the image).
 */
const IMAGE = 'parity-base:latest';

const buildahVersion = spawnSync('buildah', ['--version'], { encoding: 'utf8' });
const SKIP = buildahVersion.status === 0 ? false : 'buildah is not installed (apt-get install buildah): parity with buildah not checked';

interface Entry {
  path: string;
  type: string;
  mode: string;
  uid: number;
  gid: number;
  size?: number;
  link?: string;
}

interface Archive {
  config: Record<string, any>;
  diffIds: string[];
  layers: Entry[][];
}

/** Every entry of a tar held in memory, tar-stream's headers kept. */
async function tarEntries(data: Buffer): Promise<{ header: tar.Header; body: Buffer }[]> {
  const out: { header: tar.Header; body: Buffer }[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.push({ header, body: Buffer.concat(chunks) });
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([data[0] === 0x1f && data[1] === 0x8b ? zlib.gunzipSync(data) : data]).pipe(extract);
  await done;
  return out;
}

/** A docker-archive's config and each layer's entries, normalized and sorted by path. */
async function readDockerArchive(file: string): Promise<Archive> {
  const files = new Map((await tarEntries(fs.readFileSync(file))).map((e) => [e.header.name.replace(/^\.\//, ''), e.body]));
  const manifest = JSON.parse(files.get('manifest.json')!.toString())[0];
  const config = JSON.parse(files.get(manifest.Config)!.toString());
  const layers: Entry[][] = [];
  for (const name of manifest.Layers as string[]) {
    const entries = (await tarEntries(files.get(name)!)).map(({ header: h }): Entry => {
      const p = h.name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
      const base = path.posix.basename(p);
      const type = base === '.wh..wh..opq' ? 'opaque' : base.startsWith('.wh.') ? 'whiteout' : h.type!;
      const e: Entry = { path: p, type, mode: ((h.mode ?? 0) & 0o7777).toString(8), uid: h.uid ?? 0, gid: h.gid ?? 0 };
      if (type === 'whiteout' || type === 'opaque') return { path: p, type } as Entry; // modes and owners of markers mean nothing
      if (h.type === 'file') e.size = h.size;
      if (h.linkname) e.link = h.linkname.replace(/^\.?\/+/, h.type === 'link' ? '' : '/');
      return e;
    });
    layers.push(entries.filter((e) => e.path !== '').sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
  }
  return { config, diffIds: config.rootfs.diff_ids, layers };
}

/** Unset, empty string, list or map: the same to a runtime (buildah writes `Volumes: {}`). */
function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (typeof v === 'object' && Object.keys(v as object).length === 0);
}

/** The config fields the issue names, buildah's own version label left out. */
function configFields(image: Record<string, any>): Record<string, unknown> {
  const c = image.config ?? {};
  const labels = { ...(c.Labels ?? {}) };
  delete labels['io.buildah.version'];
  const fields = ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes', 'Healthcheck', 'StopSignal', 'OnBuild', 'Shell'];
  const out: Record<string, unknown> = { Labels: isEmpty(labels) ? undefined : labels, architecture: image.architecture, os: image.os, author: image.author || undefined };
  for (const f of fields) {
    const v = c[f];
    out[f] = isEmpty(v) ? undefined : v;
  }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/**
 * History entries: created_by and empty_layer (buildah's `comment: FROM <parent>` is its
 * own). COPY and ADD record `<file|dir|multi>:<digest of the sources>` as Docker does, but
 * each tool hashes its own way: the kind is compared, the digest is not.
 */
function historyOf(image: Record<string, any>): History[] {
  return (image.history ?? []).map((h: any) => ({ createdBy: (h.created_by ?? '').replace(/ (file|dir|multi):[0-9a-f]{64} in /, ' $1:<digest> in '), empty: !!h.empty_layer }));
}

interface History {
  createdBy: string;
  empty: boolean;
}

/** Replaces buildah's created_by at `index` (asserted first) by what Berth, like Docker, writes. */
function replaceHistory(history: History[], index: number, buildahText: string, berthText: string): void {
  assert.equal(history[index].createdBy, buildahText);
  history[index].createdBy = berthText;
}

/**
 * What buildah's RUN layers hold that Berth's don't, on purpose: buildah creates
 * /etc/hostname, /etc/hosts, /etc/resolv.conf (empty, 0755) and /run in the rootfs as
 * bind-mount targets and commits them with the step's changes. Berth mounts those outside
 * the committed layer, so a RUN's layer holds only what the command changed. Dropped from
 * buildah's side (with /etc when nothing else under it changed) before comparing.
 */
function withoutMountTargets(layer: Entry[], baseHasRun: boolean): Entry[] {
  const placeholders = new Set(['etc/hostname', 'etc/hosts', 'etc/resolv.conf']);
  let rest = layer.filter((e) => !(placeholders.has(e.path) && e.type === 'file' && e.size === 0 && e.mode === '755'));
  if (!baseHasRun) rest = rest.filter((e) => !(e.path === 'run' && e.type === 'directory' && !rest.some((o) => o.path.startsWith('run/'))));
  if (!rest.some((e) => e.path.startsWith('etc/'))) rest = rest.filter((e) => !(e.path === 'etc' && e.type === 'directory'));
  return rest;
}

interface Case {
  name: string;
  files: Record<string, string | { data: string; mode: number }>;
  /** Build args for both tools. */
  args?: Record<string, string>;
  /**
   * Where Berth differs from buildah on purpose: turns buildah's config fields into what
   * Berth writes, asserting buildah's value first so a change on either side shows.
   */
  differences?: (theirs: Record<string, any>, history: History[]) => void;
  /** The same for layer `index`'s file lists: may edit buildah's (`theirs`) or Berth's (`ours`). */
  layerDifferences?: (index: number, theirs: Entry[], ours: Entry[]) => void;
}

const CASES: Case[] = [
  {
    name: 'config',
    files: {
      Dockerfile: `FROM ${IMAGE}
ENV P=one Q="two words"
ARG V=3
ENV R=\${P}_$Q
LABEL org.example.a=1 "with space"="v 2"
WORKDIR /srv
WORKDIR inner
USER 1234:5678
EXPOSE 8080 5353/udp 443/tcp
VOLUME ["/vol", "/cache"]
STOPSIGNAL SIGQUIT
HEALTHCHECK --interval=5s --timeout=3s --start-period=1s --retries=2 CMD wget -q localhost || exit 1
SHELL ["/bin/sh", "-ec"]
ONBUILD RUN echo triggered > /onbuild
ONBUILD ENV FROM_ONBUILD=1
ENTRYPOINT ["/bin/sh", "-c"]
CMD echo $V hi
`,
    },
    // A shell-form CMD after SHELL: Docker (and Berth) wrap it in the SHELL in force;
    // buildah always uses /bin/sh -c.
    differences: (theirs) => {
      assert.deepEqual(theirs.Cmd, ['/bin/sh', '-c', 'echo $V hi']);
      theirs.Cmd = ['/bin/sh', '-ec', 'echo $V hi'];
    },
  },
  {
    name: 'run-changes',
    files: {
      Dockerfile: `FROM ${IMAGE}
RUN mkdir -p /data/sub /data/gone && echo a > /data/a && ln -s a /data/l && ln /data/a /data/h && echo g > /data/gone/g && mkfifo /data/fifo
RUN echo b >> /data/a && chmod 600 /data/a && chown 1000:2000 /data/sub && rm /data/h && rm -r /data/gone && rm /etc/group && touch /tmp/t
RUN rm -rf /usr/sbin && mkdir /usr/sbin && echo new > /usr/sbin/only && ln -sf /nowhere /data/l
ARG X=7
RUN echo $X > /x && chmod 4755 /x
`,
    },
    // Layer 3 re-makes /usr/sbin: both mark it opaque (usr/sbin/.wh..wh..opq).
  },
  {
    name: 'copy-add',
    files: {
      Dockerfile: `FROM ${IMAGE}
COPY a.txt /app/
COPY --chown=1000:1000 dir /app/dir
COPY --chmod=0640 run.sh /app/run.sh
COPY --chown=7:8 --chmod=750 run.sh a.txt /app/both/
ADD --chown=3:4 dir /app/added
ADD files.tar /ext/
COPY run.sh /app/run.sh
`,
      'a.txt': 'aaa\n',
      'run.sh': { data: '#!/bin/sh\necho run\n', mode: 0o755 },
      'dir/x': 'x\n',
      'dir/sub/y': { data: 'yy\n', mode: 0o600 },
    },
    layerDifferences: (index, _theirs, ours) => {
      if (index !== 6) return;
      // ADD of a tar to a new /ext/: Berth writes /ext once as the new parent (0:0) and
      // again from the archive's own './' entry (5:6), which wins when the layer is
      // applied: the same tree as buildah's single /ext entry.
      assert.deepEqual(ours.filter((e) => e.path === 'ext'), [
        { path: 'ext', type: 'directory', mode: '755', uid: 0, gid: 0 },
        { path: 'ext', type: 'directory', mode: '755', uid: 5, gid: 6 },
      ]);
      ours.splice(ours.findIndex((e) => e.path === 'ext'), 1);
    },
  },
  {
    name: 'multi-stage',
    files: {
      Dockerfile: `FROM ${IMAGE} AS build
WORKDIR /src
RUN mkdir -p out/deep && echo x > out/x && echo d > out/deep/d && chmod 700 out/deep && ln -s x out/lx
FROM ${IMAGE} AS unused
RUN echo never > /never
FROM ${IMAGE}
COPY --from=build /src/out /dst
COPY --from=build --chown=2:2 /src/out/x /y
COPY --from=build --chmod=600 /src/out/deep/d /dd
`,
    },
  },
  {
    // Files the first stage keeps private (rootless, Berth reads them through the helper's
    // tree agent): copied with their owners, modes and content.
    name: 'multi-stage-private',
    files: {
      Dockerfile: `FROM ${IMAGE} AS build
RUN mkdir -p /data/sub /priv && echo s > /data/f && echo g > /data/sub/g && ln -s f /data/l && chown -R 1000:1000 /data && chown -h 1001:1002 /data/l && chmod 700 /data /data/sub && chmod 600 /data/f && echo n > /priv/n && chmod 000 /priv/n && chmod 700 /priv
FROM ${IMAGE}
RUN mkdir /dst /dst2 && chmod 751 /dst
COPY --from=build /data/. /dst/
COPY --from=build /data/f /single
COPY --from=build /priv/. /dst2/
COPY --from=build --chown=2:3 /data/. /dst2/
`,
    },
  },
  {
    name: 'user-workdir-shell',
    files: {
      Dockerfile: `FROM ${IMAGE}
ENV DIR=/w
WORKDIR $DIR/x
USER 1000:1000
RUN touch /tmp/u && echo hi > /tmp/u2
USER root
SHELL ["/bin/sh", "-c", "-e"]
RUN mkdir /s && echo shell > /s/f
ARG A1=1
ARG A2
RUN echo "$A1 $A2" > /args
CMD ["/bin/sh"]
`,
    },
    args: { A2: 'two' },
    differences: (_config, history) => {
      // A RUN under SHELL: Docker (and Berth) record the shell actually used; buildah
      // always writes /bin/sh -c.
      replaceHistory(history, 7, '/bin/sh -c mkdir /s && echo shell > /s/f', '/bin/sh -c -e mkdir /s && echo shell > /s/f');
      replaceHistory(history, 10, '|2 A1=1 A2=two /bin/sh -c echo "$A1 $A2" > /args', '|2 A1=1 A2=two /bin/sh -c -e echo "$A1 $A2" > /args');
      // Each ARG's entry: Docker (and Berth) name that instruction's args; buildah lists
      // every ARG declared so far in the stage.
      replaceHistory(history, 9, '/bin/sh -c #(nop) ARG A1 A2', '/bin/sh -c #(nop) ARG A2');
    },
    layerDifferences: (index, theirs) => {
      if (index !== 1) return;
      // Both make WORKDIR's missing directories in the next RUN's layer, but buildah owns
      // them by the RUN's user (USER 1000 came later); Berth, like Docker, by the user in
      // force at the WORKDIR instruction (root).
      for (const p of ['w', 'w/x']) {
        const e = theirs.find((x) => x.path === p)!;
        assert.deepEqual([e.uid, e.gid], [1000, 1000]);
        Object.assign(e, { uid: 0, gid: 0 });
      }
    },
  },
];

describe('berth build: parity with buildah bud --layers', { skip: SKIP }, () => {
  let store: TestStore;
  let work: string;
  let buildahArgs: string[];
  const buildah = (...args: string[]) => execFileSync('buildah', [...buildahArgs, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).trim();

  before(async () => {
    store = await openTestStore();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-parity-'));
    buildahArgs = ['--root', path.join(work, 'buildah', 'root'), '--runroot', path.join(work, 'buildah', 'run'), '--storage-driver', 'overlay'];
    execFileSync('bash', [path.join(REPO, 'test', 'fixtures', 'make-busybox-rootfs.sh'), path.join(work, 'rootfs')], { stdio: 'ignore' });
    execFileSync('tar', ['-C', path.join(work, 'rootfs'), '--owner=0', '--group=0', '--numeric-owner', '-cf', path.join(work, 'rootfs.tar'), '.']);
    await store.engine.importImage(path.join(work, 'rootfs.tar'), IMAGE);
    const base = path.join(work, 'busybox.tar');
    await store.engine.saveImages([IMAGE], base, { format: 'docker-archive' });
    buildah('pull', '-q', `docker-archive:${base}`);
    buildah('tag', `localhost/${IMAGE}`, `docker.io/library/${IMAGE}`);
  });

  after(async () => {
    await store?.engine.removeImages([IMAGE], { force: true }).catch(() => undefined);
    if (buildahArgs) {
      spawnSync('buildah', [...buildahArgs, 'rm', '--all'], { stdio: 'ignore' });
      spawnSync('buildah', [...buildahArgs, 'rmi', '--all', '--force'], { stdio: 'ignore' });
      // Rootless, buildah's layers are owned by subordinate ids: remove them in its namespace.
      if (process.getuid?.() !== 0) spawnSync('buildah', [...buildahArgs, 'unshare', 'rm', '-rf', path.join(work, 'buildah')], { stdio: 'ignore' });
    }
    fs.rmSync(work, { recursive: true, force: true });
    await store?.dispose();
  });

  async function both(c: Case): Promise<{ berth: Archive; buildah: Archive }> {
    const ctx = makeContext(c.files);
    if (String(c.files['Dockerfile']).includes('files.tar')) {
      fs.mkdirSync(path.join(ctx, 'tarsrc', 'in'), { recursive: true });
      fs.writeFileSync(path.join(ctx, 'tarsrc', 'in', 't.txt'), 'from tar\n');
      fs.symlinkSync('in/t.txt', path.join(ctx, 'tarsrc', 'link'));
      execFileSync('tar', ['-C', path.join(ctx, 'tarsrc'), '--owner=5', '--group=6', '--numeric-owner', '-cf', path.join(ctx, 'files.tar'), '.']);
      fs.rmSync(path.join(ctx, 'tarsrc'), { recursive: true });
    }
    const tag = `parity-${c.name}:latest`;
    await buildWith(store, ctx, { tags: [tag], buildArgs: c.args ?? {} });
    const berthFile = path.join(work, `${c.name}.berth.tar`);
    await store.engine.saveImages([tag], berthFile, { format: 'docker-archive' });
    const argFlags = Object.entries(c.args ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
    buildah('bud', '-q', '--pull-never', '--layers', '--format', 'docker', '--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', ...argFlags, '-t', tag, '-f', path.join(ctx, 'Dockerfile'), ctx);
    const buildahFile = path.join(work, `${c.name}.buildah.tar`);
    buildah('push', '-q', tag, `docker-archive:${buildahFile}`);
    fs.rmSync(ctx, { recursive: true, force: true });
    return { berth: await readDockerArchive(berthFile), buildah: await readDockerArchive(buildahFile) };
  }

  for (const c of CASES) {
    it(`${c.name}: same config, history and layer file lists`, async () => {
      const { berth, buildah: theirs } = await both(c);
      const expected = configFields(theirs.config);
      const expectedHistory = historyOf(theirs.config);
      c.differences?.(expected, expectedHistory);
      assert.deepEqual(configFields(berth.config), expected, 'config');
      assert.deepEqual(historyOf(berth.config), expectedHistory, 'history');
      // The base layer is the same bytes on both sides.
      assert.equal(berth.diffIds[0], theirs.diffIds[0]);
      assert.equal(berth.layers.length, theirs.layers.length, 'layer count');
      const history = historyOf(theirs.config).filter((h) => !h.empty);
      for (let i = 1; i < theirs.layers.length; i++) {
        const isRun = !/#\(nop\)/.test(history[i]?.createdBy ?? '') && !/^(COPY|ADD)\b|^\/bin\/sh -c #\(nop\) (COPY|ADD)/.test(history[i]?.createdBy ?? '');
        const baseHasRun = theirs.layers[0].some((e) => e.path === 'run');
        const expected = isRun ? withoutMountTargets(theirs.layers[i], baseHasRun) : theirs.layers[i];
        const ours = berth.layers[i];
        c.layerDifferences?.(i, expected, ours);
        assert.deepEqual(ours, expected, `layer ${i} (${history[i]?.createdBy})`);
      }
    });
  }
});

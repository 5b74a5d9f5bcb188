// Parse + full diagnostics of a generated 2,000-line and 10,000-line Dockerfile, Berth's
// lint engine against `dockerfile-utils` (the validator Microsoft's Container Tools
// extension runs), in one process, on the same text: median of --runs after --warmup.
//
//   node bench/dockerfile.mjs [--runs N] [--warmup N] [--out bench/dockerfile-results.md] [--dump DIR]
//
// Needs `npx tsc -p .` first (it loads out/src/runtime/build/lint/lint.js).
//
// Berth runs with a stub port that answers at once: every base image is "in the store"
// with a small Env (so the stages start from the images' Env, as in the editor with a
// populated store) and every COPY/ADD source exists and is not
// .dockerignored. Every rule therefore runs in full; only the store's and the context's
// own I/O is left out, which dockerfile-utils does not do at all.
//
// The generator is deterministic (a seeded PRNG): the same files on every run and machine.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const runs = Number(option('--runs', '21'));
const warmup = Number(option('--warmup', '10'));
const outFile = path.resolve(repo, option('--out', 'bench/dockerfile-results.md'));
const dumpDir = option('--dump', undefined);
const sizes = [{ lines: 2000, targetMs: 30 }, { lines: 10000, targetMs: 100 }];

const lintPath = path.join(repo, 'out/src/runtime/build/lint/lint.js');
if (!fs.existsSync(lintPath)) {
  console.error(`${lintPath} is missing: run \`npx tsc -p .\` first`);
  process.exit(1);
}
const { lint } = require(lintPath);
const dockerfileUtils = require('dockerfile-utils');

// ---- the generator -------------------------------------------------------------------

// The fuzz test's seeded generator, compiled to out/ with everything else.
const { seededRandom: prng } = require(path.join(repo, 'out', 'test', 'fuzz', 'seeded-random.js'));

const bases = ['debian:bookworm-slim', 'ubuntu:24.04', 'alpine:3.20', 'node:22-bookworm', 'python:3.12-slim', 'golang:1.23', 'eclipse-temurin:21-jre'];
const packages = ['ca-certificates', 'curl', 'git', 'build-essential', 'libssl-dev', 'pkg-config', 'unzip', 'tzdata', 'jq', 'openssh-client', 'gnupg', 'xz-utils', 'make', 'gcc', 'libffi-dev'];
const words = ['build', 'cache', 'assets', 'config', 'server', 'worker', 'vendor', 'static', 'plugins', 'tools', 'docs', 'schema'];

/** One stage of a realistic multi-stage Dockerfile, as an array of lines. */
function stage(index, rand, previous) {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const some = (list, n) => Array.from({ length: n }, () => pick(list));
  const name = `stage${index}`;
  const dir = `/opt/${pick(words)}${index}`;
  const out = [];
  out.push(`# ---- ${name}: ${pick(words)} ${pick(words)} ----`);
  out.push(`FROM ${pick(bases)} AS ${name}`);
  out.push(`ARG VERSION_${index}=1.${index % 17}.${index % 5}`, `ARG TARGETARCH`);
  out.push(`ENV APP_HOME=${dir} \\`, `    PATH=${dir}/bin:$PATH \\`, `    LANG=C.UTF-8`);
  out.push(`ENV LEGACY_${index} value with spaces`);
  out.push(`LABEL org.opencontainers.image.title="${name}" \\`, `      org.opencontainers.image.version="\${VERSION_${index}}" \\`, `      com.example.team=${pick(words)}`);
  out.push(`WORKDIR ${dir}`);
  out.push('# system packages');
  out.push('RUN apt-get update \\', `    && apt-get install -y --no-install-recommends \\`);
  for (const p of some(packages, 3 + Math.floor(rand() * 4))) out.push(`        ${p} \\`);
  out.push('    && rm -rf /var/lib/apt/lists/*');
  out.push(`RUN --mount=type=cache,target=/root/.cache,sharing=locked \\`, `    --mount=type=secret,id=token${index},required=true \\`, `    set -eux; \\`, `    mkdir -p ${dir}/bin ${dir}/etc; \\`, `    echo "built \${VERSION_${index}} for \${TARGETARCH}" > ${dir}/etc/build-info`);
  out.push(`RUN <<EOF`, 'set -e', `for f in ${some(words, 3).join(' ')}; do`, `  mkdir -p ${dir}/"$f"`, 'done', `echo done > ${dir}/.ready`, 'EOF');
  out.push(`COPY <<-'CONF' ${dir}/etc/app.conf`, `\tlisten = 0.0.0.0:${8000 + index}`, `\tlog_level = info`, `\tworkers = ${1 + (index % 8)}`, '\tCONF');
  if (previous) out.push(`COPY --from=${previous} --chown=1000:1000 --chmod=0755 /opt/ ${dir}/vendor/`);
  out.push(`COPY --link --chown=app:app ${pick(words)}/ ${dir}/${pick(words)}/`);
  out.push(`COPY --exclude=*.md --exclude=test/ src/${pick(words)} ${dir}/src/`);
  out.push(`ADD --checksum=sha256:${'0123456789abcdef'.repeat(4)} https://example.com/${pick(words)}-${index}.tar.gz /tmp/`);
  out.push(`ADD --keep-git-dir=true https://github.com/example/${pick(words)}.git#v${index % 9}.0 ${dir}/git/`);
  out.push('SHELL ["/bin/bash", "-o", "pipefail", "-c"]');
  out.push(`RUN curl -fsSL https://example.com/${pick(words)}.sh | bash -s -- --prefix ${dir} \\`, `    # a comment inside a continuation`, '', `    && ls -la ${dir}`);
  out.push(`EXPOSE ${8000 + index}/tcp ${9000 + (index % 100)}/udp`);
  out.push(`VOLUME ["${dir}/data"]`);
  out.push('USER 1000:1000');
  out.push(`HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD curl -f http://localhost:${8000 + index}/health || exit 1`);
  out.push(`STOPSIGNAL SIGTERM`);
  out.push(`ENTRYPOINT ["${dir}/bin/${pick(words)}"]`);
  out.push(`CMD ["--config", "${dir}/etc/app.conf"]`);
  out.push('');
  return out;
}

/** Exactly `lines` lines: a header, whole stages, then comment padding. */
function dockerfile(lines, seed) {
  const rand = prng(seed);
  const out = ['# syntax=docker/dockerfile:1', '# escape=\\', '', 'ARG BASE_REGISTRY=docker.io', 'ARG BUILD_DATE', ''];
  for (let i = 0; ; i++) {
    const next = stage(i, rand, i > 0 ? `stage${i - 1}` : undefined);
    if (out.length + next.length > lines) break;
    out.push(...next);
  }
  while (out.length < lines) out.push(`# padding ${out.length}`);
  return out.join('\n') + '\n';
}

// ---- measuring -------------------------------------------------------------------------

const stubPort = {
  images: {
    image: async (reference) => ({ id: 'sha256:' + '0'.repeat(64), platform: 'linux/amd64', env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'], size: 1, created: undefined, layers: 1, tags: [reference] }),
    tags: async () => ['latest'],
  },
  context: { exists: async () => true, ignored: async () => false },
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median wall and CPU (this process, user + system) milliseconds: on a busy machine the CPU time says more. */
async function time(fn) {
  for (let i = 0; i < warmup; i++) await fn();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const usage = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(usage);
    wall.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const rows = [];
for (const { lines, targetMs } of sizes) {
  const text = dockerfile(lines, 0xb3e7 + lines);
  if (dumpDir) fs.writeFileSync(path.join(dumpDir, `Dockerfile.${lines}`), text);
  const berthResult = await lint(text, { port: stubPort });
  const utilsResult = dockerfileUtils.validate(text);
  const berth = await time(() => lint(text, { port: stubPort }));
  const utils = await time(() => dockerfileUtils.validate(text));
  rows.push({ lines, targetMs, berthMs: berth.wall, utilsMs: utils.wall, berthCpu: berth.cpu, utilsCpu: utils.cpu, berthFindings: berthResult.diagnostics.length, utilsFindings: utilsResult.length });
}

const f = (ms) => ms.toFixed(1);
const table = [
  '| lines | berth ms | dockerfile-utils ms | ratio (berth / dockerfile-utils) | target | met |',
  '|---:|---:|---:|---:|---|:-:|',
  ...rows.map((r) => `| ${r.lines.toLocaleString('en')} | ${f(r.berthMs)} | ${f(r.utilsMs)} | ${(r.berthMs / r.utilsMs).toFixed(2)}× | < ${r.targetMs} ms | ${r.berthMs < r.targetMs ? '✓' : '✗'} |`),
].join('\n');
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const notes = [
  `Median of ${runs} runs after ${warmup} warm-up runs, one process, Node ${process.version}, ${cpu} ×${os.cpus().length}, load average ${os.loadavg()[0].toFixed(1)} at the end.`,
  `berth: \`lint(text, { port })\` — parse, model (with the stub store's image Env), every rule; stub port answering at once (all images present, all COPY/ADD sources exist, none ignored).`,
  `dockerfile-utils ${require('dockerfile-utils/package.json').version}: \`validate(text)\` with default settings.`,
  `Median CPU ms (user + system; includes V8's GC threads) — berth: ${rows.map((r) => `${f(r.berthCpu)} (${r.lines})`).join(', ')}; dockerfile-utils: ${rows.map((r) => `${f(r.utilsCpu)} (${r.lines})`).join(', ')}.`,
  `Findings on the files — berth: ${rows.map((r) => `${r.berthFindings} (${r.lines})`).join(', ')}; dockerfile-utils: ${rows.map((r) => `${r.utilsFindings} (${r.lines})`).join(', ')}.`,
];
const report = `# Dockerfile parse + diagnostics: Berth vs dockerfile-utils\n\n${table}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n\nGenerated by \`node bench/dockerfile.mjs\`.\n`;
console.log(table);
console.log();
for (const n of notes) console.log(`- ${n}`);
fs.writeFileSync(outFile, report);
console.log(`\nwritten to ${path.relative(repo, outFile)}`);

/**
 * The build's orchestration (model in ./build.ts): reading the Dockerfile, choosing and
 * scheduling stages, running each step through the cache, and writing the image.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { BindMount } from '../container/container';
import type { HelperPort } from '../container/ports';
import type { IdMapping } from '../container/oci-spec';
import { BerthError, invalidArgument } from '../errors';
import { DOCKERFILE_LINES_LABEL, type DockerfileLines, type HistorySources, dockerfileLinesLabel, readDockerfileLines } from '../image/dockerfile-lines';
import type { ImageService } from '../image/image-service';
import { ensureLayersIntact } from '../image/layer-repair';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches } from '../image/platform';
import { normalizeName } from '../image/reference';
import { applyLayer } from '../layer/apply';
import { chainIds } from '../layer/layer';
import { packDirectory } from '../layer/pack';
import { removeTree } from '../layer/layer-store';
import type { StorePaths } from '../paths';
import type { BuildEvent, BuildOptions, BuildResult, BuildState, Vertex } from './build';
import { BuildLease } from './build-lease';
import { BuildCache, cacheKey } from './cache';
import { DEFAULT_PATH, DEFAULT_SHELL, type StageContext, applyConfigInstruction, commandArgs } from './config-step';
import { copyLayer, fromSource, planCopy, readSources } from './copy';
import { PathMatcher } from './dockerignore';
import { LayerFiles } from './layer-files';
import { buildModel, dockerfileError, type DockerfileModel, hasErrors, type Instruction, type Node, type Stage, type Step } from './dockerfile/dockerfile';
import { addLayer, withConfig, writeImage, type WriterDeps } from './image-writer';
import { StepRunner, hasBuildContainers } from './run-step';
import { SourceTree } from './source-tree';

export interface BuilderDeps {
  paths: StorePaths;
  images: ImageService;
  helper: () => Promise<HelperPort>;
  idMappings: { uidMappings: IdMapping[]; gidMappings: IdMapping[] };
}

/** Lines of output a failed RUN's error repeats. */
const TAIL_LINES = 10;

export async function build(deps: BuilderDeps, options: BuildOptions): Promise<BuildResult> {
  const file = options.dockerfileName ?? 'Dockerfile';
  const platform = hostPlatform();
  if (options.platform && !platformMatches(hostPlatform(), parsePlatform(options.platform))) {
    throw invalidArgument(`Berth builds for this machine's platform (${formatPlatform(platform)}) only, not ${options.platform}.`);
  }
  const defaultArgs = platformArgs(formatPlatform(platform));
  const first = buildModel(options.dockerfile, { buildArgs: options.buildArgs, defaultArgs });
  if (hasErrors(first.diagnostics)) throw dockerfileError(first.diagnostics, file);
  if (first.stages.length === 0) throw invalidArgument(`${file}: no FROM: the Dockerfile has no build stage.`);
  const target = targetStage(first, options.target, file);
  const needed = neededStages(first, target);
  // The base images' environments feed variable expansion: the model is made again with them.
  const bases = new Map<string, Awaited<ReturnType<ImageService['resolve']>>>();
  for (const i of needed) {
    const s = first.stages[i];
    if (s.baseStage !== undefined || s.base === 'scratch' || bases.has(s.base)) continue;
    checkPlatform(s, file);
    bases.set(s.base, await deps.images.resolve(s.base).catch((err) => {
      throw new BerthError('not-found', `${location(file, s.from.image.range.start)}: FROM ${s.base}: no such image in this store. Load, import or pull it first.`, { cause: err });
    }));
  }
  // RUN steps run on the base images' layers as containers do (see ensureLayersIntact).
  for (const image of bases.values()) await ensureLayersIntact(image, deps.images);
  const model = buildModel(options.dockerfile, { buildArgs: options.buildArgs, defaultArgs, imageEnv: (ref) => withPath(bases.get(ref)?.config.config?.Env) });
  if (hasErrors(model.diagnostics)) throw dockerfileError(model.diagnostics, file);

  const session = new Session(deps, options, model, bases, file);
  try {
    await session.sweepOrphans();
    const state = await session.stage(target);
    const names = (options.tags ?? []).map((t) => normalizeName(t));
    const lines = options.dockerfilePath === undefined ? undefined : dockerfileLinesLabel(session.sources(target));
    const labels = { ...(lines !== undefined && { [DOCKERFILE_LINES_LABEL]: lines }), ...options.labels };
    const final = Object.keys(labels).length > 0
      ? { ...state, config: { ...state.config, config: { ...state.config.config, Labels: { ...state.config.config?.Labels, ...labels } } } }
      : state;
    const id = await writeImage(final, names, session.writer);
    options.onEvent?.({ type: 'build.done', id, names });
    return { id, names };
  } finally {
    await session.close();
  }
}

function platformArgs(p: string): Record<string, string> {
  const [os, arch, variant = ''] = p.split('/');
  const out: Record<string, string> = {};
  for (const prefix of ['BUILD', 'TARGET']) Object.assign(out, { [`${prefix}PLATFORM`]: p, [`${prefix}OS`]: os, [`${prefix}ARCH`]: arch, [`${prefix}VARIANT`]: variant });
  return out;
}

function withPath(env: readonly string[] | undefined): string[] {
  const list = [...(env ?? [])];
  return list.some((e) => e.startsWith('PATH=')) ? list : [DEFAULT_PATH, ...list];
}

function location(file: string, pos: { line: number; character: number }): string {
  return `${file}:${pos.line + 1}:${pos.character + 1}`;
}

function checkPlatform(s: Stage, file: string): void {
  if (!s.platform) return;
  if (!platformMatches(hostPlatform(), parsePlatform(s.platform))) {
    throw invalidArgument(`${location(file, s.from.node.range.start)}: FROM --platform=${s.platform}: Berth builds for ${formatPlatform(hostPlatform())} only.`);
  }
}

function targetStage(model: DockerfileModel, target: string | undefined, file: string): number {
  if (target === undefined) return model.stages.length - 1;
  const found = stageIndex(model, target);
  if (found === undefined) throw invalidArgument(`${file}: target stage "${target}" could not be found.`);
  return found;
}

function stageIndex(model: DockerfileModel, ref: string, before = Infinity): number | undefined {
  const byName = model.stages.findIndex((s) => s.name === ref.toLowerCase());
  if (byName >= 0 && byName < before) return byName;
  if (/^\d+$/.test(ref) && Number(ref) < Math.min(before, model.stages.length)) return Number(ref);
  return undefined;
}

/** The stages a stage depends on: its base stage, COPY --from and RUN --mount from=. */
function dependencies(model: DockerfileModel, index: number): number[] {
  const s = model.stages[index];
  const out = new Set<number>();
  if (s.baseStage !== undefined) out.add(s.baseStage);
  for (const step of s.steps) {
    const i = step.expanded;
    const refs = i?.kind === 'copy' && i.from?.value ? [i.from.value] : i?.kind === 'run' ? i.mounts.map((m) => m.mount?.from).filter((f): f is string => !!f) : [];
    for (const ref of refs) {
      const dep = stageIndex(model, ref, index);
      if (dep !== undefined) out.add(dep);
    }
  }
  return [...out];
}

function neededStages(model: DockerfileModel, target: number): number[] {
  const seen = new Set<number>();
  const visit = (i: number) => {
    if (seen.has(i)) return;
    seen.add(i);
    for (const d of dependencies(model, i)) visit(d);
  };
  visit(target);
  return [...seen].sort((a, b) => a - b);
}

/** One build's shared state: the cache, the writer, the vertices, the stages in flight. */
class Session {
  readonly writer: WriterDeps;
  readonly cache: BuildCache;
  private readonly lease: BuildLease;
  private stepRunner?: StepRunner;
  private readonly stages = new Map<number, Promise<BuildState>>();
  /** Each built stage's history sources, index for index with its last state's history. */
  private readonly stageSources = new Map<number, HistorySources>();
  private nextVertex = 1;
  private context?: SourceTree;
  /** The stages' and images' files, for COPY --from, RUN's base and bind sources. */
  private readonly layerFiles: LayerFiles;
  private readonly temps: string[] = [];

  constructor(
    private readonly deps: BuilderDeps,
    private readonly options: BuildOptions,
    private readonly model: DockerfileModel,
    private readonly bases: Map<string, Awaited<ReturnType<ImageService['resolve']>>>,
    private readonly file: string,
  ) {
    const images = deps.images;
    this.lease = new BuildLease(images.content, images.layers);
    this.writer = { content: images.content, refs: images.refs, layers: images.layers, lease: () => this.lease.protect() };
    this.cache = new BuildCache(deps.paths.buildCache, images.content, deps.paths.root, options.context);
    this.layerFiles = new LayerFiles(images.layers);
    // Every stage the target needs starts now; each waits only for what it uses.
    for (const i of neededStages(model, targetStage(model, options.target, file))) void this.stage(i).catch(() => undefined);
  }

  stage(index: number): Promise<BuildState> {
    let p = this.stages.get(index);
    if (!p) {
      p = this.buildStage(this.model.stages[index]);
      this.stages.set(index, p);
    }
    return p;
  }

  /** The history sources of a stage `stage()` has built. */
  sources(index: number): HistorySources {
    return this.stageSources.get(index) ?? [];
  }

  /**
   * Removes the containers of builds killed mid-RUN. There are usually none: then this is
   * one readdir, and takes no lease (the step runner needs one).
   */
  async sweepOrphans(): Promise<void> {
    if (!(await hasBuildContainers(this.deps.paths.root))) return;
    await this.lease.protect();
    await this.runner.sweepOrphans();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.stages.values()]);
    await this.cache.flush().catch(() => undefined);
    this.layerFiles.close();
    // Bind copies may hold files of subordinate ids (rootless): removeTree asks the helper then.
    for (const t of this.temps) await removeTree(t, this.deps.images.layers).catch(() => undefined);
    await this.lease.release();
  }

  /** Runs RUN steps; made once the lease is taken (its containers carry the lease's id). */
  private get runner(): StepRunner {
    this.stepRunner ??= new StepRunner(this.deps.paths, this.deps.helper, this.deps.images.layers, this.deps.idMappings, this.lease.current.id);
    return this.stepRunner;
  }

  private emit(event: BuildEvent): void {
    this.options.onEvent?.(event);
  }

  private vertex(stage: Stage, position: number, text: string, line: number): Vertex {
    const label = stage.name ?? `stage-${stage.index}`;
    const total = stage.steps.length + 1;
    return { id: this.nextVertex++, name: `[${label} ${position}/${total}] ${text}`, line: line + 1 };
  }

  private contextTree(): SourceTree {
    if (!this.context) {
      const ignoreFile = path.join(this.options.context, '.dockerignore');
      const ignore = PathMatcher.parse(fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, 'utf8') : '');
      this.context = SourceTree.fromDirectory(this.options.context, ignore);
    }
    return this.context;
  }

  private async buildStage(stage: Stage): Promise<BuildState> {
    const from = this.vertex(stage, 1, stage.from.node.original, stage.from.node.range.start.line);
    this.emit({ type: 'step.start', vertex: from });
    const started = Date.now();
    let state: BuildState;
    try {
      state = await this.baseState(stage);
    } catch (err) {
      this.emit({ type: 'step.failed', vertex: from, error: (err as Error).message, elapsed: Date.now() - started });
      throw err;
    }
    this.emit({ type: 'step.done', vertex: from, elapsed: Date.now() - started });
    // Cached states carry no sources (lines move without changing a step's key): they are
    // laid next to the history here, from the base's and then one run of entries per step.
    const sources: HistorySources = stage.baseStage !== undefined ? [...this.sources(stage.baseStage)] : readDockerfileLines(state.config.config?.Labels);
    const advance = (next: BuildState, node: Node) => {
      const at = this.linesOf(node);
      for (let i = state.config.history?.length ?? 0; i < (next.config.history?.length ?? 0); i++) sources[i] = at;
      state = next;
    };
    const ctx: StageContext = { shell: state.config.config?.Shell ?? DEFAULT_SHELL, args: new Map(), cmdSet: false };
    const triggers = state.config.config?.OnBuild ?? [];
    if (triggers.length > 0) {
      state = { ...state, config: { ...state.config, config: { ...state.config.config, OnBuild: null } } };
      const sub = buildModel(`FROM scratch\n${triggers.join('\n')}\n`, { buildArgs: this.options.buildArgs, imageEnv: () => withPath(state.config.config?.Env) });
      if (hasErrors(sub.diagnostics)) throw dockerfileError(sub.diagnostics, `ONBUILD of ${stage.base}`);
      // A trigger's entries point at the FROM that ran it.
      for (const step of sub.stages[0].steps) advance(await this.step(stage, ctx, state, step, 1, stage.from.node.range.start.line), stage.from.node);
    }
    for (let n = 0; n < stage.steps.length; n++) {
      const node = stage.steps[n].instruction.node;
      advance(await this.step(stage, ctx, state, stage.steps[n], n + 2, node.range.start.line, stage.steps[n + 1]?.scope ?? stage.scope), node);
    }
    this.stageSources.set(stage.index, sources);
    return state;
  }

  private linesOf(node: Node): DockerfileLines | undefined {
    const file = this.options.dockerfilePath;
    return file === undefined ? undefined : { file, startLine: node.range.start.line + 1, endLine: node.range.end.line + 1 };
  }

  private async baseState(stage: Stage): Promise<BuildState> {
    if (stage.baseStage !== undefined) return this.stage(stage.baseStage);
    const p = hostPlatform();
    if (stage.base === 'scratch') {
      const config = { architecture: p.architecture, os: p.os, ...(p.variant && { variant: p.variant }), config: { Env: [DEFAULT_PATH] }, rootfs: { type: 'layers' as const, diff_ids: [] }, history: [] };
      return { config, layers: [], key: cacheKey('scratch', formatPlatform(p)) };
    }
    const image = this.bases.get(stage.base)!;
    this.lease.hold({ digests: image.manifest.layers.map((l) => l.digest), chainIds: chainIds(image.config.rootfs.diff_ids) });
    const config = structuredClone(image.config);
    config.config = { ...config.config, Env: withPath(config.config?.Env) };
    return { config, layers: image.manifest.layers, key: image.id };
  }

  /** One step through the cache. `after`: the variables once the step is done (ARG's values). */
  private async step(stage: Stage, ctx: StageContext, state: BuildState, step: Step, position: number, line: number, after?: Step['scope']): Promise<BuildState> {
    const instruction = step.expanded!;
    const vertex = this.vertex(stage, position, instruction.node.original, line);
    if (instruction.kind === 'arg') {
      for (const a of instruction.args) {
        const value = (after ?? step.scope).get(a.name.value);
        if (value !== undefined) ctx.args.set(a.name.value, value);
      }
    }
    const started = Date.now();
    this.emit({ type: 'step.start', vertex });
    try {
      const next = await this.execute(ctx, state, instruction, vertex, started);
      if (next.cached) this.emit({ type: 'step.cached', vertex });
      else this.emit({ type: 'step.done', vertex, elapsed: Date.now() - started });
      return next.state;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.emit({ type: 'step.failed', vertex, error: message, elapsed: Date.now() - started });
      if (err instanceof BerthError && err.message.startsWith(this.file)) throw err;
      const where = location(this.file, instruction.node.range.start);
      throw new BerthError(err instanceof BerthError ? err.code : 'internal', `${where}: ${instruction.node.original}: ${message}`, { cause: err });
    }
  }

  private async execute(ctx: StageContext, state: BuildState, i: Instruction, vertex: Vertex, started: number): Promise<{ state: BuildState; cached: boolean }> {
    const description = describe(i);
    if (i.kind === 'run') {
      const key = cacheKey(state.key, 'run', description, [...ctx.args], ctx.shell);
      return this.cached(key, () => this.run(ctx, state, i, key, vertex, started));
    }
    if (i.kind === 'copy' || i.kind === 'add') return this.copy(state, i);
    const key = cacheKey(state.key, description, ctx.shell);
    const changed = applyConfigInstruction(i, state.config, ctx);
    if (!changed) throw invalidArgument(`${i.kind.toUpperCase()} cannot be used here.`);
    return this.cached(key, async () => {
      const next = withConfig(state, changed.config, changed.createdBy, key);
      if (changed.author !== undefined) next.config.author = changed.author;
      return next;
    });
  }

  private async cached(key: string, make: () => Promise<BuildState>): Promise<{ state: BuildState; cached: boolean }> {
    if (!this.options.noCache) {
      const hit = await this.cache.get(key);
      if (hit) {
        this.lease.hold({ digests: hit.layers.map((l) => l.digest), chainIds: chainIds(hit.config.rootfs.diff_ids) });
        return { state: hit, cached: true };
      }
    }
    await this.lease.protect();
    const state = await make();
    await this.cache.put(state);
    return { state, cached: false };
  }

  private async sourcesFor(from: string | undefined, before: number): Promise<{ tree: SourceTree; key: string }> {
    if (from === undefined) return { tree: this.contextTree(), key: 'context' };
    const index = stageIndex(this.model, from, before);
    if (index !== undefined) {
      const s = await this.stage(index);
      return { tree: await SourceTree.fromLayers(this.layerFiles, chainIds(s.config.rootfs.diff_ids)), key: s.key };
    }
    const image = await this.deps.images.resolve(from).catch((err) => {
      throw new BerthError('not-found', `--from=${from}: no stage of that name before this one, and no such image in this store.`, { cause: err });
    });
    this.lease.hold({ chainIds: chainIds(image.config.rootfs.diff_ids) });
    return { tree: await SourceTree.fromLayers(this.layerFiles, chainIds(image.config.rootfs.diff_ids)), key: image.id };
  }

  private stageOf(i: Instruction): number {
    for (const s of this.model.stages) if (s.steps.some((st) => st.instruction.node === i.node)) return s.index;
    return this.model.stages.length;
  }

  private async copy(state: BuildState, i: Extract<Instruction, { kind: 'copy' | 'add' }>): Promise<{ state: BuildState; cached: boolean }> {
    const from = i.kind === 'copy' ? i.from?.value : undefined;
    const sources = await this.sourcesFor(from, this.stageOf(i));
    const read = await readSources({ instruction: i, sources: sources.tree, fileDigest: (f, st, body) => this.cache.fileDigest(f, st, body), download: (url) => this.download(url) });
    // The base's top chain id stands for its filesystem, which the key must cover (destinations
    // resolve through it) without reading it: a hit never walks the base's layers.
    const chains = chainIds(state.config.rootfs.diff_ids);
    const key = cacheKey(state.key, chains[chains.length - 1] ?? '', describe(i), sources.key === 'context' ? '' : sources.key, read.digest);
    return this.cached(key, async () => {
      const base = await SourceTree.fromLayers(this.layerFiles, chains);
      const plan = await planCopy({ instruction: i, base, workdir: state.config.config?.WorkingDir || '/', now: Date.now() }, read);
      const createdBy = `/bin/sh -c #(nop) ${i.kind.toUpperCase()} ${read.kind}:${read.digest} in ${i.destination.value} `;
      return addLayer(state, copyLayer(plan, this.options.signal), { created_by: createdBy }, key, this.writer, this.options.signal);
    });
  }

  private async download(url: string): Promise<{ file: string; lastModified?: number }> {
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.any([AbortSignal.timeout(60_000), ...(this.options.signal ? [this.options.signal] : [])]) });
    } catch (err) {
      const reason = (err as { cause?: { code?: string; message?: string } }).cause?.code ?? (err as Error).message;
      throw new BerthError('unavailable', `ADD ${url}: the download failed (${reason}). Check the network, or download the file into the build context and ADD it from there.`, { cause: err });
    }
    if (!response.ok || !response.body) throw new BerthError('unavailable', `ADD ${url}: the server answered ${response.status} ${response.statusText}.`);
    const file = await this.tempPath('download');
    await fsp.writeFile(file, response.body as unknown as AsyncIterable<Uint8Array>);
    const modified = response.headers.get('last-modified');
    return { file, ...(modified && { lastModified: Date.parse(modified) }) };
  }

  private async tempPath(what: string): Promise<string> {
    const lease = await this.lease.protect();
    const p = path.join(this.deps.paths.tmp, `${lease.tempPrefix}${what}-${randomBytes(6).toString('hex')}`);
    this.temps.push(p);
    return p;
  }

  private async run(ctx: StageContext, state: BuildState, i: Extract<Instruction, { kind: 'run' }>, key: string, vertex: Vertex, started: number): Promise<BuildState> {
    const config = state.config.config ?? {};
    const env = [...(config.Env ?? [])];
    const names = new Set(env.map((e) => e.split('=')[0]));
    for (const [k, v] of ctx.args) if (!names.has(k)) env.push(`${k}=${v}`);
    const secretEnv: string[] = [];
    const mounts = await this.mounts(i, state, secretEnv);
    const args = runArgs(i, ctx.shell);
    const tail: string[] = [];
    const base = await SourceTree.fromLayers(this.layerFiles, chainIds(state.config.rootfs.diff_ids));
    const outcome = await this.runner.run({
      state,
      args,
      env: [...env, ...secretEnv],
      workdir: config.WorkingDir ?? '/',
      user: config.User ?? '',
      network: i.network === 'host' ? 'host' : 'none',
      mounts,
      base,
      signal: this.options.signal,
      onOutput: (stream, text) => {
        tail.push(text);
        if (tail.length > TAIL_LINES) tail.shift();
        this.emit({ type: 'step.log', vertex, stream, text, elapsed: Date.now() - started });
      },
    });
    try {
      if (outcome.exitCode !== 0) {
        const output = tail.length > 0 ? `\n${tail.map((l) => `  ${l}`).join('\n')}` : '';
        throw new BerthError('failed-precondition', `the command ${JSON.stringify(args)} exited with code ${outcome.exitCode}${output}`);
      }
      const argPrefix = ctx.args.size > 0 ? `|${ctx.args.size} ${[...ctx.args].map(([k, v]) => `${k}=${v}`).join(' ')} ` : '';
      const layer = packDirectory(outcome.upperDir, { layers: this.deps.images.layers, mode: 'upper', opaque: outcome.opaque, signal: this.options.signal });
      return await addLayer(state, layer, { created_by: `${argPrefix}${args.join(' ')}` }, key, this.writer, this.options.signal);
    } finally {
      await outcome.remove();
    }
  }

  /** RUN --mount as container mounts (secrets given as env land in `secretEnv`). */
  private async mounts(i: Extract<Instruction, { kind: 'run' }>, state: BuildState, secretEnv: string[]): Promise<BindMount[]> {
    const out: BindMount[] = [];
    for (const { mount } of i.mounts) {
      if (!mount) continue;
      const target = mount.target ? path.posix.resolve(state.config.config?.WorkingDir || '/', mount.target) : undefined;
      if (mount.type === 'tmpfs') {
        out.push({ type: 'tmpfs', target: target!, readOnly: false, ...(mount.sizeLimit && { options: [`size=${mount.sizeLimit}`] }) });
      } else if (mount.type === 'cache') {
        const dir = path.join(this.deps.paths.root, 'builds', 'cache-mounts', cacheKey(mount.cacheId ?? target).slice(0, 32));
        if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: mount.mode ?? 0o755 });
        out.push({ type: 'bind', source: dir, target: target!, readOnly: mount.readOnly });
      } else if (mount.type === 'bind') {
        out.push({ type: 'bind', source: await this.bindSource(mount.from, mount.source ?? '/', mount.readOnly, i), target: target!, readOnly: mount.readOnly });
      } else if (mount.type === 'secret') {
        const id = mount.cacheId ?? path.posix.basename(mount.target ?? '');
        const secret = this.options.secrets?.[id];
        const value = secret?.file ? fs.readFileSync(secret.file) : secret?.env !== undefined ? Buffer.from(process.env[secret.env] ?? '') : undefined;
        if (value === undefined) {
          if (mount.required) throw invalidArgument(`secret "${id}" is required but was not given; pass --secret id=${id},src=FILE.`);
          continue;
        }
        if (mount.env) secretEnv.push(`${mount.env}=${value.toString('utf8')}`);
        if (mount.env && !mount.target) continue;
        const file = await this.tempPath('secret');
        fs.writeFileSync(file, value, { mode: mount.mode ?? 0o400 });
        out.push({ type: 'bind', source: file, target: target ?? `/run/secrets/${id}`, readOnly: true });
      } else {
        throw invalidArgument(`RUN --mount=type=${mount.type} is not supported by Berth.`);
      }
    }
    return out;
  }

  /** A bind mount's host path: from the context, or a copy out of a stage or image. */
  private async bindSource(from: string | undefined, source: string, readOnly: boolean, i: Instruction): Promise<string> {
    const { tree } = await this.sourcesFor(from, this.stageOf(i));
    const entry = await tree.resolve(path.posix.normalize(`/${source}`).slice(1));
    if (!entry) throw invalidArgument(`--mount source '${source}' does not exist${from ? ` in ${from}` : ' in the build context'}.`);
    // A directory of an image is spread over its layers, and writes to a context bind must
    // not reach the context: both get a private copy.
    if (!entry.stat.isDirectory() && readOnly) return entry.hostPath;
    if (from === undefined && readOnly) return entry.hostPath;
    // The copy is made as a layer is, from a tar of the source read through the tree (a
    // stage's private files are out of rootless Node's reach): the same owners (through the
    // helper rootless), modes and times.
    const copy = await this.tempPath('bind');
    const fsDir = path.join(copy, 'fs');
    fs.mkdirSync(fsDir, { recursive: true });
    const entries = [await fromSource(tree, entry, entry.stat.isDirectory() ? '.' : 'file')];
    if (entry.stat.isDirectory()) {
      for (const e of await tree.below(entry.rel)) {
        // Sockets and devices have no place in a copy (COPY refuses them; a bind skips them).
        if (e.stat.isFile() || e.stat.isDirectory() || e.stat.isSymbolicLink()) entries.push(await fromSource(tree, e, e.rel.slice(entry.rel === '' ? 0 : entry.rel.length + 1)));
      }
    }
    const { idMap, privileged } = this.deps.images.layers;
    await applyLayer(copyLayer({ entries, archives: [] }), { target: fsDir, workDir: copy, idMap, privileged, what: `RUN --mount source '${source}'${from ? ` from ${from}` : ''}` });
    return entry.stat.isDirectory() ? fsDir : path.join(fsDir, 'file');
  }
}

function runArgs(i: Extract<Instruction, { kind: 'run' }>, shell: string[]): string[] {
  const files = i.command.files;
  if (files.length === 0 || !i.command.prependShell) return commandArgs(i.command, shell);
  const line = i.command.args[0]?.value ?? '';
  // `RUN <<EOF` alone: the heredoc is the script.
  if (files.length === 1 && /^<<-?["']?\w+["']?$/.test(line.trim())) return [...shell, files[0].data];
  // Otherwise the shell gets the command line with its heredocs, as it would from a terminal.
  return [...shell, `${line}\n${files.map((f) => `${f.heredoc.content}${f.heredoc.name}\n`).join('')}`];
}

/** An instruction's meaning without its source positions: the cache's view of it. */
function describe(i: Instruction): string {
  return JSON.stringify(i, (k, v) => (k === 'node' || k === 'range' || k === 'nameRange' || k === 'valueRange' || k === 'heredoc' || k === 'keywordRange' ? undefined : v));
}

/** Drops every cache record and cache mount (files of subordinate ids go through the helper). */
export async function pruneBuildCache(deps: BuilderDeps): Promise<{ records: number }> {
  const cache = new BuildCache(deps.paths.buildCache, deps.images.content, deps.paths.root);
  const mounts = path.join(deps.paths.root, 'builds', 'cache-mounts');
  const { records } = await cache.prune();
  await removeTree(mounts, deps.images.layers);
  return { records };
}

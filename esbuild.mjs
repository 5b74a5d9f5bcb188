// Bundles the extension host entry, the CLI and (later) the webview.
// `node esbuild.mjs --watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');

/**
 * What the bundles are made of is loaded on every `berth` command, so it is trimmed here.
 *
 * `import * as fs from 'node:fs'` bundles to `fs = __toESM(require("node:fs"))`: a copy of
 * the module with one getter per export, made when the importing module loads. With ~100
 * such imports that was ~10 ms of CPU in every `berth` command, and every access went
 * through a getter. A namespace import of a built-in needs no interop, so the bundles take
 * the module itself. Only a default import reads the copy's `.default`: one fails the build.
 */
const leanBundle = {
  name: 'lean-bundle',
  setup(build) {
    build.onEnd((result) => {
      const file = build.initialOptions.outfile;
      if (result.errors.length > 0 || !existsSync(file)) return;
      const text = readFileSync(file, 'utf8');
      const wrapped = /(\w+) = __toESM\(require\(("node:[\w/]+")\)\)/g;
      for (const [, name, id] of text.matchAll(wrapped)) {
        if (new RegExp(`\\b${name}\\.default\\b`).test(text)) return { errors: [{ text: `${file}: ${id} is default-imported; use a namespace or named import` }] };
      }
      // Comments and regex literals keep their non-ASCII characters (µs, —); one makes
      // the whole bundle a two-byte string, slower to decode and parse at every start.
      const ascii = (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      writeFileSync(file, text.replace(wrapped, '$1 = require($2)').replace(/[^\x00-\x7f]/g, ascii));
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [leanBundle],
  // The CLI runs as a vm.Script (bin/berth-load.js), which has no dynamic import(): a
  // lazily imported built-in (`await import('node:zlib')`) must become a require().
  supported: { 'dynamic-import': false },
};

const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...common, entryPoints: ['src/runtime/cli/main.ts'], outfile: 'dist/cli.js' },
];
if (existsSync('webview/main.ts')) {
  builds.push({ ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js' });
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}

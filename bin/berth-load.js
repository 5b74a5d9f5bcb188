'use strict';
// Loads dist/cli.js with a V8 code cache: compiling the bundle is the largest part of a
// short command's start-up (~40 ms of ~100), and Node 20 has no built-in compile cache.
// The cache lives in $XDG_CACHE_HOME/berth (else ~/.cache/berth), keyed by the bundle's
// size and mtime, and by the verb: a cache holds only the functions the run that made it
// compiled, so one made by `import` would leave every function `build` needs to be
// compiled again on each build. Any problem with it just means compiling as usual.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

/** The command's verb, as a file-name part: global flags (`--root DIR`) come first. */
function verbOf(argv) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root') i++;
    else if (!argv[i].startsWith('-')) return /^[a-z]{1,20}$/.test(argv[i]) ? argv[i] : 'other';
  }
  return 'none';
}

const file = path.join(__dirname, '..', 'dist', 'cli.js');
const source = fs.readFileSync(file, 'utf8');
const stat = fs.statSync(file);
const cacheDir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'berth');
const bundleKey = `cli-${stat.size}-${Math.trunc(stat.mtimeMs)}-`;
const cacheFile = path.join(cacheDir, `${bundleKey}${verbOf(process.argv.slice(2))}.v8cache`);

let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });

if (cachedData === undefined || script.cachedDataRejected) {
  // Made at exit, so the functions this command compiled lazily are in the cache too.
  process.once('exit', () => {
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const temp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(temp, script.createCachedData());
      fs.renameSync(temp, cacheFile);
      // Caches of earlier builds of the bundle are dead weight.
      for (const name of fs.readdirSync(cacheDir)) {
        if (name.startsWith('cli-') && name.endsWith('.v8cache') && !name.startsWith(bundleKey)) fs.rmSync(path.join(cacheDir, name), { force: true });
      }
    } catch {
      // A read-only home or a full disk: next time compiles again.
    }
  });
}

const cli = new Module(file, module);
cli.filename = file;
cli.paths = Module._nodeModulePaths(path.dirname(file));
script.runInThisContext()(cli.exports, (id) => cli.require(id), cli, file, path.dirname(file));

#!/usr/bin/env bash
# Installs what the end-to-end tests need, skipping whatever is already in place:
#   - Debian packages: Chromium (driven by Playwright, no browser download), ripgrep,
#     and the headers code-server's native modules build against;
#   - the project's own node_modules (npm ci) when missing;
#   - code-server@4.100.3 (VS Code 1.100.3's server, the newest that runs on Node 20)
#     into .vscode-test/server, a folder of its own that git ignores.
# Warm, it takes well under a second. See /work/shared/E2E.md for the traps handled here.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/apt-install.sh
source "$ROOT/scripts/lib/apt-install.sh"

CODE_SERVER_VERSION=4.100.3
RIPGREP_PKG_VERSION=1.15.11        # @vscode/ripgrep pinned by code-server 4.100.3
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
SERVER_DIR=${BERTH_E2E_SERVER_DIR:-$ROOT/.vscode-test/server}
VSCODE_DIR=$SERVER_DIR/node_modules/code-server/lib/vscode
STAMP=$SERVER_DIR/.berth-installed

# Install scripts that npm 11 must be told to run (it skips unapproved ones), per project:
# the isolated outer folder, then VS Code's server and its built-in extensions, which
# code-server's postinstall installs as projects of their own.
OUTER_ALLOW='{"code-server": true, "argon2": false}'   # argon2 serves only code-server's password login
VSCODE_ALLOW='{"@vscode/ripgrep": true, "node-pty": true, "kerberos": true, "@parcel/watcher": true,
  "@vscode/spdlog": true, "@vscode/deviceid": true, "native-watchdog": true,
  "@vscode/windows-process-tree": false, "@vscode/windows-registry": false}'   # Windows only
EXTENSIONS_ALLOW='{}'

log() { printf 'e2e-setup: %s\n' "$*" >&2; }

apt_install chromium ripgrep libkrb5-dev pkg-config python3 make g++

if [ ! -x "$ROOT/node_modules/.bin/playwright" ] || [ ! -x "$ROOT/node_modules/.bin/vsce" ]; then
  log "installing the project's node_modules (npm ci)"
  (cd "$ROOT" && npm ci --no-audit --no-fund)
fi

server_works() {
  [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$CODE_SERVER_VERSION" ] || return 1
  [ -f "$VSCODE_DIR/out/server-main.js" ] && [ -x "$VSCODE_DIR/node_modules/@vscode/ripgrep/bin/rg" ] || return 1
  # The native modules load: a Node upgrade or a half-finished build shows up here.
  (cd "$VSCODE_DIR" && node -e '
    const r = require("module").createRequire(process.cwd() + "/");
    r("node-pty"); r("@vscode/spdlog"); r("@parcel/watcher"); r("kerberos");' ) >/dev/null 2>&1
}

if server_works; then
  log "code-server $CODE_SERVER_VERSION already installed in ${SERVER_DIR#"$ROOT"/}"
  exit 0
fi

# Trap 2: @vscode/ripgrep downloads rg from GitHub unless its cache has the asset. Debian's
# rg is the same 13.0.0; the cache is keyed by os.tmpdir(), so ask node rather than guess.
seed_ripgrep_cache() {
  local cache asset tmp
  cache="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
  asset="$cache/$RIPGREP_ASSET"
  [ -s "$asset" ] && return 0
  tmp=$(mktemp -d)
  cp "$(command -v rg)" "$tmp/rg"
  mkdir -p "$cache"
  tar -czf "$asset.partial" -C "$tmp" rg
  mv "$asset.partial" "$asset"
  rm -rf "$tmp"
}
seed_ripgrep_cache

log "installing code-server $CODE_SERVER_VERSION into ${SERVER_DIR#"$ROOT"/} (about a minute)"
rm -rf "$SERVER_DIR"
mkdir -p "$SERVER_DIR"

# npm 11 runs a dependency's install scripts only when the project's package.json lists
# it in allowScripts. code-server's postinstall runs `npm install` again in lib/vscode and
# lib/vscode/extensions, projects whose package.json has no allowScripts; and the other
# ways to approve (--allow-scripts, or allow-scripts in an .npmrc) are exported by npm to
# the postinstall's environment, where the nested project installs refuse them with
# EALLOWSCRIPTS. So: unpack without scripts, add allowScripts to the two nested
# package.json files of this private copy, then let npm run code-server's postinstall.
set_allow_scripts() { # FILE JSON [DEPENDENCY-JSON]
  node -e '
    const fs = require("fs");
    const [file, allow, deps] = process.argv.slice(1);
    const pkg = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
    if (deps) Object.assign(pkg, { name: "berth-e2e-vscode-server", private: true, dependencies: JSON.parse(deps) });
    pkg.allowScripts = JSON.parse(allow);
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
  ' "$@"
}
set_allow_scripts "$SERVER_DIR/package.json" "$OUTER_ALLOW" "{\"code-server\": \"$CODE_SERVER_VERSION\"}"

npm_log="$SERVER_DIR/npm-install.log"
status=0
(
  cd "$SERVER_DIR"
  # Trap 3: node-pty's postinstall runs npx, and this machine's npm says yes=false.
  export npm_config_yes=true
  # code-server's postinstall refuses to run as root without unsafe-perm.
  if [ "$(id -u)" = 0 ]; then export npm_config_unsafe_perm=true; fi
  npm install --ignore-scripts --no-audit --no-fund --no-package-lock --loglevel=warn
  cs=node_modules/code-server/lib/vscode
  set_allow_scripts "$cs/package.json" "$VSCODE_ALLOW"
  set_allow_scripts "$cs/extensions/package.json" "$EXTENSIONS_ALLOW"
  npm rebuild code-server --no-audit --no-fund --loglevel=warn
) >"$npm_log" 2>&1 || status=$?
grep -v -E 'Unknown (user|env|cli|project) config|This will stop working|npm warn deprecated' "$npm_log" >&2 || true

echo "$CODE_SERVER_VERSION" >"$STAMP"
if [ $status -ne 0 ] || ! server_works; then
  rm -f "$STAMP"
  log "code-server install failed (npm exit $status); full log: ${npm_log#"$ROOT"/}"
  exit 1
fi
log "code-server $CODE_SERVER_VERSION ready"

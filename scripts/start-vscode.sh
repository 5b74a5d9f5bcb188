#!/usr/bin/env bash
# Starts Berth in VS Code: the VS Code server from code-server 4.100.3 (installed by
# scripts/e2e/setup.sh) on 127.0.0.1, with Berth installed from this checkout, a sample
# workspace holding a Dockerfile, and a local busybox:latest image to build from and run.
# Prints the URL to open, then serves until Ctrl-C.
#
#   scripts/start-vscode.sh                 port 8080, workspace ~/berth-sample
#   PORT=9000 BERTH_SAMPLE=/tmp/ws scripts/start-vscode.sh
#
# The store is the user's own (BERTH_ROOT when set), so `npx berth ps` in any terminal —
# VS Code's included — sees what the sidebar shows.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PORT=${PORT:-8080}
SAMPLE=${BERTH_SAMPLE:-$HOME/berth-sample}
STATE=${BERTH_VSCODE_STATE:-$ROOT/.vscode-test/berth-vscode}
SERVER_MAIN=${BERTH_E2E_SERVER_DIR:-$ROOT/.vscode-test/server}/node_modules/code-server/lib/vscode/out/server-main.js
log() { printf 'start-vscode: %s\n' "$*" >&2; }

bash scripts/install-deps.sh runtime >&2
bash scripts/e2e/setup.sh
log "building the helper and the bundles"
make -s -C native
node esbuild.mjs

if ! bin/berth images --format '{{.Repository}}:{{.Tag}}' | grep -qx 'busybox:latest'; then
  log "importing busybox:latest (from Debian's busybox-static)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  bash test/fixtures/make-busybox-rootfs.sh "$work/rootfs" >/dev/null
  tar -C "$work/rootfs" -cf "$work/busybox.tar" .
  bin/berth import --change 'CMD ["sh"]' "$work/busybox.tar" busybox:latest >/dev/null
fi

mkdir -p "$SAMPLE"
if [ ! -e "$SAMPLE/Dockerfile" ]; then
  cat >"$SAMPLE/Dockerfile" <<'DOCKERFILE'
# Right-click this file (or use the editor's context menu) and pick "Build Image…".
FROM busybox:latest
RUN mkdir -p /www && echo 'hello from a Berth container' > /www/index.html
WORKDIR /www
CMD ["httpd", "-f", "-v", "-p", "8000"]
DOCKERFILE
fi

# Berth is installed by linking this checkout into the extensions dir: what you build
# here is what the workbench runs after a reload.
mkdir -p "$STATE/extensions" "$STATE/user-data/User" "$STATE/server-data"
ln -sfn "$ROOT" "$STATE/extensions/berth.berth-$(node -p 'require("./package.json").version')"
settings=$STATE/user-data/User/settings.json
[ -e "$settings" ] || cat >"$settings" <<'JSON'
{
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "update.mode": "none",
  "remote.autoForwardPorts": false
}
JSON

echo
echo "Berth in VS Code: http://127.0.0.1:$PORT/?folder=$SAMPLE"
echo "(Ctrl-C stops the server)"
echo
exec node "$SERVER_MAIN" --host 127.0.0.1 --port "$PORT" --without-connection-token \
  --accept-server-license-terms --telemetry-level off \
  --user-data-dir "$STATE/user-data" --server-data-dir "$STATE/server-data" --extensions-dir "$STATE/extensions"

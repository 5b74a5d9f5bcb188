#!/usr/bin/env bash
# Runs a command as an unprivileged user on a copy of this checkout, the way Berth's
# users run it. Used by the test suites: rootless is the normal case.
#   scripts/run-rootless.sh CMD...
# Creates the user `berthtest` (useradd also gives it /etc/subuid and /etc/subgid ranges)
# if needed, copies the built tree to a place it can read, and runs CMD there.
set -euo pipefail
cd "$(dirname "$0")/.."
USER_NAME=${BERTH_TEST_USER:-berthtest}
if [ "$(id -u)" != 0 ]; then exec "$@"; fi   # already unprivileged
id "$USER_NAME" >/dev/null 2>&1 || useradd -m -s /bin/bash "$USER_NAME"
grep -q "^$USER_NAME:" /etc/subuid || usermod --add-subuids 200000-265535 --add-subgids 200000-265535 "$USER_NAME"
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
# A private copy per run, so that runs side by side don't overwrite each other; the shared
# conformance vectors go beside it, where the tests look for them (../shared).
run=$(mktemp -d "$home/berth-run.XXXXXX")
copy="$run/checkout"
trap 'rm -rf "$run"' EXIT
mkdir -p "$copy"
for part in out dist native/build node_modules package.json scripts test bin; do
  [ -e "$part" ] || continue
  mkdir -p "$copy/$(dirname "$part")"
  cp -a "$part" "$copy/$part"
done
if [ -d ../shared ]; then cp -a ../shared "$run/shared"; fi
chown -R "$USER_NAME:" "$run"
quoted=$(printf '%q ' "$@")
# A login-less su: no XDG_RUNTIME_DIR, as in CI; Berth falls back to a private /tmp dir.
su "$USER_NAME" -s /bin/bash -c "cd $(printf '%q' "$copy") && env -u XDG_RUNTIME_DIR HOME=$(printf '%q' "$home") PATH=$PATH $quoted"

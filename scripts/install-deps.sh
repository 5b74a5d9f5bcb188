#!/usr/bin/env bash
# Installs what Berth needs on a fresh Debian 12 machine: `runtime` for using it,
# `test` adds the peers and fixtures the test suites use. Idempotent and quick when warm.
#   scripts/install-deps.sh runtime|test
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/apt-install.sh
. scripts/lib/apt-install.sh

runtime_pkgs=(make gcc libc6-dev libjansson-dev uidmap busybox-static)
# Peers and fixtures for the suites: podman/crun/runc/skopeo for interop, debootstrap for a
# real distribution image, docker-registry + htpasswd for registry tests.
test_pkgs=(podman crun runc skopeo buildah umoci docker-registry apache2-utils debootstrap hyperfine)

case "${1:-runtime}" in
  runtime) apt_install "${runtime_pkgs[@]}" ;;
  test) apt_install "${runtime_pkgs[@]}" "${test_pkgs[@]}" ;;
  *) echo "usage: $0 runtime|test" >&2; exit 2 ;;
esac

# npm install runs the package's own install and prepare scripts: native/ and the bundles.
if [ ! -x native/build/berth-helper ] || [ ! -d node_modules/tar-stream ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
else
  # Up to date dependencies; sources may have changed since (a pull): rebuild, both are quick.
  make -s -C native
  node esbuild.mjs
fi

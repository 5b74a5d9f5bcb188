#!/usr/bin/env bash
# The main job, until the extension lands: a short `berth` session on a fresh machine —
# install, make a busybox image from Debian's busybox-static, and run containers with it.
# Runs as whoever calls it, root or not, on that user's store (`berth info` shows where),
# so `npx berth …` can go on from where it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh runtime
berth() { bin/berth "$@"; }
say() { printf '\n\033[1m$ berth %s\033[0m\n' "$*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bash test/fixtures/make-busybox-rootfs.sh "$work/rootfs" >/dev/null
tar -C "$work/rootfs" -cf "$work/busybox.tar" .

say import busybox.tar busybox:demo;        berth import "$work/busybox.tar" busybox:demo
say images;                                 berth images
say run --rm busybox:demo echo hello;       berth run --rm busybox:demo echo "hello from a Berth container"
say run --rm busybox:demo sh -c '…';        berth run --rm --hostname demo busybox:demo sh -c 'echo "pid $$ on $(hostname) as $(id -u)"; ls /'
say run -d --name ticker busybox:demo …;    berth run -d --name ticker busybox:demo sh -c 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done'
sleep 2
say ps;                                     berth ps
say logs ticker;                            berth logs ticker
say exec ticker ps;                         berth exec ticker ps
say stop ticker;                            berth stop -t 2 ticker
say ps -a;                                  berth ps -a
say rm ticker;                              berth rm ticker
say save -o busybox-demo.tar busybox:demo;  berth save -o "$work/busybox-demo.tar" busybox:demo && ls -la "$work/busybox-demo.tar"
say info;                                   berth info

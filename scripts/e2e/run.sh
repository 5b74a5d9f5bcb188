#!/usr/bin/env bash
# The extension's end-to-end tests in a real VS Code (see /work/shared/E2E.md), in stages:
#   setup     Debian packages, node_modules, code-server 4.100.3 (scripts/e2e/setup.sh)
#   build     the e2e harness (tsc -p test/e2e: strict, independent of other folders' WIP)
#             and the bundles (esbuild.mjs)
#   ext-host  the mocha suite test/e2e/ext-host inside the workbench: the real `vscode` API
#   ui        the Playwright suite test/e2e/ui: the extension in development mode
#   package   npm run package -> berth.vsix
#   smoke     the Playwright suite test/e2e/smoke: that .vsix installed as a user would
# then prints each stage's time, and as its last line `N passed, N failed` over the three
# suites. A stage that cannot run, or dies without counts, adds one failure.
#
# Artifacts (screenshots, traces, logs) stay under test-results/. Every server and browser
# this run starts carries BERTH_E2E_RUN in its environment, and its temp files live in one
# per-run TMPDIR: on exit, however it came (a crash, Ctrl-C, a CI timeout's TERM), what is
# left of both is killed and removed.
#
#   scripts/e2e/run.sh                    everything
#   scripts/e2e/run.sh ui -g 'palette'    one Playwright suite, extra arguments to Playwright
#   BERTH_E2E_GREP='activates' scripts/e2e/run.sh ext-host
#   BERTH_E2E_KEEP=1                      keep the run's temp dir (servers' logs, user data)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
RESULTS=$ROOT/test-results
ONLY=${1:-all}
[ $# -gt 0 ] && shift
case "$ONLY" in
  all | ext-host | ui | smoke) ;;
  *) echo "usage: $0 [all|ext-host|ui|smoke] [playwright arguments]" >&2; exit 2 ;;
esac

export BERTH_E2E_RUN="$$-$(date +%s%N)"
# Everything temporary (servers' run dirs, workspaces, browser profiles) goes in one dir
# that the exit removes, whatever happened; the logs worth keeping are in test-results/.
RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/berth-e2e-run.XXXXXX")
export TMPDIR=$RUN_TMP

# Kills every process whose environment carries this run's mark. The scan itself runs
# without the mark (env -u), and this shell's own environ predates the export.
kill_leftovers() {
  local file pid pids=()
  while IFS= read -r file; do
    pid=${file#/proc/}
    pid=${pid%/environ}
    [ "$pid" != $$ ] && pids+=("$pid")
  done < <(env -u BERTH_E2E_RUN grep -lsz "^BERTH_E2E_RUN=$BERTH_E2E_RUN\$" /proc/[0-9]*/environ)
  [ ${#pids[@]} -eq 0 ] && return 0
  echo "e2e: killing ${#pids[@]} leftover process(es): $(IFS=,; ps -o comm= -p "${pids[*]}" | sort | uniq -c | xargs)" >&2
  kill -KILL "${pids[@]}" 2>/dev/null || true
}
cleanup() {
  kill_leftovers
  if [ "${BERTH_E2E_KEEP:-}" = 1 ]; then echo "e2e: kept $RUN_TMP" >&2; else rm -rf "$RUN_TMP"; fi
}
trap cleanup EXIT
# A signal ends the stage running in the background (see run_stage), then this shell.
trap 'exit 130' INT
trap 'exit 143' TERM

declare -a timings=()
passed=0
failed=0

# run_stage NAME COMMAND... — runs it in the background so that a signal interrupts the
# wait at once, and records its duration. Returns the command's status.
run_stage() {
  local name=$1 start status
  shift
  echo "=== e2e: $name"
  start=$(date +%s)
  "$@" &
  wait $! ; status=$?
  timings+=("$(printf '%-9s %4ss  %s' "$name" $(($(date +%s) - start)) "$([ $status -eq 0 ] && echo ok || echo "failed ($status)")")")
  return $status
}

# add_counts NAME — adds the counts a suite wrote to test-results/NAME/results.json;
# a suite without that file failed to run, which counts as one failure.
add_counts() {
  local file=$RESULTS/$1/results.json counts
  if [ -f "$file" ]; then
    counts=$(node -p 'const r = require(process.argv[1]); `${r.passed} ${r.failed}`' "$file")
    passed=$((passed + ${counts% *}))
    failed=$((failed + ${counts#* }))
  else
    echo "e2e: $1 reported no results" >&2
    failed=$((failed + 1))
  fi
}

finish() {
  kill_leftovers
  echo "=== e2e: stages"
  printf '  %s\n' "${timings[@]}"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

wants() { [ "$ONLY" = all ] || [ "$ONLY" = "$1" ]; }

for suite in ext-host ui smoke; do
  if wants "$suite"; then rm -rf "${RESULTS:?}/$suite"; fi
done

if ! run_stage setup bash -c 'bash scripts/install-deps.sh runtime && bash scripts/e2e/setup.sh'; then
  failed=1
  finish
fi

if ! run_stage build bash -c 'npx tsc -p test/e2e && node esbuild.mjs'; then
  failed=1
  finish
fi

if wants ext-host; then
  run_stage ext-host node out/test/e2e/run-ext-host.js
  add_counts ext-host
fi

if wants ui; then
  run_stage ui npx playwright test --project ui "$@"
  add_counts ui
fi

if wants smoke; then
  rm -f berth.vsix
  if run_stage package npm run --silent package; then
    run_stage smoke npx playwright test --project smoke "$@"
  fi
  add_counts smoke
fi

finish

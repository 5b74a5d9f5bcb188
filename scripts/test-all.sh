#!/usr/bin/env bash
# Every test Berth has, as the README's test command and CI run them:
#   unit + conformance, runtime (real containers) as root and as an unprivileged user,
#   and the extension in a real VS Code.
# Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOGS=${BERTH_TEST_LOGS:-$ROOT/test-results/logs}
mkdir -p "$LOGS"

bash scripts/install-deps.sh test || { echo "0 passed, 1 failed"; exit 1; }
rm -rf out && npx tsc -p . || { echo "typecheck failed"; echo "0 passed, 1 failed"; exit 1; }
node esbuild.mjs || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
status=0

# Adds the pass/fail counts a node:test run printed (spec or TAP reporter) to the totals.
count_node() {
  local log=$1 p f
  p=$(grep -aE '^(ℹ|#) pass [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || echo 0)
  f=$(grep -aE '^(ℹ|#) fail [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || echo 0)
  passed=$((passed + p)); failed=$((failed + f))
}

stage() {
  local name=$1; shift
  echo "=== $name"
  "$@" 2>&1 | tee "$LOGS/$name.log"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || status=1
  return "$rc"
}

node_stage() {
  local name=$1; shift
  stage "$name" "$@"
  local rc=$?
  count_node "$LOGS/$name.log"
  # A runner that died before reporting still counts as a failure.
  if [ $rc -ne 0 ] && ! grep -qaE '^(ℹ|#) fail [1-9]' "$LOGS/$name.log"; then failed=$((failed + 1)); fi
}

node_stage unit bash scripts/run-node-tests.sh test/unit test/conformance test/fuzz
node_stage runtime-root bash scripts/run-node-tests.sh test/runtime
node_stage runtime-rootless bash scripts/run-rootless.sh bash scripts/run-node-tests.sh test/runtime
node_stage registry-root bash scripts/run-node-tests.sh test/registry
node_stage registry-rootless bash scripts/run-rootless.sh bash scripts/run-node-tests.sh test/registry
node_stage build-root bash scripts/run-node-tests.sh test/build
node_stage build-rootless bash scripts/run-rootless.sh bash scripts/run-node-tests.sh test/build

if [ -x scripts/e2e/run.sh ]; then
  stage e2e bash scripts/e2e/run.sh
  line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$LOGS/e2e.log" | tail -1)
  if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
  else
    failed=$((failed + 1))
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]

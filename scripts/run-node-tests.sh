#!/usr/bin/env bash
# Runs node:test files compiled to out/ for the given test folders (node 20 has no --test globs).
set -euo pipefail
cd "$(dirname "$0")/.."
files=()
for dir in "$@"; do
  [ -d "out/$dir" ] || continue
  while IFS= read -r f; do files+=("$f"); done < <(find "out/$dir" -name '*.test.js' | sort)
done
if [ ${#files[@]} -eq 0 ]; then echo "no test files under: $*" >&2; exit 1; fi
exec node --test --test-reporter=spec "${files[@]}"

#!/usr/bin/env bash
# `npm test`: everything, on a clean checkout after `npm ci`.
# 1. system parts the tests need (apt packages, D-Bus, polkitd, code-server, Chromium), installed once into caches
# 2. lint and type check, build
# 3. unit tests (pure core), integration tests (real kernel, root), webview tests (Chromium),
#    VS Code tests (code-server + Chromium)
# A phase that cannot run fails the run; nothing is skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."

phase() { printf '\n=== %s\n' "$*"; }

phase "system dependencies"
bash scripts/ensure-deps.sh

phase "lint and type check"
npx eslint .
npx tsc -p . --noEmit

phase "build"
node scripts/build.mjs

phase "start system services (D-Bus, polkitd)"
bash scripts/services.sh start

run_node_tests() { # dir, extra node --test flags
  local dir=$1; shift
  mapfile -t files < <(find "out/test/$dir" -name '*.test.js' -not -path '*/suite/*' 2>/dev/null | sort)
  if [ ${#files[@]} -eq 0 ]; then echo "no tests in test/$dir" >&2; return 1; fi
  node --test --test-reporter=spec "$@" "${files[@]}"
}

phase "unit tests"
run_node_tests unit

phase "integration tests (real kernel)"
run_node_tests integration --test-concurrency=1

if [ -d test/webview ]; then
  phase "webview tests (Chromium)"
  run_node_tests webview --test-concurrency=1
fi

if [ -d test/vscode ]; then
  phase "VS Code tests (code-server + Chromium)"
  run_node_tests vscode --test-concurrency=1
fi

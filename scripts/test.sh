#!/usr/bin/env bash
# `npm test`: everything, on a clean checkout after `npm ci`.
# 1. system parts the tests need (apt packages, D-Bus, polkitd, code-server, Chromium), installed once into caches
# 2. lint and type check, build
# 3. unit tests (pure core), integration tests (real kernel, root), webview tests (Chromium),
#    VS Code tests (code-server + Chromium)
# A phase that cannot run fails the run; nothing is skipped silently: a phase whose folder holds no test, that
# loads zero tests, or that has a skipped or todo test fails the run, and each phase says how many tests it ran.
#
# `npm run test:fast` (--fast): lint, type check, build without the native init, unit tests. No root, no apt,
# no browser, no C compiler.
set -euo pipefail
cd "$(dirname "$0")/.."

FAST=0
case "${1:-}" in
  --fast) FAST=1 ;;
  '') ;;
  *) echo "usage: bash scripts/test.sh [--fast]" >&2; exit 2 ;;
esac

phase() { printf '\n=== %s\n' "$*"; }

# Runs the compiled tests of out/test/DIR with node --test (spec reporter), then checks the counts of node's
# summary. The summary block (ℹ tests … ℹ duration_ms) stays the last thing printed: the phase's own line
# goes just before it, and on success nothing follows it.
run_node_tests() { # name, dir, extra node --test flags
  local name=$1 dir=$2; shift 2
  local files counts
  mapfile -t files < <(find "out/test/$dir" -name '*.test.js' -not -path '*/suite/*' 2>/dev/null | sort)
  if [ ${#files[@]} -eq 0 ]; then echo "$name: no test files in out/test/$dir (is test/$dir there, and built?)" >&2; return 1; fi
  counts=$(mktemp)
  set +e
  node --test --test-reporter=spec "$@" "${files[@]}" | awk -v name="$name" -v files="${#files[@]}" -v counts="$counts" -v prefix="✔ $PWD/out/test/$dir/" '
    # node prints its summary last, one "ℹ key value" line each, at column 0; hold it back until the end.
    /^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) / { held[++n] = $0; c[$2] = $3; next }
    # A file that declares no test is reported as one passing test named by its path.
    index($0, prefix) == 1 { empty++; emptyNames = emptyNames " " substr($0, length(prefix) + 1) }
    { for (i = 1; i <= n; i++) print held[i]; n = 0; print; fflush() }
    END {
      printf "=== %s: %d tests ran from %d files (%d passed, %d failed, %d cancelled, %d skipped, %d todo)\n",
        name, c["tests"] - empty, files, c["pass"] - empty, c["fail"], c["cancelled"], c["skipped"], c["todo"]
      for (i = 1; i <= n; i++) print held[i]
      printf "tests=%d\nskipped=%d\ntodo=%d\nsummary=%d\nempty=%d\nemptyNames=\"%s\"\n", c["tests"] - empty, c["skipped"], c["todo"], n, empty, emptyNames > counts
    }'
  local st=("${PIPESTATUS[@]}")
  set -e
  local tests=0 skipped=0 todo=0 summary=0 empty=0 emptyNames=''
  # shellcheck disable=SC1090
  . "$counts"
  rm -f "$counts"
  if [ "${st[1]}" -ne 0 ]; then echo "$name: reading node's output failed" >&2; return 1; fi
  if [ "${st[0]}" -ne 0 ]; then echo "$name: node --test failed (exit ${st[0]})" >&2; return 1; fi
  if [ "$summary" -eq 0 ]; then echo "$name: node --test printed no summary" >&2; return 1; fi
  if [ "$tests" -eq 0 ]; then echo "$name: zero tests ran" >&2; return 1; fi
  if [ "$empty" -ne 0 ]; then echo "$name: $empty files declare no test:$emptyNames" >&2; return 1; fi
  if [ "$skipped" -ne 0 ] || [ "$todo" -ne 0 ]; then
    echo "$name: $skipped skipped and $todo todo tests; every test must run (the lines ending in '# <reason>' or '# TODO' above)" >&2
    return 1
  fi
}

if [ $FAST -eq 0 ]; then
  phase "system dependencies"
  bash scripts/ensure-deps.sh
fi

phase "lint and type check"
npx eslint .
npx prettier --check . --log-level warn
npm run -s typecheck

phase "build"
if [ $FAST -eq 1 ]; then node scripts/build.mjs --no-native; else node scripts/build.mjs; fi

if [ $FAST -eq 1 ]; then
  phase "unit tests"
  run_node_tests "unit tests" unit
  exit 0
fi

phase "start system services (D-Bus, polkitd)"
bash scripts/services.sh start

phase "unit tests"
run_node_tests "unit tests" unit

phase "integration tests (real kernel)"
run_node_tests "integration tests" integration --test-concurrency=1

phase "webview tests (Chromium)"
run_node_tests "webview tests" webview --test-concurrency=1

phase "VS Code tests (code-server + Chromium)"
run_node_tests "VS Code tests" vscode --test-concurrency=1

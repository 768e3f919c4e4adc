#!/usr/bin/env bash
# Runs the official SDKs' own integration suites (centrifuge-js, centrifuge-python,
# centrifuge-go), unchanged but for the server address, against real Centrifugo or this node,
# each server started with the config the SDK's own repo ships for its CI, and prints per SDK
# `N passed, N failed` and the failing tests.
#
#   bash scripts/sdk-suites.sh --server centrifugo|node [--sdk js|python|go]... \
#     [--config original|translated] [--out DIR] [--timeout SECONDS] [--per-test-timeout S]
#
#   --config original    the SDK's server config as shipped (default). This node refuses some
#                        of it today (unknown keys); the run then reports the refusal.
#   --config translated  env settings written as a config file, and every key this node
#                        refuses removed (test/sdk-suites/server-config.ts prints each). Run it
#                        on Centrifugo too: a test failing there as well failed for a removed
#                        feature, not for a bug of this node.
#
# Where each suite comes from (pinned below; cached under $HOME/.cache/centrifugo-ts/sdk-suites):
#   go      the Go module proxy: github.com/centrifugal/centrifuge-go@v0.12.1 holds its
#           _test.go files and docker-compose.yml. CI can fetch it.
#   python  PyPI: the sdist of centrifuge-python 0.7.0 holds tests/ and docker-compose.yml.
#           CI can fetch it.
#   js      no registry has the tests (the npm tarball of `centrifuge` ships only build/ and
#           dist/). The source at the pinned commit is taken from a git dir of
#           github.com/centrifugal/centrifuge-js given by CENTRIFUGE_JS_GIT_DIR (default: the
#           look-up mirror of the session machine, /work/.mirror/centrifugal+centrifuge-js/repo)
#           and then kept in the cache. A machine with neither skips js, saying so: a fresh CI
#           machine cannot run it.
#
# The only edit to a suite: `localhost:8000` in its test files becomes 127.0.0.1:<free port>.
# Both servers get that address through CENTRIFUGO_HTTP_SERVER_ADDRESS/PORT.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${CENTRIFUGO_TS_SDK_SUITES_CACHE:-$HOME/.cache/centrifugo-ts/sdk-suites}"

GO_SDK_MODULE=github.com/centrifugal/centrifuge-go
GO_SDK_VERSION=v0.12.1
PY_SDK_VERSION=0.7.0
# centrifuge-python's CI matrix row for Python 3.11 (.github/workflows/test.yml).
PY_WEBSOCKETS_VERSION=17.0.1
PY_PROTOBUF_VERSION=7.35.1
JS_SDK_VERSION=5.7.1
JS_SDK_COMMIT=c9e867858f703ef7e0b4c68e77004b36b3490214 # tag 5.7.1
JS_GIT_DIR="${CENTRIFUGE_JS_GIT_DIR:-/work/.mirror/centrifugal+centrifuge-js/repo}"
YARN_VERSION=1.22.22 # the suite pins its dependencies in yarn.lock (v1 format)

SERVER=""
MODE=original
SDKS=()
OUT=""
TIMEOUT=1500
PER_TEST=60
PER_FILE=600

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --server) SERVER="${2:-}"; shift 2 ;;
    --sdk) IFS=',' read -r -a more <<<"${2:-}"; SDKS+=("${more[@]}"); shift 2 ;;
    --config) MODE="${2:-}"; shift 2 ;;
    --out) OUT="${2:-}"; shift 2 ;;
    --timeout) TIMEOUT="${2:-}"; shift 2 ;;
    --per-test-timeout) PER_TEST="${2:-}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "sdk-suites: unknown argument $1" >&2; usage ;;
  esac
done
[[ "$SERVER" == centrifugo || "$SERVER" == node ]] || usage
[[ "$MODE" == original || "$MODE" == translated ]] || usage
[[ ${#SDKS[@]} -gt 0 ]] || SDKS=(js python go)
for sdk in "${SDKS[@]}"; do
  [[ "$sdk" == js || "$sdk" == python || "$sdk" == go ]] || { echo "sdk-suites: unknown sdk $sdk" >&2; usage; }
done
OUT="${OUT:-$CACHE/results/$SERVER-$MODE-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

log() { echo "sdk-suites: $*" >&2; }

. "$REPO/scripts/ensure-node.sh"
if [[ ! -d "$REPO/node_modules" ]]; then (cd "$REPO" && npm ci --no-audit --no-fund --loglevel=error); fi
CENTRIFUGO_BIN="$(bash "$REPO/bench/centrifugo.sh")"

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# --- fetching, each into $CACHE/<sdk>-<version>/pristine, dependencies installed once --------

fetch_go() {
  local dir="$CACHE/go-$GO_SDK_VERSION"
  if [[ ! -f "$dir/.ready" ]]; then
    log "go: fetching $GO_SDK_MODULE@$GO_SDK_VERSION from the Go module proxy"
    rm -rf "$dir" && mkdir -p "$dir"
    local src
    src="$(cd "$dir" && go mod download -json "$GO_SDK_MODULE@$GO_SDK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [[ -n "$src" && -f "$src/go.mod" ]] || { log "go: no module source"; return 1; }
    cp -r "$src" "$dir/pristine" && chmod -R u+w "$dir/pristine"
    (cd "$dir/pristine" && go mod download)
    touch "$dir/.ready"
  fi
  SUITE_PRISTINE="$dir/pristine"
  SUITE="$dir/suite"
  rm -rf "$SUITE" && cp -r "$SUITE_PRISTINE" "$SUITE"
  TEST_FILES=("$SUITE"/*_test.go)
}

fetch_python() {
  local dir="$CACHE/python-$PY_SDK_VERSION"
  if [[ ! -f "$dir/.ready" ]]; then
    log "python: fetching the centrifuge-python $PY_SDK_VERSION sdist from PyPI"
    rm -rf "$dir" && mkdir -p "$dir/dl"
    python3 -m pip download --quiet --no-deps --no-binary :all: -d "$dir/dl" "centrifuge-python==$PY_SDK_VERSION"
    tar -xzf "$dir"/dl/centrifuge_python-"$PY_SDK_VERSION".tar.gz -C "$dir"
    mv "$dir/centrifuge_python-$PY_SDK_VERSION" "$dir/pristine"
    python3 -m venv "$dir/venv"
    "$dir/venv/bin/pip" install --quiet "websockets==$PY_WEBSOCKETS_VERSION" "protobuf==$PY_PROTOBUF_VERSION"
    touch "$dir/.ready"
  fi
  SUITE_PRISTINE="$dir/pristine"
  SUITE="$dir/suite"
  PY_VENV="$dir/venv"
  rm -rf "$SUITE" && cp -r "$SUITE_PRISTINE" "$SUITE"
  TEST_FILES=("$SUITE"/tests/*.py)
}

fetch_js() {
  local dir="$CACHE/js-$JS_SDK_VERSION"
  if [[ ! -f "$dir/.ready" ]]; then
    if [[ ! -d "$JS_GIT_DIR" ]] || ! git --git-dir="$JS_GIT_DIR" cat-file -e "$JS_SDK_COMMIT^{commit}" 2>/dev/null; then
      log "js: SKIPPED: its tests are in no package registry, and no git dir of centrifuge-js holding $JS_SDK_COMMIT is here (set CENTRIFUGE_JS_GIT_DIR)"
      return 1
    fi
    log "js: taking centrifuge-js $JS_SDK_COMMIT from $JS_GIT_DIR"
    rm -rf "$dir" && mkdir -p "$dir/pristine"
    git --git-dir="$JS_GIT_DIR" archive "$JS_SDK_COMMIT" | tar -x -C "$dir/pristine"
    cp -r "$dir/pristine" "$dir/suite"
    log "js: installing its dependencies (yarn.lock, scripts off: the suite runs from src/ with ts-jest)"
    (cd "$dir/suite" && npx --yes "yarn@$YARN_VERSION" install --frozen-lockfile --ignore-scripts --non-interactive --silent)
    touch "$dir/.ready"
  fi
  SUITE_PRISTINE="$dir/pristine"
  SUITE="$dir/suite"
  local f
  for f in "$SUITE_PRISTINE"/src/*.test.ts; do cp "$f" "$SUITE/src/"; done
  TEST_FILES=("$SUITE"/src/*.test.ts)
}

# --- one server ---------------------------------------------------------------------------

SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap stop_server EXIT

# Starts the server with $1/config.json, server.env, server.args; returns 1 if it exits or
# does not answer HTTP within 30 s.
start_server() {
  local cfg="$1" port="$2"
  local -a env_vars=() args=()
  mapfile -t env_vars <"$cfg/server.env"
  mapfile -t args <"$cfg/server.args"
  env_vars+=("CENTRIFUGO_HTTP_SERVER_ADDRESS=127.0.0.1" "CENTRIFUGO_HTTP_SERVER_PORT=$port")
  local -a cmd
  if [[ "$SERVER" == centrifugo ]]; then
    cmd=("$CENTRIFUGO_BIN" -c "$cfg/config.json" "${args[@]}")
  else
    cmd=(node "$REPO/src/main.ts" -c "$cfg/config.json" "${args[@]}")
  fi
  echo "env ${env_vars[*]} ${cmd[*]}" >"$cfg/server.cmd"
  (cd "$cfg" && exec env -u CENTRIFUGO_TS_REQUIRE_TOOLS "${env_vars[@]}" "${cmd[@]}") >"$cfg/server.log" 2>&1 &
  SERVER_PID=$!
  local i
  for ((i = 0; i < 300; i++)); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      wait "$SERVER_PID" 2>/dev/null || true
      SERVER_PID=""
      return 1
    fi
    if curl -s -o /dev/null -m 1 "http://127.0.0.1:$port/connection/websocket"; then return 0; fi
    sleep 0.1
  done
  stop_server
  return 1
}

# --- one suite ----------------------------------------------------------------------------

# The Go suite awaits events without deadlines, so one hanging test would stop the whole
# `go test` at its timeout and hide every test after it. So the test binary is built once and
# each top-level test runs alone, bounded by $PER_TEST seconds; test2json gives the same events
# as `go test -json`. The suite's CI runs `go test -race -v`; -race is left out: it multiplies
# the run time on 2 cores and these tests check protocol behaviour, not data races.
# The suite's own `yarn test` is `jest --detectOpenHandles --verbose`. Each test file runs in
# its own jest, bounded by $PER_FILE seconds, so a file that hangs or crashes loses only its
# own results (it is then counted as one failure named by the file). Node runs jest with
# --unhandled-rejections=warn: a test that failed on its own timeout can leave a timer whose
# late rejection would otherwise end the whole process and every file after it. --forceExit:
# such a test can also leave a socket open, and jest would then wait for it until the bound
# (--detectOpenHandles still lists them in runner.log).
run_jest_files() {
  local dir="$1" results="$2" f name deadline=$((SECONDS + TIMEOUT))
  mkdir -p "$results"
  for f in "$SUITE"/src/*.test.ts; do
    name="$(basename "$f")"
    if ((SECONDS < deadline)); then
      (cd "$SUITE" && NODE_OPTIONS=--unhandled-rejections=warn timeout -k 10 "$PER_FILE" \
        node_modules/.bin/jest --detectOpenHandles --forceExit --verbose --json \
        --outputFile="$results/$name.json" "src/$name") || true
    fi
    if [[ ! -s "$results/$name.json" ]]; then
      local why="jest wrote no results: crashed, or cut at the ${PER_FILE}s per-file bound"
      ((SECONDS < deadline)) || why="not run: the ${TIMEOUT}s bound was reached"
      printf '{"testResults":[{"name":"src/%s","message":"%s","assertionResults":[]}]}\n' \
        "$name" "$why" >"$results/$name.json"
    fi
  done
}

run_go_tests() {
  local dir="$1" results="$2" bin="$1/centrifuge-go.test" t deadline=$((SECONDS + TIMEOUT))
  (cd "$SUITE" && go test -c -o "$bin" .) || return 1
  : >"$results"
  for t in $(cd "$SUITE" && "$bin" -test.list '.*'); do
    if ((SECONDS >= deadline)); then
      log "go: ${TIMEOUT}s bound reached; $t and later tests not run"
      printf '{"Action":"run","Test":"%s"}\n' "$t" >>"$results"
      continue
    fi
    (cd "$SUITE" && timeout -k 5 $((PER_TEST + 10)) "$bin" -test.run "^$t\$" -test.count=1 \
      -test.timeout "${PER_TEST}s" -test.v=test2json 2>&1 | go tool test2json -t -p "$GO_SDK_MODULE") \
      >>"$results" || true
  done
}

run_sdk() {
  local sdk="$1"
  local dir="$OUT/$sdk"
  rm -rf "$dir" && mkdir -p "$dir"
  if ! "fetch_$sdk"; then
    echo "$sdk: not run (suite unavailable here)" >"$dir/summary.txt"
    return 0
  fi
  node "$REPO/test/sdk-suites/server-config.ts" --sdk "$sdk" --suite "$SUITE_PRISTINE" \
    --mode "$MODE" --out "$dir" --centrifugo "$CENTRIFUGO_BIN"
  if [[ -s "$dir/translation.txt" ]]; then
    log "$sdk: config changes ($MODE):"
    sed 's/^/    /' "$dir/translation.txt" >&2
  fi

  local port
  port="$(free_port)"
  sed -i "s/localhost:8000/127.0.0.1:$port/g" "${TEST_FILES[@]}"
  if [[ "$sdk" == js ]]; then
    local p
    for p in 3010 3011; do
      if curl -s -o /dev/null -m 1 "http://127.0.0.1:$p/"; then
        log "js: port $p is taken: the shared_poll tests' mock backend will fail to listen"
      fi
    done
  fi

  log "$sdk: starting $SERVER on 127.0.0.1:$port ($MODE config)"
  if ! start_server "$dir" "$port"; then
    local why
    why="$(grep -v '^\s*$' "$dir/server.log" | tail -n 3 | tr '\n' ' ')"
    log "$sdk: $SERVER did not start with this config: $why"
    printf 'refused\t0\t(server)\t%s\n' "$why" >"$dir/results.tsv"
    echo "$sdk: not run ($SERVER refused the config: $why)" >"$dir/summary.txt"
    return 0
  fi

  log "$sdk: running the suite (bounded at ${TIMEOUT}s; runner output in $dir/runner.log)"
  local started=$SECONDS kind results
  set +e
  case "$sdk" in
    go)
      kind=go results="$dir/results.json"
      run_go_tests "$dir" "$results" 2>"$dir/runner.log"
      ;;
    python)
      kind=python results="$dir/results.jsonl"
      (cd "$SUITE" && timeout -k 10 "$TIMEOUT" "$PY_VENV/bin/python" \
        "$REPO/test/sdk-suites/unittest_json.py" "$results" "$PER_TEST") >"$dir/runner.log" 2>&1
      ;;
    js)
      kind=jest results="$dir/jest"
      run_jest_files "$dir" "$results" >"$dir/runner.log" 2>&1
      ;;
  esac
  local rc=$?
  set -e
  local took=$((SECONDS - started))
  stop_server
  [[ $rc -eq 124 || $rc -eq 137 ]] && log "$sdk: the suite hit the ${TIMEOUT}s bound"
  node "$REPO/test/sdk-suites/suite-results.ts" --kind "$kind" --in "$results" \
    --out "$dir/results.tsv" --label "$sdk" | tee "$dir/summary.txt"
  echo "$sdk: suite took ${took}s" | tee -a "$dir/summary.txt" >&2
}

echo "$(date -u +%FT%TZ) bash scripts/sdk-suites.sh --server $SERVER --config $MODE --sdk $(IFS=,; echo "${SDKS[*]}")" >"$OUT/command.txt"
for sdk in "${SDKS[@]}"; do run_sdk "$sdk"; done

echo
echo "sdk-suites: $SERVER, $MODE config; results in $OUT"
passed=0
failed=0
for sdk in "${SDKS[@]}"; do
  grep -E "^$sdk: [0-9]+ passed|^$sdk: not run" "$OUT/$sdk/summary.txt" || true
  if [[ -f "$OUT/$sdk/results.tsv" ]]; then
    passed=$((passed + $(grep -c '^pass' "$OUT/$sdk/results.tsv" || true)))
    failed=$((failed + $(grep -c -E '^(fail|refused)' "$OUT/$sdk/results.tsv" || true)))
  fi
done
echo "total: $passed passed, $failed failed"
[[ $failed -eq 0 ]]

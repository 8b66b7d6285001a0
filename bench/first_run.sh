#!/usr/bin/env bash
# The steps of a first and a second `make run`, each as the Makefile of COMMIT runs it, on a fresh clone with a
# fresh venv: wall and CPU seconds per step, then the seconds until the web server answers.
#
#   .venv/bin/pip download -r requirements-dev.txt setuptools wheel -d /tmp/wheels   # once: "packages downloaded"
#   bench/first_run.sh HEAD 5050 /tmp/wheels
#   bench/first_run.sh d8c517e 5050 /tmp/wheels      # before issue 18 part 7: migrate, seed, reindex, all packages
#
# Packages come from the wheel directory only and no pip cache is used (jieba and zhconv are built from their
# sdists, as on a fresh machine). Every step runs at `nice -n 10`; the load average is printed beside it.
set -uo pipefail
COMMIT=$1
PORT=${2:-5050}
WHEELS=${3:-/tmp/wheels}
REPO=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
DIR=$(mktemp -d /tmp/market-first-run-XXXX)
git clone -q "$REPO" "$DIR/market" && git -C "$DIR/market" checkout -q "$COMMIT" || exit 1
cd "$DIR/market" || exit 1
export PIP_NO_INDEX=1 PIP_FIND_LINKS=$WHEELS PIP_NO_CACHE_DIR=1
unset MARKET_SECRET_KEY MARKET_INSTANCE_PATH MARKET_DATABASE_URL
NAME=$(git rev-parse --short HEAD)
load() { cut -d' ' -f1 /proc/loadavg; }

step() {
  local label=$1
  shift
  if ! nice -n 10 /usr/bin/time -f "%e|%U|%S" -o "$DIR/time" "$@" >"$DIR/step.log" 2>&1; then
    echo "FAILED: $label"
    tail "$DIR/step.log"
    exit 1
  fi
  IFS='|' read -r wall user sys <"$DIR/time"
  printf "%s  %-26s wall %6.1f s  cpu %6.1f s  (load %s)\n" "$NAME" "$label" "$wall" "$(echo "$user + $sys" | bc)" "$(load)"
}

serve() {
  local label=$1 started pid
  started=$(date +%s.%N)
  setsid bash -c "nice -n 10 .venv/bin/flask --app wsgi market index-worker >>'$DIR/worker.log' 2>&1 &
    nice -n 10 .venv/bin/flask --app wsgi run --host 127.0.0.1 --port $PORT >>'$DIR/web.log' 2>&1" &
  pid=$!
  until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do sleep 0.1; done
  printf "%s  %-26s wall %6.1f s  (load %s)\n" "$NAME" "$label" "$(echo "$(date +%s.%N) - $started" | bc)" "$(load)"
  kill -- -"$pid" 2>/dev/null
  sleep 1
}

prepare() {  # what `make run` does between installing and serving
  local again=$1
  if [ -f requirements-dev.txt ]; then
    mkdir -p instance
    [ -s instance/dev-secret-key ] || (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_hex(32))' >instance/dev-secret-key)
    export MARKET_SECRET_KEY=$(cat instance/dev-secret-key)
    step "${again}market setup" .venv/bin/flask --app wsgi market setup
  else
    step "${again}db upgrade" .venv/bin/flask --app wsgi db upgrade
    step "${again}market seed" .venv/bin/flask --app wsgi market seed
    step "${again}market reindex" .venv/bin/flask --app wsgi market reindex
  fi
}

step "venv" "$(command -v python3.11 || command -v python3)" -m venv .venv
if [ -f requirements-dev.txt ]; then
  step "pip install (runtime)" .venv/bin/pip install --disable-pip-version-check -r requirements.txt
else
  step "pip install (everything)" .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
fi
prepare ""
serve "web server answers"
prepare "again: "
serve "again: web server answers"
sleep 2  # the killed processes' last writes
rm -rf "$DIR"

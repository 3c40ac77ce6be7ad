#!/usr/bin/env bash
# postern-imap-bench.sh -- the IMAP benchmark of docs/benchmarks.md against Postern, with the
# scripts of ../shared/bench (imap_bench.py, make_maildir.py). Loopback only.
#
#   Benchmarks/imap/postern-imap-bench.sh [OUT]
#
# Builds nothing: expects a release binary (swift build -c release --scratch-path .build-release).
# Starts `postern serve` with a config on 127.0.0.1:11143, creates bench2@lab.test (10,000
# messages), bench3@lab.test (100,000) and bench4@lab.test (100) with make_maildir.py into
# their Postern Maildirs (no index: the first SELECT builds it), runs imap_bench.py with the
# options of ../shared/bench/run-reference-bench.sh, stops the server (SIGTERM, by pid).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=${BENCH:-$ROOT/../shared/bench}
BIN=${BIN:-$ROOT/.build-release/release/postern}
OUT=${1:-/tmp/postern-imap-bench-$(date +%Y%m%d-%H%M%S)}
WORK=${WORK:-/tmp/postern-imap-bench-data}
PORT=${PORT:-11143}
PHASES=${PHASES:-"10k 100k append-idle"}
PY=/usr/bin/python3
mkdir -p "$OUT"
[ -x "$BIN" ] || { echo "no release binary at $BIN" >&2; exit 1; }

rm -rf "$WORK"; mkdir -p "$WORK"
cat >"$WORK/postern.toml" <<TOML
hostname = "mail.lab.test"
data_dir = "$WORK/data"
log_level = "warning"
[listen]
imap = "127.0.0.1:$PORT"
[imap]
plaintext_auth_on_loopback = true
max_connections = 5000
max_connections_per_client = 5000
TOML
"$BIN" domain add lab.test --config "$WORK/postern.toml" >/dev/null
for u in bench2 bench3 bench4; do
    echo benchpass | "$BIN" user add "$u@lab.test" --password-stdin --config "$WORK/postern.toml" >/dev/null
done

PID=
start() {
    ulimit -n "$(ulimit -Hn)"
    if ss -Hltn "sport = :$PORT" | grep -q .; then echo "port $PORT is already in use" >&2; exit 1; fi
    "$BIN" serve --config "$WORK/postern.toml" >>"$OUT/postern.log" 2>&1 &
    PID=$!
    for _ in $(seq 1 100); do
        kill -0 "$PID" 2>/dev/null || { echo "postern exited" >&2; exit 1; }
        ss -Hltnp "sport = :$PORT" | grep -q "pid=$PID," && return
        sleep 0.1
    done
    echo "postern did not start" >&2; exit 1
}
server_time() {  # user: the same commands with a client that barely parses (imap_server_time.py)
    "$PY" "$ROOT/Benchmarks/imap/imap_server_time.py" --port "$PORT" --user "$1" --password benchpass --reps 10 \
        --command "UID FETCH 1:* (FLAGS)" --command "FETCH 1:* (ENVELOPE)" \
        --command 'UID SEARCH SUBJECT "invoice"' --command 'SEARCH TEXT "zebrafish"' | tee -a "$OUT/server-time.txt"
}
stop() {
    [ -n "$PID" ] || return 0
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=
}
trap stop EXIT
mailbox() {  # user count
    local dir="$WORK/data/mail/lab.test/$1"
    rm -rf "$dir"; mkdir -p "$dir"
    "$PY" "$BENCH/make_maildir.py" --maildir "$dir" --count "$2" --clear --rcpt "$1@lab.test"
}
IB=("$PY" "$BENCH/imap_bench.py" --host 127.0.0.1 --port "$PORT" --password benchpass --reps 3 --max-seconds 1800)
phase() { case " $PHASES " in *" $1 "*) return 0;; *) return 1;; esac; }

echo "== $(date -Is) $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), $(git -C "$ROOT" rev-parse --short HEAD)"
if phase 10k; then
    mailbox bench2 10000; sleep 3; start
    "${IB[@]}" --user bench2@lab.test --label postern-10000 --tests select,fetch,search,store --drop-caches --server-pid "$PID" --json "$OUT/imap-10000.json"
    server_time bench2@lab.test
    stop
fi
if phase 100k; then
    mailbox bench3 100000; sleep 3; start
    "${IB[@]}" --user bench3@lab.test --label postern-100000 --tests select,fetch,search,store --drop-caches --server-pid "$PID" --json "$OUT/imap-100000.json"
    server_time bench3@lab.test
    stop
fi
if phase append-idle; then
    mailbox bench4 100; start
    "${IB[@]}" --user bench4@lab.test --label postern-append-idle --tests select,append,idle --idle-counts 200,1000 \
        --server-pid "$PID" --json "$OUT/imap-append-idle.json"
    stop
fi
echo "== done $(date -Is); results in $OUT"

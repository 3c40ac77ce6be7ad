#!/usr/bin/env bash
# dovecot-imap-bench.sh -- the reference side of docs/benchmarks.md's IMAP section: the same
# imap_bench.py runs (and imap_server_time.py) against the loopback Dovecot of
# ../shared/bench/setup-reference.sh, which must be running (as root: it writes the bench
# users' Maildirs). Mirrors the IMAP phase of ../shared/bench/run-reference-bench.sh.
#
#   Benchmarks/imap/dovecot-imap-bench.sh [OUT]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=${BENCH:-$ROOT/../shared/bench}
OUT=${1:-/tmp/dovecot-imap-bench-$(date +%Y%m%d-%H%M%S)}
PORT=${IMAP_PORT:-1143}
PIDFILE=/run/dovecot-lab/master.pid
PHASES=${PHASES:-"10k 100k append-idle"}
PY=/usr/bin/python3
mkdir -p "$OUT"
[ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" || { echo "the reference Dovecot is not running (setup-reference.sh)" >&2; exit 1; }
IB=("$PY" "$BENCH/imap_bench.py" --host 127.0.0.1 --port "$PORT" --password benchpass --server-pidfile "$PIDFILE"
    --reps 3 --max-seconds 1800)
phase() { case " $PHASES " in *" $1 "*) return 0;; *) return 1;; esac; }
server_time() {
    "$PY" "$ROOT/Benchmarks/imap/imap_server_time.py" --port "$PORT" --user "$1" --password benchpass --reps 10 \
        --command "UID FETCH 1:* (FLAGS)" --command "FETCH 1:* (ENVELOPE)" \
        --command 'UID SEARCH SUBJECT "invoice"' --command 'SEARCH TEXT "zebrafish"' | tee -a "$OUT/server-time.txt"
}
echo "== $(date -Is) $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), dovecot $(dovecot --version)"
for spec in bench2:10000:10k bench3:100000:100k; do
    IFS=: read -r u n p <<<"$spec"
    phase "$p" || continue
    "$PY" "$BENCH/make_maildir.py" --maildir "/home/$u/Maildir" --count "$n" --owner "$u" --clear --rcpt "$u@lab.test"
    sleep 3   # as run-reference-bench.sh: let cur/'s mtime age
    "${IB[@]}" --user "$u" --label "dovecot-$n" --tests select,fetch,search,store --drop-caches --json "$OUT/imap-$n.json"
    server_time "$u"
done
if phase append-idle; then
    "$PY" "$BENCH/make_maildir.py" --maildir /home/bench4/Maildir --count 100 --owner bench4 --clear --rcpt bench4@lab.test
    "${IB[@]}" --user bench4 --label dovecot-append-idle --tests select,append,idle --idle-counts 200,1000 --json "$OUT/imap-append-idle.json"
fi
echo "== done $(date -Is); results in $OUT"

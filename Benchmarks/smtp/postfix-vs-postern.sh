#!/usr/bin/env bash
# postfix-vs-postern.sh -- the SMTP inbound benchmark of docs/benchmarks.md: durable
# accept-and-deliver rate into Maildir, Postfix and Postern alternating run by run with the
# same client (../shared/bench/smtp_bench.sh, Postfix's smtp-source), then per-message
# latency with Benchmarks/smtp/latency.py. Loopback only.
#
#   Benchmarks/smtp/postfix-vs-postern.sh [OUT]
#
# Needs: the reference lab running (../shared/bench/setup-reference.sh: Postfix on
# 127.0.0.1:25 delivering bench1@lab.test to /home/bench1/Maildir) and a release binary
# (swift build -c release --scratch-path .build-release --product postern). Starts
# `postern serve` on 127.0.0.1:$PORT with bench1@lab.test, stops it at the end.
#
# Environment: SIZES ["1024 65536"], CONCS ["1 10 50"], REPS [3], COUNT [5000],
#              LATENCY_COUNT [3000] (0: no latency runs), PORT [2526].
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=${BENCH:-$ROOT/../shared/bench}
BIN=${BIN:-$ROOT/.build-release/release/postern}
OUT=${1:-/tmp/postern-smtp-bench-$(date +%Y%m%d-%H%M%S)}
WORK=${WORK:-/tmp/postern-smtp-bench-data}
PORT=${PORT:-2526}
SIZES=${SIZES:-"1024 65536"} CONCS=${CONCS:-"1 10 50"} REPS=${REPS:-3} COUNT=${COUNT:-5000}
LATENCY_COUNT=${LATENCY_COUNT:-3000}
POSTFIX_MAILDIR=/home/bench1/Maildir
POSTERN_MAILDIR=$WORK/data/mail/lab.test/bench1
[ -x "$BIN" ] || { echo "no release binary at $BIN" >&2; exit 1; }
[ -f /var/spool/postfix/pid/master.pid ] && ss -Hltn 'sport = :25' | grep -q . \
    || { echo "the reference Postfix is not running (../shared/bench/setup-reference.sh)" >&2; exit 1; }
if ss -Hltn "sport = :$PORT" | grep -q .; then echo "port $PORT is already in use" >&2; exit 1; fi
mkdir -p "$OUT"

rm -rf "$WORK"; mkdir -p "$WORK"
cat >"$WORK/postern.toml" <<TOML
hostname = "mail.lab.test"
data_dir = "$WORK/data"
log_level = "info"   # Postfix logs every message too (maillog_file)
[listen]
smtp = "127.0.0.1:$PORT"
[dns]
nameservers = ["127.0.0.1:9"]   # nothing listens: no lookups leave the machine
[smtp]
reverse_lookup = false
TOML
"$BIN" domain add lab.test --config "$WORK/postern.toml" >/dev/null
echo benchpass | "$BIN" user add bench1@lab.test --password-stdin --config "$WORK/postern.toml" >/dev/null
(umask 077; mkdir -p "$POSTERN_MAILDIR"/{cur,new,tmp})   # smtp_bench.sh counts new/ from the start
"$BIN" serve --config "$WORK/postern.toml" >>"$OUT/postern.log" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do ss -Hltnp "sport = :$PORT" | grep -q "pid=$PID," && break; sleep 0.1; done

echo "== $(date -Is) $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), $(git -C "$ROOT" rev-parse --short HEAD)"
cd "$BENCH"
for size in $SIZES; do for conc in $CONCS; do for rep in $(seq 1 "$REPS"); do
    SIZES=$size CONCS=$conc COUNT=$COUNT REPS=1 SERVER_PIDFILE=/var/spool/postfix/pid/master.pid \
        OUT=$OUT/postfix/$size-$conc-$rep ./smtp_bench.sh 127.0.0.1 25 bench1@lab.test $POSTFIX_MAILDIR >/dev/null
    SIZES=$size CONCS=$conc COUNT=$COUNT REPS=1 SERVER_PID=$PID \
        OUT=$OUT/postern/$size-$conc-$rep ./smtp_bench.sh 127.0.0.1 "$PORT" bench1@lab.test "$POSTERN_MAILDIR" >/dev/null
done; done; done

python3 - "$OUT" <<'PY' | tee "$OUT/table.md"
import csv, glob, statistics, sys
root = sys.argv[1]
rows = {}
for server in ("postfix", "postern"):
    for f in glob.glob(f"{root}/{server}/*/runs.csv"):
        for r in csv.DictReader(open(f)):
            rows.setdefault((server, int(r["size"]), int(r["conc"])), []).append(r)
def values(rs, k): return [float(r[k]) for r in rs if r[k] not in ("", "None")]
def med(rs, k): v = values(rs, k); return statistics.median(v) if v else float("nan")
def rng(rs, k): v = values(rs, k); return f"{min(v):.0f}-{max(v):.0f}" if v else ""
print("| size | conc | Postfix delivered msg/s (min-max) | Postern delivered msg/s (min-max) | ratio of medians | Postfix CPU ms/msg | Postern CPU ms/msg | all delivered |")
print("|---:|---:|---:|---:|---:|---:|---:|---|")
for size, conc in sorted({(z, c) for (s, z, c) in rows}):
    pf, pn = rows.get(("postfix", size, conc), []), rows.get(("postern", size, conc), [])
    a, b = med(pf, "deliver_rate"), med(pn, "deliver_rate")
    print(f"| {size} | {conc} | {a:.0f} ({rng(pf, 'deliver_rate')}) | {b:.0f} ({rng(pn, 'deliver_rate')}) | {b / a:.2f} "
          f"| {med(pf, 'server_cpu_ms_per_msg'):.2f} | {med(pn, 'server_cpu_ms_per_msg'):.2f} | {all(r['ok'] == 'True' for r in pf + pn)} |")
PY

if [ "$LATENCY_COUNT" -gt 0 ]; then
    for size in $SIZES; do for conc in $CONCS; do
        for server in postfix postern; do
            if [ $server = postfix ]; then port=25 dir=$POSTFIX_MAILDIR; else port=$PORT dir=$POSTERN_MAILDIR; fi
            find "$dir/new" "$dir/cur" -type f -delete; sleep 2
            echo "$server $(python3 "$ROOT/Benchmarks/smtp/latency.py" --port "$port" --rcpt bench1@lab.test \
                --size "$size" --conc "$conc" --count "$LATENCY_COUNT")" | tee -a "$OUT/latency.txt"
        done
    done; done
    find "$POSTFIX_MAILDIR/new" "$POSTERN_MAILDIR/new" -type f -delete
fi
echo "== done $(date -Is); results in $OUT"

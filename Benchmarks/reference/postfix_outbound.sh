#!/usr/bin/env bash
# postfix_outbound.sh SINK_PORT COUNT SIZE -- Postfix's side of `postern-bench outbound`.
#
# A throwaway Postfix instance with everything under a temporary directory (config, queue,
# data, log; /etc/postfix is only read for master.cf): relayhost = [127.0.0.1]:SINK_PORT,
# smtpd on a free 127.0.0.1 port for injection only, nothing else listening, no DNS.
# COUNT messages of SIZE octets are injected with smtp-source while defer_transports = smtp
# holds them in the deferred queue; then the hold is lifted, the queue flushed, and the time
# until the queue is empty printed as "postfix COUNT SECONDS". Needs root (postfix -c).
set -euo pipefail
SINK_PORT=$1 COUNT=$2 SIZE=$3
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
BASE=$(mktemp -d /tmp/postfix-outbound.XXXXXX)
chmod 755 "$BASE"
INJECT_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CONF=$BASE/etc
mkdir -p "$CONF" "$BASE/spool" "$BASE/data"
chown postfix:postfix "$BASE/data"
cp /etc/postfix/master.cf "$CONF/master.cf"
cat > "$CONF/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $BASE/spool
data_directory = $BASE/data
myhostname = bench.postfix.test
mydomain = postfix.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$SINK_PORT
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
defer_transports = smtp
maillog_file_prefixes = $BASE
maillog_file = $BASE/postfix.log
CF
postconf -c "$CONF" -F '*/*/chroot = n'
postconf -c "$CONF" -X smtp/inet
postconf -c "$CONF" -M "127.0.0.1:$INJECT_PORT/inet=127.0.0.1:$INJECT_PORT inet n - n - - smtpd"
cleanup() { postfix -c "$CONF" stop >/dev/null 2>&1 || true; rm -rf "$BASE"; }
trap cleanup EXIT
postfix -c "$CONF" start >/dev/null 2>&1 || { echo "postfix did not start:" >&2; cat "$BASE/postfix.log" >&2; exit 1; }
for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$INJECT_PORT) 2>/dev/null && break
    sleep 0.1
done
queued() { find "$BASE/spool/incoming" "$BASE/spool/active" "$BASE/spool/deferred" "$BASE/spool/maildrop" -type f 2>/dev/null | wc -l; }
smtp-source -s 16 -m "$COUNT" -l "$SIZE" -f bench@postfix.test -t user@bench.example "127.0.0.1:$INJECT_PORT"
for _ in $(seq 600); do
    [ "$(find "$BASE/spool/deferred" -type f | wc -l)" -ge "$COUNT" ] && [ "$(queued)" -eq "$COUNT" ] && break
    sleep 0.1
done
[ "$(queued)" -eq "$COUNT" ] || { echo "only $(queued) of $COUNT queued" >&2; exit 1; }
postconf -c "$CONF" -e 'defer_transports ='
postfix -c "$CONF" reload >/dev/null 2>&1
start=$(date +%s.%N)
postqueue -c "$CONF" -f
while [ "$(queued)" -gt 0 ]; do sleep 0.02; done
end=$(date +%s.%N)
echo "postfix $COUNT $(echo "$end - $start" | bc)"

#!/usr/bin/env python3
"""imap_server_time.py -- how long a server takes to answer one IMAP command, measured with a
client that does as little as possible (stdlib only, loopback only).

    imap_server_time.py --port 11143 --user bench3@lab.test --password benchpass \
        --command "UID FETCH 1:* (FLAGS)" --reps 10

imap_bench.py parses every response with a regular expression; for a 100,000-message FETCH
that parsing costs more than a fast server takes to produce the response (38 ms of client
time for the 3.6 MB of `UID FETCH 1:* (FLAGS)`, 300 ms for the 31 MB of ENVELOPE, measured
by replaying a recorded response from a local socket). This client reads with 4 MiB
recv() calls and only looks for the tagged reply at the end of what arrived, so its own
cost is a small part of the time it reports. It does not check literals: use it only on
commands whose literals cannot contain "\\r\\n<tag> " (FLAGS, ENVELOPE, SEARCH, STORE).
Prints min / median / max milliseconds over --reps runs, after one untimed run.
"""
import argparse, socket, statistics, sys, time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--mailbox", default="INBOX")
    ap.add_argument("--command", action="append", required=True)
    ap.add_argument("--reps", type=int, default=10)
    a = ap.parse_args()
    if a.host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("loopback only")
    s = socket.create_connection((a.host, a.port), timeout=300)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    counter = [0]

    def run(command):
        counter[0] += 1
        tag = b"S%d" % counter[0]
        marker = b"\r\n" + tag + b" "
        s.sendall(tag + b" " + command.encode() + b"\r\n")
        data = bytearray(b"\r\n")
        start = 0
        while True:
            i = data.find(marker, start)
            if i >= 0 and data.find(b"\r\n", i + 2) >= 0:
                line = bytes(data[i + 2:data.find(b"\r\n", i + 2)])
                if not line.startswith(tag + b" OK"):
                    sys.exit(f"{command!r}: {line!r}")
                return len(data) - 2
            start = max(0, len(data) - len(marker))
            chunk = s.recv(1 << 22)
            if not chunk:
                sys.exit("connection closed")
            data += chunk

    greeting = s.recv(65536)
    if not greeting.startswith(b"* OK"):
        sys.exit(f"greeting {greeting!r}")
    run(f'LOGIN "{a.user}" "{a.password}"')
    run(f'SELECT "{a.mailbox}"')
    for command in a.command:
        size = run(command)
        times = []
        for _ in range(a.reps):
            t0 = time.perf_counter()
            run(command)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{command}: min {min(times):.2f} median {statistics.median(times):.2f} max {max(times):.2f} ms ({size} bytes)")
    run("LOGOUT")


if __name__ == "__main__":
    main()

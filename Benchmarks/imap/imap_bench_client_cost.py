#!/usr/bin/env python3
"""imap_bench_client_cost.py -- how long ../shared/bench/imap_bench.py itself takes to read a
response, with no server work at all (loopback only, stdlib only).

    imap_bench_client_cost.py --port 11143 --user bench3@lab.test --password benchpass \
        --command "UID FETCH 1:* (FLAGS)"

Records the real response of one command from the server, then serves that recording from a
local socket as fast as the kernel allows and times imap_bench.py's Conn.cmd() reading it:
the floor under every imap_bench.py measurement of that command, whatever the server.
"""
import argparse, os, socket, sys, threading, time

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--user", required=True)
ap.add_argument("--password", required=True)
ap.add_argument("--command", required=True)
ap.add_argument("--bench", default=os.path.join(os.path.dirname(__file__), "../../../shared/bench"))
ap.add_argument("--reps", type=int, default=10)
a = ap.parse_args()
sys.path.insert(0, a.bench)
import imap_bench  # noqa: E402

s = socket.create_connection(("127.0.0.1", a.port))
f = s.makefile("rb")
f.readline()


def run(tag, text):
    s.sendall(f"{tag} {text}\r\n".encode())
    out = bytearray()
    while True:
        line = f.readline()
        out += line
        if line.startswith(tag.encode() + b" "):
            return bytes(out)


run("a", f'LOGIN "{a.user}" "{a.password}"')
run("b", "SELECT INBOX")
body = run("R", a.command)
body = body[:body.rindex(b"R OK")]
run("c", "LOGOUT")
print(f"recorded {len(body)} bytes")

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(1)


def serve():
    c, _ = server.accept()
    c.sendall(b"* OK replay\r\n")
    cf = c.makefile("rb")
    while True:
        line = cf.readline()
        if not line:
            return
        c.sendall(body + line.split()[0] + b" OK done\r\n")


threading.Thread(target=serve, daemon=True).start()
conn = imap_bench.Conn("127.0.0.1", server.getsockname()[1], 30)
times = []
for _ in range(a.reps):
    t0 = time.perf_counter()
    conn.cmd(a.command)
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(f"imap_bench.py reading alone: min {times[0]:.2f} median {times[len(times) // 2]:.2f} ms")

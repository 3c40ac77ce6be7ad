#!/usr/bin/env python3
"""latency.py -- per-message SMTP latency, server agnostic (stdlib only, loopback only).

    latency.py --port 25 --rcpt bench1@lab.test --size 1024 --conc 10 --count 2000

Each of --conc worker processes sends messages one connection each (like smtp-source:
connect, greeting, HELO, MAIL, RCPT, DATA, content, QUIT) and records the time from connect
to the 250 that acknowledges the content. Prints messages/s, p50, p90, p99 and max in ms.
"""
import argparse, multiprocessing, socket, statistics, time

def read_reply(f):
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("closed")
        if line[3:4] != b"-":
            return line

def worker(args):
    port, rcpt, size, n = args
    body = b"Subject: latency\r\n\r\n" + (b"x" * 78 + b"\r\n") * max(1, size // 80) + b".\r\n"
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = s.makefile("rb")
        read_reply(f)
        for cmd in (b"HELO client.lab.test\r\n", b"MAIL FROM:<from@lab.test>\r\n", b"RCPT TO:<" + rcpt.encode() + b">\r\n", b"DATA\r\n"):
            s.sendall(cmd)
            read_reply(f)
        s.sendall(body)
        r = read_reply(f)
        t1 = time.perf_counter()
        assert r.startswith(b"250"), r
        s.sendall(b"QUIT\r\n")
        read_reply(f)
        s.close()
        out.append(t1 - t0)
    return out

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--rcpt", required=True)
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--conc", type=int, default=1)
    p.add_argument("--count", type=int, default=1000)
    a = p.parse_args()
    per = max(1, a.count // a.conc)
    t0 = time.perf_counter()
    with multiprocessing.Pool(a.conc) as pool:
        lat = sorted(sum(pool.map(worker, [(a.port, a.rcpt, a.size, per)] * a.conc), []))
    wall = time.perf_counter() - t0
    q = lambda x: lat[min(len(lat) - 1, int(x * len(lat)))] * 1000
    print(f"size={a.size} conc={a.conc} msgs={len(lat)} rate={len(lat)/wall:.0f}/s p50={q(.5):.2f}ms p90={q(.9):.2f}ms p99={q(.99):.2f}ms max={lat[-1]*1000:.2f}ms")

if __name__ == "__main__":
    main()

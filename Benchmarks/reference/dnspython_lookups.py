#!/usr/bin/python3
"""Reference for `postern-bench dns`: sequential uncached A lookups with dnspython
(Debian package python3-dnspython), one fresh UDP socket per query like StubResolver.

usage: dnspython_lookups.py PORT NAMES ORIGIN
Prints: lookups seconds failures
"""
import sys
import time

import dns.message
import dns.query
import dns.rcode


def main() -> None:
    port, names, origin = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    failures = 0
    start = time.perf_counter()
    for i in range(names):
        query = dns.message.make_query(f"h{i}.{origin}", "A", use_edns=0, payload=1232)
        response = dns.query.udp(query, "127.0.0.1", port=port, timeout=2)
        if response.rcode() != dns.rcode.NOERROR or not response.answer:
            failures += 1
    elapsed = time.perf_counter() - start
    print(names, f"{elapsed:.6f}", failures)


if __name__ == "__main__":
    main()

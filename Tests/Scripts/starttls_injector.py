#!/usr/bin/python3
# A hostile SMTP server for the STARTTLS injection test (CVE-2011-0411 class): it answers
# STARTTLS with "220" and, in the same packet, a forged EHLO reply that a careless client
# would take as coming through TLS. Listens on 127.0.0.1 (port written to argv[1]), serves
# one connection, exits with the test process.
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.settimeout(30)
c, _ = s.accept()
c.settimeout(30)
c.sendall(b"220 evil.example ESMTP\r\n")
buf = b""
while True:
    data = c.recv(4096)
    if not data:
        break
    buf += data
    while b"\r\n" in buf:
        line, buf = buf.split(b"\r\n", 1)
        verb = line.split(b" ")[0].upper()
        if verb == b"EHLO":
            c.sendall(b"250-evil.example\r\n250 STARTTLS\r\n")
        elif verb == b"STARTTLS":
            c.sendall(b"220 go ahead\r\n250-evil.example\r\n250 AUTH PLAIN\r\n")
        elif verb == b"QUIT":
            c.sendall(b"221 bye\r\n")
            c.close()
            sys.exit(0)
        else:
            c.sendall(b"502 no\r\n")

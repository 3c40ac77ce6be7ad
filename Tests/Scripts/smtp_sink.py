#!/usr/bin/python3
# A scriptable SMTP sink for Postern's outbound tests, on Debian's python3-aiosmtpd.
# Listens on 127.0.0.1 only (a port chosen by the kernel, written to --port-file), keeps
# every accepted message as <spool>/<n>.eml with its envelope in <spool>/<n>.json, and
# answers by recipient local part:
#   tempfail-once-*  451 4.7.1 the first time that address is seen, then accepted
#   tempfail-*       451 4.7.1 always
#   reject-*         550 5.1.1 always
#   anything else    250
# --no-8bitmime hides 8BITMIME from the EHLO reply (RFC 6152 conversion tests);
# --auth-login-only offers AUTH LOGIN but not PLAIN.
# Options: --tls-cert/--tls-key offer STARTTLS (or --implicit-tls), --auth USER:PASS
# requires AUTH PLAIN/LOGIN (only after TLS), --hostname sets the EHLO name,
# --smtputf8 offers SMTPUTF8.
import argparse, asyncio, json, os, socket, ssl, sys
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

p = argparse.ArgumentParser()
p.add_argument("--spool", required=True)
p.add_argument("--port-file", required=True)
p.add_argument("--port", type=int, default=0)
p.add_argument("--hostname", default="sink.example.test")
p.add_argument("--tls-cert")
p.add_argument("--tls-key")
p.add_argument("--implicit-tls", action="store_true")
p.add_argument("--require-tls", action="store_true")
p.add_argument("--auth")
p.add_argument("--smtputf8", action="store_true")
p.add_argument("--no-8bitmime", action="store_true")
p.add_argument("--auth-login-only", action="store_true")
args = p.parse_args()

seen = {}
counter = [0]

class Handler:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if args.no_8bitmime:
            responses = [r for r in responses if "8BITMIME" not in r]
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        seen[address] = seen.get(address, 0) + 1
        if local.startswith("tempfail-once-") and seen[address] == 1:
            return "451 4.7.1 try again later (first attempt)"
        if local.startswith("tempfail-") and not local.startswith("tempfail-once-"):
            return "451 4.7.1 try again later"
        if local.startswith("reject-"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        counter[0] += 1
        n = counter[0]
        base = os.path.join(args.spool, "%06d" % n)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "rcpt_options": envelope.rcpt_options,
            "tls": session.ssl is not None or args.implicit_tls,
            "auth": session.auth_data.decode() if isinstance(session.auth_data, bytes) else None,
            "helo": session.host_name,
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 OK: queued as sink-%d" % n

def authenticator(server, session, envelope, mechanism, auth_data):
    user, password = args.auth.split(":", 1)
    if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password:
        return AuthResult(success=True, auth_data=auth_data.login)
    return AuthResult(success=False, handled=False)

async def main():
    context = None
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
    kwargs = dict(hostname=args.hostname, enable_SMTPUTF8=args.smtputf8, decode_data=False)
    if context is not None and not args.implicit_tls:
        kwargs.update(tls_context=context, require_starttls=args.require_tls)
    if args.auth:
        # Under implicit TLS aiosmtpd does not know the connection is encrypted; it is.
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=not args.implicit_tls)
        if args.auth_login_only:
            kwargs.update(auth_exclude_mechanism=["PLAIN"])
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(128)
    server = await loop.create_server(lambda: SMTP(Handler(), loop=loop, **kwargs), sock=sock,
                                      ssl=context if args.implicit_tls else None)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(sock.getsockname()[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    # Exit with the test process that started us, even if it never got to stop us.
    parent = os.getppid()
    async def watch_parent():
        while os.getppid() == parent:
            await asyncio.sleep(1)
        server.close()
    loop.create_task(watch_parent())
    async with server:
        try:
            await server.serve_forever()
        except asyncio.CancelledError:
            pass

asyncio.run(main())

#!/usr/bin/python3
"""A real SMTP server for the e-mail notifier's tests: aiosmtpd on a loopback port with
STARTTLS required (the test's self-signed certificate) and AUTH required (one user). Each
message received is written to DIR/NNNN.eml, with DIR/NNNN.json beside it (envelope, TLS,
authenticated login), before the server answers 250: once the client has its answer, the
files are there."""
import argparse
import json
import os
import pathlib
import ssl
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password-file", required=True)
    args = parser.parse_args()
    folder = pathlib.Path(args.dir)
    password = pathlib.Path(args.password_file).read_text().splitlines()[0]
    lock = threading.Lock()
    count = [0]

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            with lock:
                count[0] += 1
                n = count[0]
            base = folder / f"{n:04d}"
            meta = {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "tls": session.ssl is not None,
                "authenticated": bool(session.authenticated),
            }
            base.with_suffix(".json").write_text(json.dumps(meta))
            tmp = base.with_suffix(".tmp")
            tmp.write_bytes(envelope.original_content or envelope.content)
            os.rename(tmp, base.with_suffix(".eml"))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == args.user.encode()
              and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    controller = Controller(Handler(), hostname="127.0.0.1", port=args.port,
                            tls_context=context, require_starttls=True, auth_required=True,
                            auth_require_tls=True, authenticator=authenticator)
    controller.start()
    print(f"smtp sink on 127.0.0.1:{args.port}", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()

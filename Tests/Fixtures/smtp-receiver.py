#!/usr/bin/env python3
"""A real SMTP server on loopback for prospectd's tests (aiosmtpd).

Every accepted message is appended to --out as one JSON line:
  {"mail_from": ..., "rcpt_tos": [...], "data": "<raw message>", "tls": bool, "auth": "user"|null}

Modes:
  --security none|starttls|tls   with --cert/--key for the TLS modes
  --auth USER:PASSWORD           require AUTH (PLAIN and LOGIN offered)
  --refuse SUBSTRING             answer 550 to RCPT TO containing it (permanent)
  --defer SUBSTRING              answer 451 to RCPT TO containing it (try again later)

When listening, the chosen port is written to --port-file.
"""

import argparse
import json
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.refuse and self.args.refuse in address:
            return "550 5.1.1 No such user here"
        if self.args.defer and self.args.defer in address:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.original_content.decode("utf-8", "replace"),
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "auth": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
        }
        with self.lock, open(self.args.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--security", choices=["none", "starttls", "tls"], default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--auth")
    parser.add_argument("--refuse")
    parser.add_argument("--defer")
    args = parser.parse_args()

    # A child of the Swift test runner inherits its blocked signal mask; undo it so SIGTERM works.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])

    context = None
    if args.security != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    kwargs = {}
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

        kwargs["authenticator"] = authenticator
        # With implicit TLS the whole session is encrypted; aiosmtpd only tracks STARTTLS.
        kwargs["auth_require_tls"] = args.security == "starttls"
    if args.security == "starttls":
        kwargs["tls_context"] = context
        kwargs["require_starttls"] = True

    port = free_port()
    controller = Controller(
        Handler(args),
        hostname="127.0.0.1",
        port=port,
        ssl_context=context if args.security == "tls" else None,
        server_hostname="localhost",
        **kwargs,
    )
    controller.start()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.replace(tmp, args.port_file)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    sys.exit(main())

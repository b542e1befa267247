"""A real SMTP server with AUTH for the smtp connector's tests (aiosmtpd).

Usage: smtp_server.py USER PASSWORD plain
       smtp_server.py USER PASSWORD starttls CERT KEY

`plain` offers AUTH PLAIN/LOGIN on a plaintext connection (like a development server);
`starttls` offers STARTTLS with the given certificate and AUTH only after it. Listens on
127.0.0.1, on a port the system picks, and prints that port as its first line.

With SMTP_MAILBOX set to a directory, every message accepted is kept there before the
server answers 250: `N.eml` (the message as received) and `N.json` (the envelope:
`mail_from`, `rcpt_tos`, and the login that sent it).
"""

import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.handlers import Sink
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Keep:
    """Keeps each message in `directory` (see the module's documentation)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        with open(base + ".json.tmp", "w") as envelope_file:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "login": login}, envelope_file)
        with open(base + ".eml.tmp", "wb") as message_file:
            message_file.write(envelope.original_content or envelope.content)
        os.replace(base + ".eml.tmp", base + ".eml")
        os.replace(base + ".json.tmp", base + ".json")
        return "250 Message accepted for delivery"


def main() -> None:
    user, password, mode = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3]
    tls_context = None
    if mode == "starttls":
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(sys.argv[4], sys.argv[5])

    def authenticator(server, session, envelope, mechanism, auth_data):
        accepted = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user
            and auth_data.password == password
        )
        return AuthResult(success=accepted, handled=False, auth_data=auth_data)

    def factory():
        mailbox = os.environ.get("SMTP_MAILBOX")
        return SMTP(
            Keep(mailbox) if mailbox else Sink(),
            hostname="smtp.test",
            authenticator=authenticator,
            auth_require_tls=tls_context is not None,
            tls_context=tls_context,
        )

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(factory, "127.0.0.1", 0)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    main()

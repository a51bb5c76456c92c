"""A strict RDS emulator: moto, made to behave as AWS documents.

moto validates requests and keeps the resource model; these modules make it
strict where this action must be careful, each citing the AWS reference it
follows:

- clock:     AWS-like durations, scaled by RDS_EMULATOR_TIME_SCALE
- states:    creating / backing-up / modifying / deleting / copying, progress,
             and renames that take time and leave a gap
- defaults:  what a restored instance gets when the call does not say
- windows:   restorable windows that move with time; PITR refused outside
- quotas:    DescribeAccountAttributes and the manual snapshot quotas
- refusals:  the calls AWS refuses, with AWS's error codes
- backtrack: BacktrackDBCluster and DescribeDBClusterBacktracks
- aurora:    cluster restores and clones with AWS's defaults, instances only
             in an available cluster, cluster-owned settings refused on members
- catalog:   DescribeDBEngineVersions, DescribeOrderableDBInstanceOptions,
             the engines' default parameter and option groups
- versions:  engine upgrades as ModifyDBInstance allows them, classes a
             version is not offered on refused, default option groups
- deletes:   final snapshot rules, a final snapshot that takes its time,
             no second delete, a cluster's automated backups go with it
- tagging:   at most 50 tags, AWS's key and value rules, NotFound for an ARN
             with nothing behind it
- arns:      snapshots named by ARN (automated ones too) found as AWS finds them
- kms:       GenerateMac and VerifyMac only with the key's own algorithm, and
             only on an enabled key
- realdata:  with RDS_EMULATOR_REAL_DB=1, a real PostgreSQL server behind
             every PostgreSQL instance and Aurora PostgreSQL cluster
             (pgserver.py runs them)

`start(port)` serves it in this process; `python -m emulator PORT` (what
scripts/emulator runs) serves it in the foreground.
"""

from __future__ import annotations

import logging

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

# Import order is nesting order: each module wraps the handlers the modules
# before it wrapped, so the last one imported runs first and moto last
# (realdata works only after the inner ones accepted a call; the ARN,
# tagging and delete rules refuse before anything else acts).
from . import states  # noqa: F401  (isort: skip)
from . import defaults  # noqa: F401  (isort: skip)
from . import windows  # noqa: F401  (isort: skip)
from . import quotas  # noqa: F401  (isort: skip)
from . import refusals  # noqa: F401  (isort: skip)
from . import backtrack  # noqa: F401  (isort: skip)
from . import aurora  # noqa: F401  (isort: skip)
from . import catalog  # noqa: F401  (isort: skip)
from . import versions  # noqa: F401  (isort: skip)
from . import realdata  # noqa: F401  (isort: skip)
from . import deletes  # noqa: F401  (isort: skip)
from . import logs  # noqa: F401  (isort: skip)
from . import tagging  # noqa: F401  (isort: skip)
from . import arns  # noqa: F401  (isort: skip)
from . import kms  # noqa: F401  (isort: skip)
from .clock import CLOCK  # noqa: E402


def _recording_outside_the_checkout() -> None:
    """moto's request recorder writes `moto_recording` into the working
    directory unless MOTO_RECORDER_FILEPATH says otherwise, and the emulator
    runs inside the checkout: a relative path is put in a temporary
    directory of its own instead."""
    import os
    import tempfile

    from moto.moto_api import recorder

    if not os.path.isabs(recorder._location):
        directory = tempfile.mkdtemp(prefix="rds-emulator-recording-")
        recorder._location = os.path.join(directory, os.path.basename(recorder._location))


_recording_outside_the_checkout()


class _Server(ThreadedMotoServer):
    """moto's threaded server, but one that cannot bind its port says so:
    moto's own waits forever for a server that never started."""

    bind_error: BaseException | None = None

    def _server_entry(self) -> None:
        try:
            super()._server_entry()
        except BaseException as error:
            if not self._server_ready_event.is_set():
                self.bind_error = error
                self._server_ready_event.set()
            raise


def start(port: int, host: str = "127.0.0.1") -> ThreadedMotoServer:
    """Serves the emulator on host:port from a background thread; port 0
    takes a free one, which `server.get_host_and_port()` tells."""
    # One line a request would drown the tests' own output.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = _Server(ip_address=host, port=port, verbose=False)
    server.start()
    if server.bind_error is not None:
        raise OSError(f"the emulator cannot serve on {host}:{port}: {server.bind_error}")
    stop = server.stop

    def stop_everything() -> None:
        # No PostgreSQL server outlives the emulator; they go first, as
        # moto's stop waits for open client connections to end.
        realdata.stop_all()
        stop()

    server.stop = stop_everything  # type: ignore[method-assign]
    return server


__all__ = ["CLOCK", "start"]

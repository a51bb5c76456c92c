"""Starts emulators for the integration tests in a fraction of the time.

`python zygote.py`, from tests/support: imports what every emulator imports
(moto's RDS models pull in EC2's, which take 2 s of CPU: most of an
emulator's start), says `ready`, then reads one request a line on stdin and
forks an emulator for each. A request is JSON, `{"env": {...}, "log":
PATH}`: the child adds `env` to its environment, writes its stdout and
stderr to the file `log` (where the emulator's first line names the address
it serves), and runs `python -m emulator 0`. The answer is a line, `pid N`.

Only the emulator's own settings (`RDS_EMULATOR_*`) may be in `env`: they
are read when the emulator package is imported, which happens in the child.
moto reads some settings of its own (IAM enforcement, for one) when moto is
imported, here, before any request: an emulator that needs those is started
as its own process (tests/common/emulator.rs).

Single-threaded, so that a fork copies no lock held by another thread. It
exits when its stdin closes: when the test process that started it ends.
Children are reaped by the kernel (SIGCHLD ignored) and outlive it; each
test stops its own emulator."""

import json
import os
import runpy
import signal
import sys
import traceback

import boto3  # noqa: F401
import flask  # noqa: F401
import moto.iam.models  # noqa: F401
import moto.kms.models  # noqa: F401
import moto.moto_server.threaded_moto_server  # noqa: F401
import moto.rds.models  # noqa: F401
import moto.secretsmanager.models  # noqa: F401
import moto.server  # noqa: F401
import moto.sts.models  # noqa: F401
import werkzeug  # noqa: F401
from moto.moto_api._internal import mock_random

ALLOWED = "RDS_EMULATOR_"


def child(request: dict) -> None:
    """In the forked child: become `python -m emulator 0`. Never returns."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.environ.update(request["env"])
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(null)
        os.close(log)
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        # A forked child would repeat its siblings' "random" IDs.
        mock_random.seed()
        sys.argv = ["emulator", "0"]
        runpy.run_module("emulator", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
        if not isinstance(done.code, int) and done.code is not None:
            print(done.code, file=sys.stderr)
    except BaseException:  # the child must never return into the zygote's loop
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    print("ready", flush=True)
    for line in sys.stdin:
        try:
            request = json.loads(line)
            refused = [name for name in request["env"] if not name.startswith(ALLOWED)]
            if refused:
                raise ValueError(f"only {ALLOWED}* settings can be given here, not {refused}")
            log = request["log"]
            if not isinstance(log, str):
                raise ValueError("log must be a path")
        except (ValueError, KeyError, TypeError) as error:
            print(f"error {error}", flush=True)
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            child(request)
        print(f"pid {pid}", flush=True)


main()

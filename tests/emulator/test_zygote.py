"""tests/support/zygote.py: the integration tests' emulators, forked from one
process that has imported what they import (tests/common/emulator.rs)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from conftest import REPO, client_kwargs

SUPPORT = REPO / "tests" / "support"


def start() -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "zygote.py"], cwd=SUPPORT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "ready"
    return process


@pytest.fixture(scope="module")
def zygote():
    # One for the module: it takes seconds to import what it imports.
    process = start()
    forked = []

    def fork(env: dict[str, str], log: Path) -> tuple[int, str]:
        process.stdin.write(json.dumps({"env": env, "log": str(log)}) + "\n")
        process.stdin.flush()
        answer = process.stdout.readline().strip()
        assert answer.startswith("pid "), answer
        pid = int(answer.split()[1])
        forked.append(pid)
        for _ in range(500):
            written = log.read_text() if log.exists() else ""
            for line in written.splitlines():
                if line.startswith("RDS emulator on http://"):
                    return pid, line.split()[3]
            time.sleep(0.02)
        raise AssertionError(f"no address in {log.read_text()!r}")

    fork.process = process
    yield fork
    for pid in forked:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.stdin.close()
    process.wait(10)


def test_each_child_serves_on_its_own_with_its_own_settings(zygote, tmp_path):
    # The time scale is read when the emulator package is imported: in the
    # child, after its settings are applied.
    fast_pid, fast = zygote({"RDS_EMULATOR_TIME_SCALE": "0.002"}, tmp_path / "fast.log")
    slow_pid, slow = zygote({"RDS_EMULATOR_TIME_SCALE": "1"}, tmp_path / "slow.log")
    assert fast_pid != slow_pid and fast != slow
    for endpoint in (fast, slow):
        boto3.client("rds", **client_kwargs(endpoint)).create_db_instance(
            DBInstanceIdentifier="z", Engine="postgres", DBInstanceClass="db.t3.micro",
            AllocatedStorage=20, MasterUsername="app", MasterUserPassword="password-1")
    time.sleep(2)
    status = {
        name: boto3.client("rds", **client_kwargs(endpoint)).describe_db_instances(
            DBInstanceIdentifier="z")["DBInstances"][0]["DBInstanceStatus"]
        for name, endpoint in (("fast", fast), ("slow", slow))
    }
    assert status == {"fast": "available", "slow": "creating"}


def test_children_do_not_repeat_each_others_random_ids(zygote, tmp_path):
    # Forked children start with the zygote's state of moto's random
    # generator, which names KMS keys, unless each reseeds it.
    keys = []
    for name in ("a", "b"):
        _, endpoint = zygote({}, tmp_path / f"{name}.log")
        kms = boto3.client("kms", **client_kwargs(endpoint))
        keys.append(kms.create_key()["KeyMetadata"]["KeyId"])
    assert keys[0] != keys[1]


def test_a_setting_moto_reads_at_import_is_refused(zygote, tmp_path):
    zygote.process.stdin.write(
        json.dumps({"env": {"INITIAL_NO_AUTH_ACTION_COUNT": "0"}, "log": str(tmp_path / "x.log")}) + "\n")
    zygote.process.stdin.flush()
    answer = zygote.process.stdout.readline()
    assert answer.startswith("error only RDS_EMULATOR_* settings"), answer
    assert not (tmp_path / "x.log").exists()


def test_a_child_writes_its_stacks_on_sigusr1_and_stops_on_sigterm(zygote, tmp_path):
    log = tmp_path / "e.log"
    pid, _ = zygote({}, log)
    os.kill(pid, signal.SIGUSR1)
    time.sleep(0.5)
    assert "Thread" in log.read_text()
    os.kill(pid, signal.SIGTERM)
    # The zygote ignores SIGCHLD, so the kernel reaps the child at once.
    for _ in range(250):
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.02)
    assert not Path(f"/proc/{pid}").exists()


def test_the_zygote_ends_when_its_stdin_closes():
    process = start()
    process.stdin.close()
    assert process.wait(10) == 0

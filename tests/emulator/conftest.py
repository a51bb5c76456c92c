"""Fixtures for the emulator's own tests: one in-process emulator, boto3 clients.

The emulator reads RDS_EMULATOR_TIME_SCALE when it is imported, so the scale
is set here, before the import. At 0.002 an instance takes about a second to
create and a snapshot half a second.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import uuid
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest

REPO = Path(__file__).resolve().parents[2]
SCALE = 0.002

sys.path.insert(0, str(REPO / "tests" / "support"))
os.environ["RDS_EMULATOR_TIME_SCALE"] = str(SCALE)
# One server serves the whole run, and its clusters add up across tests; the
# DBClusters quota (40 on AWS) is tested on its own with a low value.
os.environ["RDS_EMULATOR_DB_CLUSTER_QUOTA"] = "1000"

import emulator  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    # Port 0: the server takes a free port itself, which no other process
    # can take between choosing it and binding it.
    server = emulator.start(0)
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def client_kwargs(endpoint_url: str) -> dict[str, Any]:
    return {
        "region_name": "us-east-1",
        "endpoint_url": endpoint_url,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }


@pytest.fixture(scope="session")
def rds(endpoint: str) -> Any:
    return boto3.client("rds", **client_kwargs(endpoint))


@pytest.fixture(scope="session")
def ec2(endpoint: str) -> Any:
    return boto3.client("ec2", **client_kwargs(endpoint))


@pytest.fixture(scope="session")
def kms(endpoint: str) -> Any:
    return boto3.client("kms", **client_kwargs(endpoint))


@pytest.fixture
def name() -> Any:
    """Makes identifiers unique across the shared server: `name("db")`."""
    run = uuid.uuid4().hex[:8]

    def make(label: str) -> str:
        return f"t{run}-{label}"

    return make


@pytest.fixture
def clock_scale() -> Iterator[Any]:
    """`with clock_scale(0.01):` slows the clock for jobs started inside.

    The scale is read when a job starts, so resources made before the block
    keep their fast schedule. The scale is restored however the test ends.
    """
    before = emulator.CLOCK.scale

    @contextlib.contextmanager
    def scaled(value: float) -> Iterator[None]:
        emulator.CLOCK.scale = value
        try:
            yield
        finally:
            emulator.CLOCK.scale = before

    yield scaled
    emulator.CLOCK.scale = before


# The resources several test modules only read, made once a session.
from helpers import aurora, ready_db, ready_snapshot  # noqa: E402, F401

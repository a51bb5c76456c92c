"""Where AWS is stricter than moto on deletes, tags, ARNs, copies and backups
(deletes.py, tagging.py, arns.py, states.py, windows.py, defaults.py,
refusals.py, aurora.py, catalog.py). One test a rule; each names its source.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from test_emulator import (
    code,
    collapse,
    create_cluster,
    create_instance,
    instance,
    snapshot,
    status,
    take_snapshot,
    wait_cluster,
    wait_instance,
    wait_snapshot,
    watch,
)


@pytest.fixture
def db(rds: Any, name: Any) -> str:
    """An available postgres instance of this test's own."""
    found = name("db")
    create_instance(rds, found, BackupRetentionPeriod=1)
    wait_instance(rds, found)
    return found


def arn_of(rds: Any, db_name: str) -> str:
    return rds.describe_db_instances(DBInstanceIdentifier=db_name)["DBInstances"][0]["DBInstanceArn"]


# --- the recorder ------------------------------------------------------------------------


def test_request_recorder_writes_outside_the_checkout(rds):
    """moto's recorder would write `moto_recording` into the working
    directory (the checkout); the emulator sends it to a directory of its own."""
    import os

    from moto.moto_api import recorder

    from conftest import REPO

    assert os.path.isabs(recorder._location)
    assert not os.path.abspath(recorder._location).startswith(str(REPO))

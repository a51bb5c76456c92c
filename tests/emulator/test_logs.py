"""The engine's log files (emulator/logs.py): DescribeDBLogFiles and
DownloadDBLogFilePortion, with the errors the API reference lists for them.
The real-data case (a server's own log, "ready to accept connections") is
checked end to end by the integration suite's `drill` module."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from helpers import create_instance, wait_instance


def code(error: Any) -> str:
    return error.value.response["Error"]["Code"]


def test_an_unknown_db_is_db_instance_not_found(rds, name):
    """API DownloadDBLogFilePortion, Errors: DBInstanceNotFoundFault."""
    with pytest.raises(ClientError) as error:
        rds.download_db_log_file_portion(
            DBInstanceIdentifier=name("none"), LogFileName="error/postgresql.log", Marker="0"
        )
    assert code(error) == "DBInstanceNotFound"


def test_an_unknown_file_is_db_log_file_not_found_and_a_listed_one_is_served(rds, name):
    """API DownloadDBLogFilePortion, Errors: DBLogFileNotFoundFault; a file
    DescribeDBLogFiles lists can be downloaded from Marker "0"."""
    db = name("db")
    create_instance(rds, db)
    wait_instance(rds, db)
    with pytest.raises(ClientError) as error:
        rds.download_db_log_file_portion(
            DBInstanceIdentifier=db, LogFileName="error/no-such.log", Marker="0"
        )
    assert code(error) == "DBLogFileNotFoundFault"
    files = rds.describe_db_log_files(DBInstanceIdentifier=db)["DescribeDBLogFiles"]
    assert files, "moto lists a DB's log files"
    portion = rds.download_db_log_file_portion(
        DBInstanceIdentifier=db, LogFileName=files[0]["LogFileName"], Marker="0"
    )
    assert portion["AdditionalDataPending"] is False

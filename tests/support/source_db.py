"""Creates the plain PostgreSQL instance the end-to-end workflows snapshot
and restore, and waits until it is available: CI's job "Run the action
(uses ./)" (.github/workflows/ci.yml) and scripts/test-release both start
from it. boto3 (moto's, in .venv) rather than the AWS CLI, which a machine
running the workflow with act may not have.

Usage: source_db.py DB_ID
The endpoint, region and keys come from the environment (AWS_ENDPOINT_URL,
AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), as the action reads
them in the same job.
"""

import os
import sys
import time


def create(rds, db_id: str, seconds: float = 60) -> None:
    """Creates `db_id` with `rds` (a boto3 RDS client) and waits until it
    reads `available`; the strict emulator takes its time, as AWS does."""
    rds.create_db_instance(
        DBInstanceIdentifier=db_id,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="app",
        MasterUserPassword="not-a-secret-1",
        BackupRetentionPeriod=7,
    )
    deadline = time.monotonic() + seconds
    while True:
        status = rds.describe_db_instances(DBInstanceIdentifier=db_id)["DBInstances"][0][
            "DBInstanceStatus"
        ]
        if status == "available":
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{db_id} is still {status} after {seconds:g} s")
        time.sleep(0.2)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: source_db.py DB_ID   (endpoint and keys from AWS_* variables)")
    import boto3

    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not endpoint or not region:
        sys.exit("source_db.py: set AWS_ENDPOINT_URL and AWS_REGION (the emulator's address)")
    started = time.monotonic()
    # boto3 reads the keys from the environment; the region is passed
    # because botocore reads AWS_DEFAULT_REGION, not the runner's AWS_REGION.
    try:
        create(boto3.client("rds", endpoint_url=endpoint, region_name=region), sys.argv[1])
    except TimeoutError as timeout:
        sys.exit(f"source_db.py: {timeout}")
    print(f"{sys.argv[1]} is available ({time.monotonic() - started:.1f} s)", flush=True)


if __name__ == "__main__":
    main()

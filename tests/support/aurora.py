"""Sets up a production-like Aurora cluster in the emulator, as a team would
have it: its own VPC, subnet group and security group, a tuned cluster
parameter group and instance parameter group, IAM authentication, log
exports, cost tags, a writer and a reader of different classes (the reader
with Performance Insights and its own promotion tier), and for aurora-mysql
a backtrack window.

Usage: aurora.py ENDPOINT CLUSTER_ID ENGINE [--binlog] [--no-backtrack] [--readers N]
ENGINE is aurora-postgresql or aurora-mysql. Prints a JSON object with the
IDs it made once the cluster and its instances are available.
"""

import argparse
import json
import os
import time

import boto3

parser = argparse.ArgumentParser()
parser.add_argument("endpoint")
parser.add_argument("cluster")
parser.add_argument("engine", choices=["aurora-postgresql", "aurora-mysql"])
parser.add_argument("--binlog", action="store_true", help="binlog_format ROW in the cluster parameter group")
parser.add_argument("--no-backtrack", action="store_true")
parser.add_argument("--readers", type=int, default=1)
args = parser.parse_args()

# The environment's keys where set: an emulator that enforces IAM (tests/iam.rs)
# knows only the users it made.
KEYS = dict(
    region_name="us-east-1",
    endpoint_url=args.endpoint,
    aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
    aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "setup-only"),
)
ec2 = boto3.client("ec2", **KEYS)
rds = boto3.client("rds", **KEYS)
ID = args.cluster
MYSQL = args.engine == "aurora-mysql"
FAMILY = "aurora-mysql8.0" if MYSQL else "aurora-postgresql15"

vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
subnets = [
    ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{n}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"][
        "SubnetId"
    ]
    for n, z in ((1, "a"), (2, "b"))
]
rds.create_db_subnet_group(DBSubnetGroupName=f"{ID}-subnets", DBSubnetGroupDescription=ID, SubnetIds=subnets)
group = ec2.create_security_group(GroupName=f"{ID}-db", Description=ID, VpcId=vpc)["GroupId"]
rds.create_db_cluster_parameter_group(
    DBClusterParameterGroupName=f"{ID}-cluster-tuned", DBParameterGroupFamily=FAMILY, Description="tuned"
)
if args.binlog:
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName=f"{ID}-cluster-tuned",
        Parameters=[{"ParameterName": "binlog_format", "ParameterValue": "ROW", "ApplyMethod": "pending-reboot"}],
    )
rds.create_db_parameter_group(DBParameterGroupName=f"{ID}-tuned", DBParameterGroupFamily=FAMILY, Description="tuned")
cluster = dict(
    DBClusterIdentifier=ID,
    Engine=args.engine,
    MasterUsername="app",
    MasterUserPassword="not-a-real-password",
    DBSubnetGroupName=f"{ID}-subnets",
    VpcSecurityGroupIds=[group],
    DBClusterParameterGroupName=f"{ID}-cluster-tuned",
    EnableIAMDatabaseAuthentication=True,
    EnableCloudwatchLogsExports=["error", "slowquery"] if MYSQL else ["postgresql"],
    BackupRetentionPeriod=7,
    CopyTagsToSnapshot=True,
    Tags=[{"Key": "cost-center", "Value": "cc-42"}, {"Key": "team", "Value": "payments"}],
)
if MYSQL and not args.no_backtrack:
    cluster["BacktrackWindow"] = 86400
rds.create_db_cluster(**cluster)


def wait(describe, key, status_key, ids):
    deadline = time.time() + 60
    while time.time() < deadline:
        if all(describe(i)[key][0][status_key] == "available" for i in ids):
            return
        time.sleep(0.05)
    raise SystemExit(f"{ids} not available after a minute")


wait(lambda i: rds.describe_db_clusters(DBClusterIdentifier=i), "DBClusters", "Status", [ID])
members = [(f"{ID}-a", "db.r6g.large", {})] + [
    (f"{ID}-r{n}", "db.r6g.xlarge", {"EnablePerformanceInsights": True, "PromotionTier": 2})
    for n in range(1, args.readers + 1)
]
for name, klass, extra in members:
    rds.create_db_instance(
        DBInstanceIdentifier=name,
        DBClusterIdentifier=ID,
        Engine=args.engine,
        DBInstanceClass=klass,
        DBParameterGroupName=f"{ID}-tuned",
        **extra,
    )
wait(lambda i: rds.describe_db_instances(DBInstanceIdentifier=i), "DBInstances", "DBInstanceStatus", [m[0] for m in members])
print(
    json.dumps(
        {
            "vpc": vpc,
            "subnet_group": f"{ID}-subnets",
            "security_group": group,
            "cluster_parameter_group": f"{ID}-cluster-tuned",
            "parameter_group": f"{ID}-tuned",
            "writer": members[0][0],
            "readers": [m[0] for m in members[1:]],
        }
    )
)

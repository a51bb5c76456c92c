"""Sets up a production-like DB instance in the emulator, as a team would
have it: its own VPC, subnet group and security group, a tuned parameter
group, an option group, IAM authentication, log exports, Enhanced
Monitoring, Performance Insights, windows, deletion protection and cost
tags. Also a second VPC with a subnet group, for "wrong network" cases.

Usage: production.py ENDPOINT DB_ID
Prints a JSON object with the IDs it made, once the instance is available.
"""

import json
import sys
import time

import boto3

ENDPOINT, DB = sys.argv[1], sys.argv[2]
KEYS = dict(
    region_name="us-east-1",
    endpoint_url=ENDPOINT,
    aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
    aws_secret_access_key="setup-only",
)
ec2 = boto3.client("ec2", **KEYS)
rds = boto3.client("rds", **KEYS)


def network(name: str, cidr: str) -> tuple[str, str, str]:
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(
            VpcId=vpc, CidrBlock=cidr.replace("0.0/16", f"{n}.0/24"), AvailabilityZone=f"us-east-1{z}"
        )["Subnet"]["SubnetId"]
        for n, z in ((1, "a"), (2, "b"))
    ]
    rds.create_db_subnet_group(
        DBSubnetGroupName=f"{name}-subnets",
        DBSubnetGroupDescription=name,
        SubnetIds=subnets,
    )
    group = ec2.create_security_group(GroupName=f"{name}-db", Description=name, VpcId=vpc)["GroupId"]
    return vpc, f"{name}-subnets", group


vpc, subnets, group = network(f"{DB}-prod", "10.20.0.0/16")
other_vpc, other_subnets, other_group = network(f"{DB}-elsewhere", "10.30.0.0/16")
same_vpc_group = ec2.create_security_group(
    GroupName=f"{DB}-prod-admin", Description="admin", VpcId=vpc
)["GroupId"]
rds.create_db_parameter_group(
    DBParameterGroupName=f"{DB}-tuned", DBParameterGroupFamily="postgres13", Description="tuned"
)
rds.create_db_parameter_group(
    DBParameterGroupName=f"{DB}-other", DBParameterGroupFamily="postgres13", Description="other"
)
rds.create_option_group(
    OptionGroupName=f"{DB}-options",
    EngineName="postgres",
    MajorEngineVersion="13",
    OptionGroupDescription="options",
)
rds.create_db_instance(
    DBInstanceIdentifier=DB,
    Engine="postgres",
    EngineVersion="13.7",
    DBInstanceClass="db.m5.large",
    AllocatedStorage=20,
    MaxAllocatedStorage=100,
    MasterUsername="app",
    MasterUserPassword="not-a-real-password",
    DBSubnetGroupName=subnets,
    VpcSecurityGroupIds=[group],
    DBParameterGroupName=f"{DB}-tuned",
    OptionGroupName=f"{DB}-options",
    MultiAZ=True,
    PubliclyAccessible=False,
    EnableIAMDatabaseAuthentication=True,
    EnableCloudwatchLogsExports=["postgresql", "upgrade"],
    CopyTagsToSnapshot=True,
    CACertificateIdentifier="rds-ca-ecc384-g1",
    BackupRetentionPeriod=7,
    PreferredBackupWindow="03:00-03:30",
    PreferredMaintenanceWindow="sun:05:00-sun:05:30",
    DeletionProtection=True,
    MonitoringInterval=60,
    MonitoringRoleArn="arn:aws:iam::123456789012:role/rds-monitoring",
    EnablePerformanceInsights=True,
    PerformanceInsightsRetentionPeriod=7,
    Tags=[
        {"Key": "cost-center", "Value": "cc-4242"},
        {"Key": "team", "Value": "payments"},
    ],
)
while rds.describe_db_instances(DBInstanceIdentifier=DB)["DBInstances"][0]["DBInstanceStatus"] != "available":
    time.sleep(0.05)
print(
    json.dumps(
        {
            "vpc": vpc,
            "subnet_group": subnets,
            "security_group": group,
            "same_vpc_group": same_vpc_group,
            "other_vpc": other_vpc,
            "other_subnet_group": other_subnets,
            "parameter_group": f"{DB}-tuned",
            "other_parameter_group": f"{DB}-other",
            "option_group": f"{DB}-options",
        }
    )
)

"""The emulator half of scripts/bench: (b) end-to-end waits, (c) start-up.

Run by scripts/bench after the simulation; arguments: the release binary
and the bench's start (epoch seconds). Every call goes through a counting
proxy (tests/support/fault_proxy.py at fault rate 0), one per client, whose
log times each request on the machine's monotonic clock, the clock the
emulator's jobs run on too.
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import boto3

BIN, BEGAN = sys.argv[1], int(sys.argv[2])
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable
# At time scale 1 a snapshot takes `base + per GiB * allocated storage`
# (tests/support/emulator/clock.py); these make 22, 53, 104 and 203 GiB take
# 66, 159, 312 and 609 s, and source instances ready in 3 s. No length is a
# multiple of 30 s, which would let a 30 s waiter look exactly at the end;
# the last two are over 5 minutes, where the calls goal applies: 312 s is
# that range's hardest case (the fewest waiter calls to be half of), 609 s
# a more typical one.
SECONDS = "db-snapshot-base=0,db-snapshot-per-gib=3,instance-creating=2,instance-backing-up=1"
SIZES = {"s66": 22, "s159": 53, "s312": 104, "s609": 203}
PER_GIB = 3
ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "bench-secret",
    "AWS_EC2_METADATA_DISABLED": "true",
}
work = tempfile.mkdtemp(prefix="rds-bench-")
children = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port):
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def spawn(args, **kw):
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    children.append(child)
    return child


def proxy(upstream, name):
    port, log = free_port(), os.path.join(work, f"{name}.jsonl")
    open(log, "w").close()
    spawn([PY, os.path.join(ROOT, "tests/support/fault_proxy.py"), str(port), upstream, "0", "1", log])
    wait_port(port)
    return f"http://127.0.0.1:{port}", log


def calls(log):
    with open(log, encoding="utf-8") as f:
        entries = [json.loads(line) for line in f if line.strip()]
    # The proxy also logs each answer, on lines of their own.
    return [entry for entry in entries if "action" in entry]


def client(endpoint):
    return boto3.client("rds", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="bench-secret")


FLEET = (1, 10, 50)
# Every fleet snapshot takes 66 s (22 GiB at 3 s a GiB), so that N of them
# are compared with one of the same length.
FLEET_SIZES = (22,)


def fleets(upstream, setup):
    """N databases, N = 1, 10 and 50, all groups at once: the action's one
    step for all N (one describe call a round) against boto3 creating the
    N snapshots and then running its waiter on each, one after another, as
    a script per database would."""
    print("== N databases: one action step for all against N sequential boto3 waiters, all started together")
    for n in FLEET:
        for who in ("action", "boto3"):
            for i in range(n):
                setup.create_db_instance(
                    DBInstanceIdentifier=f"f{n}-{who}-{i}", Engine="postgres", DBInstanceClass="db.t3.micro",
                    AllocatedStorage=FLEET_SIZES[i % len(FLEET_SIZES)], MasterUsername="app",
                    MasterUserPassword="bench-password", BackupRetentionPeriod=7)
    for n in FLEET:
        for who in ("action", "boto3"):
            for i in range(n):
                db = f"f{n}-{who}-{i}"
                while setup.describe_db_instances(DBInstanceIdentifier=db)["DBInstances"][0][
                        "DBInstanceStatus"] != "available":
                    time.sleep(0.5)
    runs, threads, walls = {}, [], {}
    for n in FLEET:
        endpoint, log = proxy(upstream, f"fleet-action-{n}")
        env = dict(ENV, PATH=os.environ.get("PATH", ""), AWS_ENDPOINT_URL=endpoint, HOME=work)
        dbs = ",".join(f"f{n}-action-{i}" for i in range(n))
        err = open(os.path.join(work, f"fleet-{n}.err"), "w")
        started = time.monotonic()
        child = subprocess.Popen([BIN, "snapshot", "--db-instance-identifier", dbs, "--run-id", "15"],
                                 env=env, stdout=subprocess.DEVNULL, stderr=err)
        runs[n] = (child, log, started)
    for n in FLEET:
        endpoint, log = proxy(upstream, f"fleet-boto3-{n}")

        def waiters(n=n, endpoint=endpoint, log=log):
            rds = client(endpoint)
            started = time.monotonic()
            for i in range(n):
                rds.create_db_snapshot(DBSnapshotIdentifier=f"f{n}-boto3-{i}-bench",
                                       DBInstanceIdentifier=f"f{n}-boto3-{i}")
            for i in range(n):
                rds.get_waiter("db_snapshot_available").wait(DBSnapshotIdentifier=f"f{n}-boto3-{i}-bench")
            walls[("boto3", n)] = (time.monotonic() - started, log)

        thread = threading.Thread(target=waiters)
        thread.start()
        threads.append(thread)
    for n, (child, log, started) in runs.items():
        if child.wait() != 0:
            raise SystemExit(open(os.path.join(work, f"fleet-{n}.err")).read())
        walls[("action", n)] = (time.monotonic() - started, log)
    for thread in threads:
        thread.join()
    print(f"{'N':>3} {'action: wall':>13} {'describes':>10} {'all calls':>10} {'looks':>6} | "
          f"{'boto3: wall':>12} {'describes':>10} {'all calls':>10}")
    described = {}
    for n in FLEET:
        (a_wall, a_log), (b_wall, b_log) = walls[("action", n)], walls[("boto3", n)]
        a_all, b_all = calls(a_log), calls(b_log)
        a_describes = [c for c in a_all if c["action"].startswith("Describe")]
        b_describes = [c for c in b_all if c["action"].startswith("Describe")]
        described[n] = len(a_describes)
        # Each pause of the wait is followed by one look.
        looks = sum(1 for line in open(os.path.join(work, f"fleet-{n}.err")) if "next look in" in line)
        print(f"{n:>3} {a_wall:>12.1f}s {len(a_describes):>10} {len(a_all):>10} {looks:>6} | "
              f"{b_wall:>11.1f}s {len(b_describes):>10} {len(b_all):>10}")
    one, fifty = walls[("action", 1)][0], walls[("action", FLEET[-1])][0]
    print(f"  the action's wall time for {FLEET[-1]} databases is {fifty / one:.2f}x that of one (goal: <= 1.1x);")
    for n in FLEET[1:]:
        print(f"  its describe calls for {n} databases are {described[n] / described[1]:.2f}x one's (goal: <= 1.5x)")
    print("  (describes: every Describe* call, set-up included; all calls: with the N creates and the quota check)")
    print()


results = {}
BUILD_SECONDS = 40


def early_late(upstream, setup, out):
    """Start early, wait late: a 66 s snapshot started with `wait: false`,
    a 40 s build, then `mode: wait`. The pipeline waits only for the rest."""
    setup.create_db_instance(
        DBInstanceIdentifier="early", Engine="postgres", DBInstanceClass="db.t3.micro",
        AllocatedStorage=22, MasterUsername="app", MasterUserPassword="bench-password",
        BackupRetentionPeriod=7)
    while setup.describe_db_instances(DBInstanceIdentifier="early")["DBInstances"][0][
            "DBInstanceStatus"] != "available":
        time.sleep(0.5)
    endpoint, _ = proxy(upstream, "early-late")
    env = dict(ENV, PATH=os.environ.get("PATH", ""), AWS_ENDPOINT_URL=endpoint, HOME=work)

    def step(*args):
        started = time.monotonic()
        done = subprocess.run([BIN, *args, "--run-id", "16"], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        return time.monotonic() - started

    start = step("snapshot", "--db-instance-identifier", "early", "--wait", "false")
    time.sleep(BUILD_SECONDS)
    waited = step("wait")
    out["early-late"] = (
        "== start early, wait late: a 66 s snapshot, a 40 s build between `snapshot` (wait: false) and `wait`\n"
        f"  starting took {start:.1f} s; the pipeline then waited {waited:.1f} s for the snapshot "
        f"instead of 66 s (snapshot time minus build time: {66 - BUILD_SECONDS} s)")


def main():
    port = free_port()
    # 120 fleet snapshots and more: above AWS's default quota of 100.
    emulator_env = dict(os.environ, RDS_EMULATOR_TIME_SCALE="1", RDS_EMULATOR_SECONDS=SECONDS,
                        RDS_EMULATOR_MANUAL_SNAPSHOT_QUOTA="1000")
    spawn([PY, "-m", "emulator", str(port)], cwd=os.path.join(ROOT, "tests/support"), env=emulator_env)
    wait_port(port)
    upstream = f"http://127.0.0.1:{port}"
    setup = client(upstream)
    for name, size in SIZES.items():
        for who in ("action", "boto3"):
            setup.create_db_instance(
                DBInstanceIdentifier=f"{name}-{who}", Engine="postgres", DBInstanceClass="db.t3.micro",
                AllocatedStorage=size, MasterUsername="app", MasterUserPassword="bench-password",
                BackupRetentionPeriod=7)
    for name in SIZES:
        for who in ("action", "boto3"):
            while setup.describe_db_instances(DBInstanceIdentifier=f"{name}-{who}")["DBInstances"][0][
                    "DBInstanceStatus"] != "available":
                time.sleep(0.5)

    print("== (b) end to end, strict emulator at AWS's pace (time scale 1), snapshots started together")
    runs = {}
    for name in SIZES:
        endpoint, log = proxy(upstream, f"action-{name}")
        env = dict(ENV, PATH=os.environ.get("PATH", ""), AWS_ENDPOINT_URL=endpoint, HOME=work)
        out = open(os.path.join(work, f"action-{name}.out"), "w")
        err = open(os.path.join(work, f"action-{name}.err"), "w")
        child = subprocess.Popen(
            [BIN, "snapshot", "--db-instance-identifier", f"{name}-action", "--deploy-version", "bench",
             "--run-id", "14"], env=env, stdout=out, stderr=err)
        runs[("action", name)] = (child, log)
    threads = []
    for name in SIZES:
        endpoint, log = proxy(upstream, f"boto3-{name}")

        def waiter(name=name, endpoint=endpoint):
            rds = client(endpoint)
            rds.create_db_snapshot(DBSnapshotIdentifier=f"{name}-boto3-bench",
                                   DBInstanceIdentifier=f"{name}-boto3")
            rds.get_waiter("db_snapshot_available").wait(DBSnapshotIdentifier=f"{name}-boto3-bench")

        thread = threading.Thread(target=waiter)
        thread.start()
        threads.append(thread)
        runs[("boto3", name)] = (thread, log)
    for (who, name), (runner, _) in runs.items():
        if who == "action":
            if runner.wait() != 0:
                raise SystemExit(open(os.path.join(work, f"action-{name}.err")).read())
        else:
            runner.join()

    rows = {}
    for (who, name), (_, log) in runs.items():
        seen = calls(log)
        created = next(c["at"] for c in seen if c["action"] == "CreateDBSnapshot")
        looks = [c for c in seen if c["action"] == "DescribeDBSnapshots" and c["at"] > created]
        available = created + SIZES[name] * PER_GIB
        rows[(who, name)] = (looks[-1]["at"] - available, len(looks), len(seen))
    print(f"{'snapshot':<10} {'action: late':>13} {'looks':>6} {'all calls':>10} | "
          f"{'boto3 waiter (30 s): late':>26} {'looks':>6} {'all calls':>10} | {'calls %':>7}")
    for name, size in SIZES.items():
        a, b = rows[("action", name)], rows[("boto3", name)]
        print(f"{size * PER_GIB:>4} s     {a[0]:>12.1f}s {a[1]:>6} {a[2]:>10} | "
              f"{b[0]:>25.1f}s {b[1]:>6} {b[2]:>10} | {100 * a[2] / b[2]:>6.0f}%")
    for who in ("action", "boto3"):
        late = sorted(rows[(who, name)][0] for name in SIZES)
        total = sum(rows[(who, name)][2] for name in SIZES)
        print(f"  {who}: median {statistics.median(late):.1f} s late, worst {late[-1]:.1f} s, "
              f"{total} calls in all, end to end")
    long = [name for name, size in SIZES.items() if size * PER_GIB >= 300]
    a_long = sum(rows[("action", name)][2] for name in long)
    b_long = sum(rows[("boto3", name)][2] for name in long)
    print(f"  on operations of 5 minutes or more the action made {a_long} calls end to end, the waiter "
          f"{b_long}: {100 * a_long / b_long:.0f}% (goal: <= 50%)")
    for name in long:
        a, b = rows[("action", name)][2], rows[("boto3", name)][2]
        print(f"    {SIZES[name] * PER_GIB} s: {a} against {b}, {100 * a / b:.0f}%")
    print("  (late: from the moment the emulator's clock made the snapshot available to the describe call "
          "that saw it; looks: DescribeDBSnapshots after the CreateDBSnapshot; all calls: every call of the "
          "step, set-up included, or the waiter's script's create and describes)")
    print()

    early = threading.Thread(target=early_late, args=(upstream, setup, results))
    early.start()
    fleets(upstream, setup)
    early.join()
    print(results["early-late"])
    print()

    print("== (c) process start to first API answer: one DescribeDBSnapshots, median of 10 runs")
    endpoint, log = proxy(upstream, "startup")
    env = dict(ENV, PATH=os.environ.get("PATH", ""), AWS_ENDPOINT_URL=endpoint, HOME=work)
    script = ("import boto3; boto3.client('rds').describe_db_snapshots("
              "DBSnapshotIdentifier='s66-boto3-bench')")

    def timed(args):
        times = []
        for _ in range(10):
            started = time.monotonic()
            subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times.append(time.monotonic() - started)
        return statistics.median(times) * 1000

    # `list` of a cluster with no snapshots: one describe (a DB instance
    # named in `list` is first looked up, in case it is an Aurora member),
    # and it exits on the answer.
    binary = timed([BIN, "list", "--db-cluster-identifier", "s66-boto3"])
    count = len(calls(log)) // 10
    boto = timed([PY, "-c", script])
    print(f"  release binary (`list`, {count} call(s)): {binary:.0f} ms   boto3 script: {boto:.0f} ms"
          "   (process start to exit)")
    print()
    print(f"bench took {int(time.time()) - BEGAN} s")


try:
    main()
finally:
    for child in children:
        child.terminate()

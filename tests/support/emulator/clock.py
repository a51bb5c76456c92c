"""Emulated time: how long AWS takes, scaled, and the jobs that move state.

Every duration in this emulator is written in AWS seconds (what the
operation takes on real AWS) and turned into real seconds by the time scale,
`RDS_EMULATOR_TIME_SCALE` (1 = AWS-like, 0.01 = a hundred times faster).

A job is a resource's way through a sequence of phases (say `creating` with
rising progress, then `available`). Jobs do not run in threads: before every
request the emulator *ticks*, and each job catches up with the clock, entering
every phase it has passed in order. So a client sees exactly the states a
poller on AWS could see, and a sparse poller never skips a side effect (a
rename that must leave the old name before the new one appears).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable

# What operations take on AWS, in seconds. The figures follow what AWS and
# users report (a snapshot takes minutes, a restore 10-20 minutes, a rename
# about a minute); scripts/bench and the tests only depend on their order.
AWS_SECONDS = {
    # CreateDBSnapshot: a fixed start plus time per GiB of allocated storage.
    "db-snapshot-base": 120,
    "db-snapshot-per-gib": 6,
    "cluster-snapshot": 180,
    # CreateDBInstance: `creating`, then `backing-up` (the first backup).
    "instance-creating": 420,
    "instance-backing-up": 120,
    # RestoreDBInstanceFromDBSnapshot / ToPointInTime.
    "restore-creating": 720,
    "restore-backing-up": 180,
    # CreateDBCluster: the cluster, without instances.
    "cluster-creating": 300,
    # RestoreDBClusterFromSnapshot / RestoreDBClusterToPointInTime (full
    # copy): the cluster alone, without instances, in the time an instance
    # restore's `creating` takes.
    "cluster-restore-creating": 720,
    # RestoreDBClusterToPointInTime with RestoreType=copy-on-write. AWS gives
    # no figure; it documents a clone as "faster and more space-efficient than
    # physically copying the data using other techniques, such as restoring a
    # snapshot" (Aurora.Managing.Clone), since no data is copied, so its time
    # does not grow with the volume. Here: well under a full-copy restore.
    "clone-creating": 120,
    # An instance created into a cluster.
    "cluster-instance-creating": 480,
    # ModifyDBInstance / ModifyDBCluster with ApplyImmediately.
    "modifying": 60,
    # A rename: still `available` right after the call (boto3 #609), then
    # `renaming`, then neither name answers (boto3 #2613), then the new name
    # shows `rebooting` before `available`.
    "rename-still-available": 5,
    "rename-renaming": 25,
    "rename-gone": 10,
    "rename-rebooting": 30,
    "deleting": 90,
    "copy-pending": 30,
    "copy-copying": 300,
    "stopping": 90,
    "starting": 150,
    "backtracking": 120,
    # How far LatestRestorableTime trails the clock: AWS documents "typically
    # within the last five minutes" (Working with backups, USER_PIT).
    "restorable-lag": 300,
}


def _seconds_from_env() -> None:
    """`RDS_EMULATOR_SECONDS=db-snapshot-base=0,db-snapshot-per-gib=3` sets
    named durations (AWS seconds), so scripts/bench can give snapshots the
    lengths it measures without changing what the tests see."""
    raw = os.environ.get("RDS_EMULATOR_SECONDS", "").strip()
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, _, value = item.partition("=")
        if name not in AWS_SECONDS:
            raise SystemExit(
                f"RDS_EMULATOR_SECONDS names `{name}`, which is not one of {', '.join(AWS_SECONDS)}"
            )
        try:
            AWS_SECONDS[name] = float(value)
        except ValueError:
            raise SystemExit(
                f"RDS_EMULATOR_SECONDS: `{name}` must be a number of seconds; got {value!r}"
            ) from None


_seconds_from_env()


def _scale_from_env() -> float:
    raw = os.environ.get("RDS_EMULATOR_TIME_SCALE", "1")
    try:
        scale = float(raw)
    except ValueError:
        raise SystemExit(
            f"RDS_EMULATOR_TIME_SCALE must be a number such as 1 or 0.01; got {raw!r}"
        ) from None
    if not scale > 0:
        raise SystemExit(f"RDS_EMULATOR_TIME_SCALE must be above 0; got {raw!r}")
    return scale


class Clock:
    """The emulator's notion of time, shared by every behaviour."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def now(self) -> float:
        return time.monotonic()

    def real(self, name: str) -> float:
        """Real seconds that the named AWS duration takes at this scale."""
        return AWS_SECONDS[name] * self.scale

    def seconds(self, aws_seconds: float) -> float:
        return aws_seconds * self.scale


CLOCK = Clock(_scale_from_env())


@dataclass
class Phase:
    """One step of a job: entered once, then told how far through it is."""

    seconds: float
    enter: Callable[[], None] = lambda: None
    during: Callable[[float], None] | None = None


@dataclass
class Job:
    name: str
    phases: list[Phase]
    done: Callable[[], None]
    # False once the resource is gone (deleted mid-way): the job is dropped.
    alive: Callable[[], bool] = lambda: True
    start: float = field(default_factory=lambda: CLOCK.now())
    entered: int = -1

    def catch_up(self, now: float) -> bool:
        """Moves the resource to where it would be now; True when finished."""
        if not self.alive():
            return True
        elapsed = now - self.start
        offset = 0.0
        for index, phase in enumerate(self.phases):
            if elapsed < offset + phase.seconds:
                self._enter_up_to(index)
                if phase.during is not None:
                    phase.during((elapsed - offset) / phase.seconds)
                return False
            offset += phase.seconds
        self._enter_up_to(len(self.phases) - 1)
        self.done()
        return True

    def _enter_up_to(self, index: int) -> None:
        while self.entered < index:
            self.entered += 1
            self.phases[self.entered].enter()


class Scheduler:
    """The running jobs; `tick` is called before every request."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def start(self, job: Job) -> Job:
        self.jobs.append(job)
        job.catch_up(CLOCK.now())
        return job

    def tick(self) -> None:
        now = CLOCK.now()
        # A job may start another (a cluster's instances); run those too.
        for job in list(self.jobs):
            if job.catch_up(now):
                self.jobs.remove(job)

    def cancel(self, name: str) -> None:
        self.jobs = [job for job in self.jobs if job.name != name]


SCHEDULER = Scheduler()

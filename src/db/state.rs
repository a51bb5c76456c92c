//! What a status means, per resource type: which states a DB instance, an
//! Aurora cluster or a snapshot never leaves by itself (so a wait fails at
//! once), and which it serves connections in although it is not
//! `available`. The polling loop ([`crate::wait`]) asks each look for its
//! [`Verdict`] and knows none of these lists.

use crate::model::Kind;
use crate::rds::{Cluster, Instance, Snapshot};
use crate::wait::{Observed, Seen, Verdict};

use super::Db;

/// States from which an instance never becomes `available` by itself. The
/// AWS CLI's waiters know only a few of these and otherwise run out the clock.
pub const INSTANCE_FAILURES: &[&str] = &[
    "failed",
    "incompatible-restore",
    "incompatible-parameters",
    "incompatible-network",
    "incompatible-option-group",
    "inaccessible-encryption-credentials",
    "inaccessible-encryption-credentials-recoverable",
    "restore-error",
    "storage-full",
    "insufficient-capacity",
    "deleting",
    "deleted",
    // Someone stopped it (an adopted rollback instance, say): RDS never
    // starts it again by itself, so waiting would only run out the clock.
    "stopping",
    "stopped",
];

/// States from which an Aurora cluster never becomes `available` by itself
/// (the Aurora user guide's "Viewing DB cluster status" table).
pub const CLUSTER_FAILURES: &[&str] = &[
    "cloning-failed",
    "inaccessible-encryption-credentials",
    "inaccessible-encryption-credentials-recoverable",
    "migration-failed",
    "deleting",
    "stopping",
    "stopped",
];

/// States a snapshot never leaves by itself.
pub const SNAPSHOT_FAILURES: &[&str] = &["failed", "deleted", "deleting", "error"];

/// Instance states in which it serves connections although it is not
/// `available`: RDS is optimising storage after a storage change, which
/// "can take several hours" (RDS user guide, modifying storage), and AWS
/// lets the instance be used, snapshotted (CreateDBSnapshot accepts
/// `storage-optimization`) and modified meanwhile. Terraform's waiters
/// accept it as a target state too.
pub const USABLE_STATES: &[&str] = &["storage-optimization"];

/// What a DB of this kind in `status` means for a wait; `arn` names it in
/// the command that starts it when it is stopped.
pub fn verdict(kind: Kind, status: &str, arn: &str) -> Verdict {
    if status == "available" || USABLE_STATES.contains(&status) {
        Verdict::Available
    } else if matches!(status, "stopped" | "stopping") {
        Verdict::Failed(format!(
            "it is in state `{status}`: someone stopped it, and RDS does not start it again by itself; start it (`{}`) and re-run this step",
            kind.start_command(arn)
        ))
    } else if kind.failure_states().contains(&status) {
        Verdict::Failed(format!("it is in state `{status}`"))
    } else {
        Verdict::Pending
    }
}

/// What a snapshot in `status` means for a wait.
pub fn snapshot_verdict(status: &str) -> Verdict {
    if status == "available" {
        Verdict::Available
    } else if SNAPSHOT_FAILURES.contains(&status) {
        Verdict::Failed(format!("it is in state `{status}`"))
    } else {
        Verdict::Pending
    }
}

impl Observed for Snapshot {
    fn seen(&self) -> Seen {
        Seen {
            status: self.status.clone(),
            percent: self.percent,
        }
    }

    fn verdict(&self) -> Verdict {
        snapshot_verdict(&self.status)
    }
}

impl Observed for Instance {
    fn seen(&self) -> Seen {
        Seen {
            status: self.status.clone(),
            percent: None,
        }
    }

    fn verdict(&self) -> Verdict {
        verdict(Kind::Instance, &self.status, &self.arn)
    }
}

impl Observed for Cluster {
    fn seen(&self) -> Seen {
        Seen {
            status: self.status.clone(),
            percent: None,
        }
    }

    fn verdict(&self) -> Verdict {
        verdict(Kind::Cluster, &self.status, &self.arn)
    }
}

impl Observed for Db {
    fn seen(&self) -> Seen {
        Seen {
            status: self.status().to_owned(),
            percent: None,
        }
    }

    fn verdict(&self) -> Verdict {
        verdict(self.kind(), self.status(), self.arn())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSTANCE: &str = "arn:aws:rds:eu-west-1:123456789012:db:prod";
    const CLUSTER: &str = "arn:aws:rds:eu-west-1:123456789012:cluster:prod-aurora";

    #[test]
    fn every_terminal_instance_state_fails_fast() {
        for state in INSTANCE_FAILURES {
            assert!(
                matches!(verdict(Kind::Instance, state, INSTANCE), Verdict::Failed(reason) if reason.contains(state)),
                "{state}"
            );
        }
        for state in ["creating", "backing-up", "modifying", "rebooting"] {
            assert_eq!(verdict(Kind::Instance, state, INSTANCE), Verdict::Pending);
        }
        assert_eq!(snapshot_verdict("available"), Verdict::Available);
        assert!(matches!(snapshot_verdict("failed"), Verdict::Failed(_)));
    }

    #[test]
    fn every_terminal_cluster_state_fails_fast() {
        for state in CLUSTER_FAILURES {
            assert!(
                matches!(verdict(Kind::Cluster, state, CLUSTER), Verdict::Failed(reason) if reason.contains(state)),
                "{state}"
            );
        }
        assert_eq!(
            verdict(Kind::Cluster, "creating", CLUSTER),
            Verdict::Pending
        );
    }

    #[test]
    fn a_stopped_db_fails_fast_and_says_how_to_start_it() {
        for state in ["stopped", "stopping"] {
            let Verdict::Failed(reason) = verdict(Kind::Instance, state, INSTANCE) else {
                panic!("{state} must fail fast");
            };
            assert!(
                reason.contains(
                    "`aws rds start-db-instance --region eu-west-1 --db-instance-identifier prod`"
                ),
                "{reason}"
            );
            let Verdict::Failed(reason) = verdict(Kind::Cluster, state, CLUSTER) else {
                panic!("{state} must fail fast");
            };
            assert!(
                reason.contains("`aws rds start-db-cluster --region eu-west-1 --db-cluster-identifier prod-aurora`"),
                "{reason}"
            );
        }
    }

    #[test]
    fn storage_optimization_is_usable_for_a_db_only() {
        assert_eq!(
            verdict(Kind::Instance, "storage-optimization", INSTANCE),
            Verdict::Available
        );
        assert_eq!(snapshot_verdict("storage-optimization"), Verdict::Pending);
    }
}

//! The facts that differ by kind and that the modes would otherwise match
//! on: output names, JSON names, the states a DB can be snapshotted in, the
//! CLI commands a message suggests, the failure states of a wait.

use crate::model::Kind;

use super::state::{CLUSTER_FAILURES, INSTANCE_FAILURES};

impl Kind {
    /// Its name in JSON outputs (`snapshot-identifiers`' `kind`).
    pub fn json_name(self) -> &'static str {
        match self {
            Kind::Instance => "instance",
            Kind::Cluster => "cluster",
        }
    }

    /// The output that names the DB an in-place rollback replaced.
    pub fn replaced_output(self) -> &'static str {
        match self {
            Kind::Instance => "replaced-db-instance-identifier",
            Kind::Cluster => "replaced-db-cluster-identifier",
        }
    }

    /// The states RDS snapshots it in: CreateDBSnapshot accepts only
    /// `available` and `storage-optimization` (API_CreateDBSnapshot), and
    /// CreateDBClusterSnapshot only an `available` cluster
    /// (InvalidDBClusterStateFault, API_CreateDBClusterSnapshot).
    pub fn snapshottable_states(self) -> &'static [&'static str] {
        match self {
            Kind::Instance => &["available", "storage-optimization"],
            Kind::Cluster => &["available"],
        }
    }

    /// The states it never leaves by itself (see [`super::state`]).
    pub fn failure_states(self) -> &'static [&'static str] {
        match self {
            Kind::Instance => INSTANCE_FAILURES,
            Kind::Cluster => CLUSTER_FAILURES,
        }
    }

    /// The AWS CLI command that starts a stopped one.
    pub fn start_command(self) -> &'static str {
        match self {
            Kind::Instance => "start-db-instance",
            Kind::Cluster => "start-db-cluster",
        }
    }

    /// What the summary calls the address the application connects to.
    pub fn endpoint_label(self) -> &'static str {
        match self {
            Kind::Instance => "Endpoint",
            Kind::Cluster => "Writer endpoint",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_is_snapshotted_while_optimising_storage_and_a_cluster_is_not() {
        assert!(
            Kind::Instance
                .snapshottable_states()
                .contains(&"storage-optimization")
        );
        assert_eq!(Kind::Cluster.snapshottable_states(), ["available"]);
    }

    #[test]
    fn names_per_kind() {
        assert_eq!(Kind::Cluster.json_name(), "cluster");
        assert_eq!(
            Kind::Instance.replaced_output(),
            "replaced-db-instance-identifier"
        );
    }
}

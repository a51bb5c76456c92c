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

    /// The whole AWS CLI command that starts the stopped one named by `arn`
    /// (StartDBInstance and StartDBCluster require the identifier); the
    /// region comes from the ARN, so the command works from any shell.
    pub fn start_command(self, arn: &str) -> String {
        let (region, id) = crate::model::arn_region_and_name(arn).unwrap_or(("<region>", "<id>"));
        format!(
            "aws rds start-{0} --region {region} --{0}-identifier {id}",
            self.cli()
        )
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

    // Regression: the printed fix lacked the identifier and the region.
    #[test]
    fn the_start_command_is_whole() {
        assert_eq!(
            Kind::Instance.start_command("arn:aws:rds:eu-west-1:123456789012:db:prod"),
            "aws rds start-db-instance --region eu-west-1 --db-instance-identifier prod"
        );
        assert_eq!(
            Kind::Cluster.start_command("arn:aws:rds:us-east-2:123456789012:cluster:prod-aurora"),
            "aws rds start-db-cluster --region us-east-2 --db-cluster-identifier prod-aurora"
        );
    }
}

//! EC2 instance types as the VPC CNI sees them: ENIs, addresses per ENI, size.

use serde::Deserialize;

/// One instance type.
#[derive(Debug, Clone, Deserialize)]
pub struct InstanceType {
    /// `m5.large`.
    pub name: String,
    /// Network interfaces it can attach.
    pub enis: u32,
    /// IPv4 addresses per interface.
    pub ipv4_per_eni: u32,
    /// vCPUs.
    pub vcpus: u32,
    /// Memory in MiB.
    pub memory_mib: u64,
}

impl InstanceType {
    /// Max pods without prefix delegation: ENIs x (IPv4 per ENI - 1) + 2 (the primary
    /// address of each ENI is not a pod's; two host-network pods need none).
    pub fn max_pods(&self) -> u32 {
        self.enis * self.ipv4_per_eni.saturating_sub(1) + 2
    }

    /// Addresses one ENI holds: what the CNI's default warm pool (one spare ENI) takes.
    pub fn warm_pool(&self) -> u32 {
        self.ipv4_per_eni
    }
}

/// The instance table and the subnet constants that go with it.
#[derive(Debug, Clone, Deserialize)]
pub struct InstanceCatalog {
    /// Where the data comes from.
    pub source: String,
    /// Addresses AWS reserves in every subnet.
    pub reserved_per_subnet: u32,
    /// Max pods with prefix delegation.
    pub prefix_delegation_max_pods: u32,
    /// Max pods with prefix delegation on instances above `large_above_vcpus`.
    pub prefix_delegation_max_pods_large: u32,
    /// vCPU threshold for the larger cap.
    pub large_above_vcpus: u32,
    /// The types.
    pub list: Vec<InstanceType>,
}

impl InstanceCatalog {
    /// The type `name`.
    pub fn get(&self, name: &str) -> Option<&InstanceType> {
        self.list.iter().find(|t| t.name == name)
    }
}

//! The `provider "kubernetes"` block: `host` binds it to a simulated EKS cluster.

use engine::provider::{Attribute, NestedBlock, Nesting, Schema};

use super::{boolean, string, string_list, string_map};

/// The Terraform Kubernetes provider's settings. `host` (an `aws_eks_cluster`'s
/// `endpoint`) chooses the cluster; credentials, kubeconfig and `exec` settings are
/// accepted and ignored, as the simulator has no authentication.
pub fn provider_block() -> Schema {
    let optional = Attribute::optional;
    let block = |schema| NestedBlock {
        nesting: Nesting::List,
        min_items: 0,
        max_items: 1,
        force_new: false,
        schema,
    };
    Schema::default()
        .attr("host", optional(string()))
        .attr("cluster_ca_certificate", optional(string()))
        .attr("token", optional(string()).sensitive())
        .attr("username", optional(string()))
        .attr("password", optional(string()).sensitive())
        .attr("insecure", optional(boolean()))
        .attr("tls_server_name", optional(string()))
        .attr("client_certificate", optional(string()))
        .attr("client_key", optional(string()).sensitive())
        .attr("config_path", optional(string()))
        .attr("config_paths", optional(string_list()))
        .attr("config_context", optional(string()))
        .attr("config_context_auth_info", optional(string()))
        .attr("config_context_cluster", optional(string()))
        .attr("proxy_url", optional(string()))
        .attr("ignore_annotations", optional(string_list()))
        .attr("ignore_labels", optional(string_list()))
        .block(
            "exec",
            block(
                Schema::default()
                    .attr("api_version", Attribute::required(string()))
                    .attr("command", Attribute::required(string()))
                    .attr("args", optional(string_list()))
                    .attr("env", optional(string_map())),
            ),
        )
        .block(
            "experiments",
            block(Schema::default().attr("manifest_resource", optional(boolean()))),
        )
}

# galley kitchen run modules/msk-cluster

provider "aws" {
  region = "eu-west-1"
}

variables {
  name          = "ledger"
  kafka_version = "3.8.x"
}

run "setup" {
  module {
    source = "./tests/setup"
  }
}

# Two zones: the replication factor follows the brokers (planned only).
run "two_zones" {
  command = plan
  variables {
    client_subnet_ids  = slice(run.setup.subnet_ids, 0, 2)
    security_group_ids = [run.setup.security_group_id]
    broker_count       = 2
  }

  assert {
    condition     = strcontains(aws_msk_configuration.this.server_properties, "default.replication.factor = 2\n") && strcontains(aws_msk_configuration.this.server_properties, "min.insync.replicas = 1\n")
    error_message = "Two brokers: replication factor 2, one replica may be restarting."
  }
}

run "create" {
  variables {
    client_subnet_ids  = run.setup.subnet_ids
    security_group_ids = [run.setup.security_group_id]
  }

  assert {
    condition     = output.broker_count == 3 && length(split(",", output.bootstrap_brokers)) == 3
    error_message = "Three brokers by default, one per zone, each in the bootstrap list."
  }
  assert {
    condition     = alltrue([for b in split(",", output.bootstrap_brokers) : endswith(b, ":9094")])
    error_message = "Clients connect over TLS on 9094."
  }
  assert {
    condition     = output.kafka_version == "3.8.x" && output.metadata_mode == "ZooKeeper"
    error_message = "The cluster runs the version asked for, with ZooKeeper metadata."
  }
  assert {
    condition     = output.configuration_revision == 1 && aws_msk_cluster.this.configuration_info[0].arn == output.configuration_arn
    error_message = "The cluster runs the first revision of the module's configuration."
  }
  assert {
    condition     = strcontains(output.server_properties, "default.replication.factor = 3\n") && strcontains(output.server_properties, "min.insync.replicas = 2\n") && strcontains(output.server_properties, "auto.create.topics.enable = false\n")
    error_message = "Three brokers: replication factor 3 with two in sync, no topics created by accident."
  }
  assert {
    condition     = join(",", aws_msk_cluster.this.broker_node_group_info[0].client_subnets) == join(",", run.setup.subnet_ids)
    error_message = "The brokers use the three given subnets."
  }
}

run "brokers_not_a_multiple_of_zones" {
  command = plan
  variables {
    client_subnet_ids  = run.setup.subnet_ids
    security_group_ids = [run.setup.security_group_id]
    broker_count       = 4
  }
  expect_failures = [var.broker_count]
}

run "end_of_support_version" {
  command = plan
  variables {
    client_subnet_ids  = run.setup.subnet_ids
    security_group_ids = [run.setup.security_group_id]
    kafka_version      = "3.6.0"
  }
  expect_failures = [var.kafka_version]
}

run "min_insync_equals_replication_factor" {
  command = plan
  variables {
    client_subnet_ids  = run.setup.subnet_ids
    security_group_ids = [run.setup.security_group_id]
    server_properties  = { "min.insync.replicas" = "3" }
  }
  expect_failures = [aws_msk_configuration.this]
}

run "new_properties" {
  variables {
    client_subnet_ids  = run.setup.subnet_ids
    security_group_ids = [run.setup.security_group_id]
    server_properties  = { "log.retention.hours" = "72" }
  }

  assert {
    condition     = output.configuration_revision == 2 && strcontains(output.server_properties, "log.retention.hours = 72\n")
    error_message = "A new setting is a new revision, which the cluster moves to."
  }
  assert {
    condition     = output.cluster_arn == run.create.cluster_arn && output.configuration_arn == run.create.configuration_arn
    error_message = "The cluster and its configuration are changed in place."
  }
}

run "scale_out" {
  variables {
    client_subnet_ids  = run.setup.subnet_ids
    security_group_ids = [run.setup.security_group_id]
    server_properties  = { "log.retention.hours" = "72" }
    broker_count       = 6
  }

  assert {
    condition     = output.broker_count == 6 && output.cluster_arn == run.create.cluster_arn
    error_message = "Brokers are added to the cluster in place: two per zone."
  }
  assert {
    condition     = output.configuration_revision == run.new_properties.configuration_revision
    error_message = "Six brokers keep replication factor 3: the configuration does not change."
  }
}

run "upgrade" {
  variables {
    client_subnet_ids  = run.setup.subnet_ids
    security_group_ids = [run.setup.security_group_id]
    server_properties  = { "log.retention.hours" = "72" }
    broker_count       = 6
    kafka_version      = "3.9.x"
  }

  assert {
    condition     = output.kafka_version == "3.9.x" && output.metadata_mode == "ZooKeeper"
    error_message = "3.8.x upgrades in place to 3.9.x, still on ZooKeeper."
  }
  assert {
    condition     = output.cluster_arn == run.create.cluster_arn && output.bootstrap_brokers == run.create.bootstrap_brokers
    error_message = "A Kafka upgrade keeps the cluster and its bootstrap brokers."
  }
  assert {
    condition     = output.configuration_revision == run.new_properties.configuration_revision
    error_message = "The configuration suits every version: the upgrade keeps its revision."
  }
}

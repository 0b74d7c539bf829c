# galley kitchen run modules/aurora-postgresql

provider "aws" {
  region = "eu-west-1"
}

variables {
  name                = "orders-db"
  engine_version      = "16.8"
  skip_final_snapshot = true
}

run "setup" {
  module {
    source = "./tests/setup"
  }
}

run "create" {
  variables {
    security_group_ids = [run.setup.security_group_id]
  }

  assert {
    condition     = output.parameter_group_family == "aurora-postgresql16"
    error_message = "16.8 needs a cluster parameter group of family aurora-postgresql16."
  }
  assert {
    condition     = output.engine_version == "16.8" && output.engine_version_actual == "16.8"
    error_message = "The cluster runs the version asked for."
  }
  assert {
    condition     = length(output.instance_ids) == 2 && length(output.reader_instance_ids) == 1
    error_message = "reader_count = 1 by default: a writer and one reader."
  }
  assert {
    condition     = aws_rds_cluster_instance.writer.writer && !aws_rds_cluster_instance.reader[0].writer
    error_message = "Instance 1 is the writer, the others are readers."
  }
  assert {
    condition     = output.endpoint != output.reader_endpoint && strcontains(output.reader_endpoint, ".cluster-ro-")
    error_message = "The reader endpoint is the cluster's -ro endpoint, not the writer's."
  }
  assert {
    condition     = endswith(output.parameter_group_name, "orders-db-pg16") && aws_rds_cluster.this.db_cluster_parameter_group_name == output.parameter_group_name
    error_message = "The cluster uses the module's parameter group, named after the major."
  }
  assert {
    condition     = contains([for p in aws_rds_cluster_parameter_group.this["16"].parameter : "${p.name}=${p.value}"], "rds.logical_replication=1")
    error_message = "logical_replication = true (the default) sets rds.logical_replication = 1."
  }
  assert {
    condition     = length(aws_rds_cluster.this.vpc_security_group_ids) == 1 && contains(aws_rds_cluster.this.vpc_security_group_ids, run.setup.security_group_id) && output.port == 5432
    error_message = "The cluster is in the given security group, on PostgreSQL's port."
  }
}

run "unknown_major" {
  command = plan
  variables {
    engine_version = "18.1"
  }
  expect_failures = [var.engine_version]
}

run "extended_support_major" {
  command = plan
  variables {
    engine_version = "13.22"
  }
  expect_failures = [var.engine_version]
}

run "blue_green_needs_logical_replication" {
  command = plan
  variables {
    blue_green_update   = true
    logical_replication = false
  }
  expect_failures = [var.blue_green_update]
}

run "more_readers" {
  variables {
    security_group_ids = [run.setup.security_group_id]
    reader_count       = 2
  }

  assert {
    condition     = length(output.instance_ids) == 3 && output.instance_ids[0] == run.create.writer_instance_id
    error_message = "A second reader is added; the writer stays first."
  }
  assert {
    condition     = output.endpoint == run.create.endpoint && output.cluster_arn == run.create.cluster_arn
    error_message = "Adding a reader keeps the cluster and its endpoint."
  }
  assert {
    condition     = aws_rds_cluster_instance.reader[1].promotion_tier == 2
    error_message = "Reader n has promotion tier n: the first reader is promoted first, and none shares the writer's tier 0."
  }
}

# A minor upgrade without apply_immediately waits for the maintenance window.
run "minor_upgrade_waits" {
  variables {
    security_group_ids = [run.setup.security_group_id]
    reader_count       = 2
    engine_version     = "16.9"
  }

  assert {
    condition     = output.engine_version == "16.9" && output.engine_version_actual == "16.8"
    error_message = "Without apply_immediately the cluster keeps running 16.8 until sun:03:00."
  }
  assert {
    condition     = output.parameter_group_family == "aurora-postgresql16" && output.endpoint == run.create.endpoint
    error_message = "A minor upgrade keeps the parameter group and the cluster."
  }
}

# 16.8 -> 17.6 as an RDS Blue/Green Deployment: the new family's parameter group first,
# then the switchover; the endpoints stay.
run "major_upgrade_blue_green" {
  variables {
    security_group_ids          = [run.setup.security_group_id]
    reader_count                = 2
    engine_version              = "17.6"
    allow_major_version_upgrade = true
    blue_green_update           = true
    apply_immediately           = true
  }

  assert {
    condition     = output.parameter_group_family == "aurora-postgresql17" && endswith(output.parameter_group_name, "orders-db-pg17")
    error_message = "A major upgrade moves the cluster to a parameter group of the new family."
  }
  assert {
    condition     = keys(aws_rds_cluster_parameter_group.this) == ["17"]
    error_message = "The 16 group is deleted once the cluster has moved to the 17 one."
  }
  assert {
    condition     = output.engine_version_actual == "17.6"
    error_message = "With apply_immediately the cluster runs 17.6 after the apply."
  }
  assert {
    condition     = output.endpoint == run.create.endpoint && output.reader_endpoint == run.create.reader_endpoint
    error_message = "A blue/green switchover keeps the endpoints."
  }
  assert {
    condition     = join(",", output.instance_ids) == join(",", run.more_readers.instance_ids)
    error_message = "The instances keep their identifiers."
  }
}

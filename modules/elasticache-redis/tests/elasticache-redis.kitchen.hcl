# galley kitchen run modules/elasticache-redis

provider "aws" {
  region = "eu-west-1"
}

variables {
  name           = "sessions"
  engine         = "redis"
  engine_version = "7.1"
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
    condition     = output.num_cache_clusters == 2 && length(aws_elasticache_replication_group.this.member_clusters) == 2
    error_message = "One replica by default: a primary and a replica, two cache clusters."
  }
  assert {
    condition     = output.automatic_failover_enabled && output.multi_az_enabled
    error_message = "With a replica, failover and Multi-AZ are on without being asked."
  }
  assert {
    condition     = output.engine == "redis" && output.engine_version == "7.1" && output.engine_version_actual == "7.1.0"
    error_message = "The group runs Redis OSS 7.1."
  }
  assert {
    condition     = output.primary_endpoint != output.reader_endpoint && output.port == 6379
    error_message = "Writes and reads have their own endpoints, on 6379."
  }
  assert {
    condition     = aws_elasticache_replication_group.this.transit_encryption_enabled && aws_elasticache_replication_group.this.at_rest_encryption_enabled
    error_message = "Encrypted in transit and at rest by default."
  }
}

run "replicas_without_failover" {
  command = plan
  variables {
    replicas                   = 2
    automatic_failover_enabled = false
  }
  expect_failures = [var.automatic_failover_enabled]
}

run "failover_without_replica" {
  command = plan
  variables {
    replicas                   = 0
    automatic_failover_enabled = true
  }
  expect_failures = [var.automatic_failover_enabled]
}

run "no_redis_72" {
  command = plan
  variables {
    engine_version = "7.2"
  }
  expect_failures = [var.engine_version]
}

run "single_node_plan" {
  command = plan
  variables {
    security_group_ids = [run.setup.security_group_id]
    replicas           = 0
  }

  assert {
    condition     = aws_elasticache_replication_group.this.num_cache_clusters == 1 && !aws_elasticache_replication_group.this.automatic_failover_enabled && !aws_elasticache_replication_group.this.multi_az_enabled
    error_message = "Without replicas, failover and Multi-AZ are off (ElastiCache would refuse them)."
  }
}

# Redis OSS 7.1 -> Valkey 8.0 in place, with a second replica.
run "to_valkey" {
  variables {
    security_group_ids = [run.setup.security_group_id]
    engine             = "valkey"
    engine_version     = "8.0"
    replicas           = 2
    apply_immediately  = true
  }

  assert {
    condition     = output.engine == "valkey" && output.engine_version_actual == "8.0.0" && output.num_cache_clusters == 3
    error_message = "The group runs Valkey 8.0 with three cache clusters."
  }
  assert {
    condition     = output.primary_endpoint == run.create.primary_endpoint && output.reader_endpoint == run.create.reader_endpoint && output.arn == run.create.arn
    error_message = "Redis OSS to Valkey is in place: the group and its endpoints stay."
  }
}

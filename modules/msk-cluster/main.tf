# An MSK cluster with its brokers spread evenly over two or three zones, and a
# configuration whose replication settings survive a rolling restart.

locals {
  replication_factor = min(3, var.broker_count)

  properties = merge(
    {
      "auto.create.topics.enable"      = "false"
      "default.replication.factor"     = tostring(local.replication_factor)
      "min.insync.replicas"            = tostring(max(1, local.replication_factor - 1))
      "unclean.leader.election.enable" = "false"
    },
    var.server_properties,
  )

  server_properties = join("", [for k in sort(keys(local.properties)) : "${k} = ${local.properties[k]}\n"])
}

# Without kafka_versions the configuration suits every version, so a Kafka upgrade keeps
# it (MSK cannot change kafka_versions of a configuration in place).
resource "aws_msk_configuration" "this" {
  name              = "${var.name}-config"
  description       = "${var.name}: replication factor ${local.properties["default.replication.factor"]}, min.insync.replicas ${local.properties["min.insync.replicas"]}"
  server_properties = local.server_properties

  lifecycle {
    # Every broker restart of a rolling upgrade takes one replica of each partition away:
    # with min.insync.replicas equal to the replication factor, producers using acks=all
    # stop for each broker in turn.
    precondition {
      condition     = tonumber(local.properties["min.insync.replicas"]) < tonumber(local.properties["default.replication.factor"]) || tonumber(local.properties["default.replication.factor"]) == 1
      error_message = "min.insync.replicas (${local.properties["min.insync.replicas"]}) must be below default.replication.factor (${local.properties["default.replication.factor"]}): MSK restarts brokers one at a time for every upgrade, and acks=all producers fail while fewer replicas than min.insync.replicas are in sync."
    }
    precondition {
      condition     = tonumber(local.properties["default.replication.factor"]) <= var.broker_count
      error_message = "default.replication.factor (${local.properties["default.replication.factor"]}) cannot exceed the ${var.broker_count} brokers: topics created with the default would fail."
    }
  }
}

resource "aws_msk_cluster" "this" {
  cluster_name           = var.name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = var.broker_count

  broker_node_group_info {
    instance_type   = var.instance_type
    client_subnets  = var.client_subnet_ids
    security_groups = var.security_group_ids
    storage_info {
      ebs_storage_info {
        volume_size = var.volume_size
      }
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.this.arn
    revision = aws_msk_configuration.this.latest_revision
  }

  encryption_info {
    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  tags = var.tags
}

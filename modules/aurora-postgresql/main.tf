# An Aurora PostgreSQL cluster: a writer and reader_count readers, and a cluster
# parameter group of the family its major version needs.

locals {
  major = split(".", var.engine_version)[0]

  # rds.logical_replication is a static parameter: RDS applies it at the next reboot.
  logical_replication = var.logical_replication ? {
    "rds.logical_replication" = { value = "1", apply_method = "pending-reboot" }
  } : {}
  extra_parameters = {
    for k, v in var.cluster_parameters : k => { value = v, apply_method = "immediate" }
  }
  parameters = merge(local.extra_parameters, local.logical_replication)
}

# One group per major, keyed and named by it (NAME-pg16): a major upgrade adds the new
# family's group, moves the cluster to it, and only then deletes the old one.
resource "aws_rds_cluster_parameter_group" "this" {
  for_each = toset([local.major])

  name        = "${var.name}-pg${each.key}"
  family      = "aurora-postgresql${each.key}"
  description = "${var.name}: Aurora PostgreSQL ${each.key} cluster parameters"
  tags        = var.tags

  dynamic "parameter" {
    for_each = local.parameters
    content {
      name         = parameter.key
      value        = parameter.value.value
      apply_method = parameter.value.apply_method
    }
  }
}

resource "aws_rds_cluster" "this" {
  cluster_identifier              = var.name
  engine                          = "aurora-postgresql"
  engine_version                  = var.engine_version
  database_name                   = var.database_name
  master_username                 = var.master_username
  manage_master_user_password     = true
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.this[local.major].name
  db_subnet_group_name            = var.db_subnet_group_name
  vpc_security_group_ids          = var.security_group_ids
  storage_encrypted               = true
  backup_retention_period         = var.backup_retention_period
  preferred_maintenance_window    = var.preferred_maintenance_window
  allow_major_version_upgrade     = var.allow_major_version_upgrade
  apply_immediately               = var.apply_immediately
  skip_final_snapshot             = var.skip_final_snapshot
  final_snapshot_identifier       = var.skip_final_snapshot ? null : "${var.name}-final"
  deletion_protection             = var.deletion_protection
  tags                            = var.tags

  dynamic "blue_green_update" {
    for_each = var.blue_green_update ? [1] : []
    content {
      enabled            = true
      switchover_timeout = var.switchover_timeout
    }
  }
}

# Instance 1 is created first and becomes the writer; the others are readers, in
# promotion order.
resource "aws_rds_cluster_instance" "writer" {
  identifier         = "${var.name}-1"
  cluster_identifier = aws_rds_cluster.this.cluster_identifier
  engine             = aws_rds_cluster.this.engine
  instance_class     = var.instance_class
  promotion_tier     = 0
  apply_immediately  = var.apply_immediately
  tags               = var.tags
}

resource "aws_rds_cluster_instance" "reader" {
  count              = var.reader_count
  identifier         = "${var.name}-${count.index + 2}"
  cluster_identifier = aws_rds_cluster.this.cluster_identifier
  engine             = aws_rds_cluster.this.engine
  instance_class     = var.instance_class
  promotion_tier     = min(count.index + 1, 15)
  apply_immediately  = var.apply_immediately
  tags               = var.tags

  # Created after the writer, so RDS makes the first instance the writer.
  depends_on = [aws_rds_cluster_instance.writer]
}

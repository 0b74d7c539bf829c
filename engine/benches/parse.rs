//! Parse benchmark: how many megabytes of HCL per second galley reads on one core.
//!
//! Run: `cargo bench -p galley-engine --bench parse`
//!
//! It writes a generated configuration into a temporary directory: a root module of
//! services (variables with object types and validations, locals with for-expressions and
//! conditionals, resources with nested and dynamic blocks, `lifecycle`, string templates,
//! heredocs with template directives, `jsonencode` policies, comments, outputs), one call
//! per file to a local child module, and the provider, backend and data blocks. Then, on
//! the bench's single thread, it measures:
//!
//! - `hcl_edit::parser::parse_body` over the text of every file the loader reads (the
//!   child module once per call, as the loader reads it);
//! - `engine::config::load_config` on the directory: reading, parsing and decoding into
//!   the configuration model, child modules included.
//!
//! Both run over the same bytes. MB is 10^6 bytes. Each figure is measured
//! `GALLEY_PARSE_ITERS` times (default 9) after one warm-up run; the table shows the best
//! and the median of the wall times; the last column is over the median time the thread
//! spent on a CPU (Linux), which other processes sharing the machine do not stretch. The
//! first two rows leave out dropping the parsed trees and the loaded configuration; the
//! last two include it (a command pays it when it ends).
//!
//! `GALLEY_PARSE_MB` sets the size of the root module in MB (default 8).
//! `GALLEY_PARSE_ONLY=parse` or `=load` runs only that measurement (to profile it, e.g.
//! `perf record -g` on the bench binary under `target/release/deps`).
//! With `GALLEY_PARSE_GENERATE=DIR` it only writes the configuration into DIR.

use std::path::Path;
use std::time::{Duration, Instant};

use engine::config::{load_config, Config};
use engine::diag::SourceMap;

/// The root module's shared blocks: settings, backend, providers, common variables, data.
const PROVIDERS: &str = r#"# Providers, backend and the inputs every service shares.

terraform {
  required_version = ">= 1.5"

  backend "s3" {
    bucket = "example-terraform-state"
    key    = "services/terraform.tfstate"
    region = "eu-west-1"
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      ManagedBy = "galley"
      Repo      = "infrastructure"
    }
  }
}

provider "aws" {
  alias  = "us"
  region = "us-east-1"
}

variable "region" {
  description = "Region of every service."
  type        = string
  default     = "eu-west-1"
}

variable "common_tags" {
  description = "Tags set on everything."
  type        = map(string)
  default = {
    Owner   = "platform"
    Project = "services"
  }
}

variable "zone_id" {
  description = "Route 53 private zone of the services."
  type        = string
  default     = "Z0123456789ABCDEFGHIJ"
}

variable "db_version" {
  type    = string
  default = "16.4"
}

variable "ami_id" {
  description = "Machine image of every instance."
  type        = string
  default     = "ami-0123456789abcdef0"
}

data "aws_caller_identity" "current" {}

data "aws_availability_zones" "available" {
  state = "available"
}

moved {
  from = aws_s3_bucket.legacy
  to   = aws_s3_bucket.svc0
}
"#;

/// One service of the root module; `@N@` is its number, `@A@` an octet derived from it.
const SERVICE: &str = r#"
# ---- service @N@ ------------------------------------------------------------------
# Network, compute, storage and DNS of svc-@N@.

variable "svc@N@_settings" {
  description = "Settings of svc-@N@: instance size, replica count, feature flags, subnets."
  type = object({
    instance_type = string
    replicas      = number
    features      = map(bool)
    subnets       = list(object({ cidr = string, az = string, public = optional(bool, false) }))
  })
  default = {
    instance_type = "m5.large"
    replicas      = 3
    features      = { tracing = true, canary = false }
    subnets = [
      { cidr = "10.@A@.0.0/20", az = "eu-west-1a", public = true },
      { cidr = "10.@A@.16.0/20", az = "eu-west-1b" },
      { cidr = "10.@A@.32.0/20", az = "eu-west-1c" },
    ]
  }

  validation {
    condition     = var.svc@N@_settings.replicas > 0 && var.svc@N@_settings.replicas <= 50
    error_message = "replicas must be between 1 and 50, got ${var.svc@N@_settings.replicas}."
  }
}

variable "svc@N@_environment" {
  type    = string
  default = "staging"

  validation {
    condition     = contains(["dev", "staging", "prod"], var.svc@N@_environment)
    error_message = "The environment must be dev, staging or prod."
  }
}

locals {
  svc@N@_name    = "svc-@N@-${var.svc@N@_environment}"
  svc@N@_is_prod = var.svc@N@_environment == "prod"
  svc@N@_tags = merge(var.common_tags, {
    Service     = local.svc@N@_name
    Environment = var.svc@N@_environment
    CostCenter  = format("cc-%04d", @N@)
  })
  svc@N@_public_subnets = [for s in var.svc@N@_settings.subnets : s.cidr if try(s.public, false)]
  svc@N@_subnet_by_az   = { for s in var.svc@N@_settings.subnets : s.az => s.cidr... }
  svc@N@_replicas       = local.svc@N@_is_prod ? max(var.svc@N@_settings.replicas, 3) : 1
  svc@N@_dns            = lower(replace("${local.svc@N@_name}.internal.example.com", "_", "-"))
  svc@N@_table_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
      Resource = [aws_dynamodb_table.svc@N@.arn, "${aws_dynamodb_table.svc@N@.arn}/index/*"]
    }]
  })
  svc@N@_bucket_policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Principal": { "AWS": "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" },
          "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
          "Resource": [
            "arn:aws:s3:::${aws_s3_bucket.svc@N@.bucket}",
            "arn:aws:s3:::${aws_s3_bucket.svc@N@.bucket}/*"
          ]
        }
      ]
    }
  EOT
}

resource "aws_vpc" "svc@N@" {
  cidr_block           = "10.@A@.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(local.svc@N@_tags, { Name = "${local.svc@N@_name}-vpc" })
}

resource "aws_subnet" "svc@N@" {
  for_each                = { for s in var.svc@N@_settings.subnets : s.az => s }
  vpc_id                  = aws_vpc.svc@N@.id
  cidr_block              = each.value.cidr
  availability_zone       = each.key
  map_public_ip_on_launch = try(each.value.public, false)

  tags = merge(local.svc@N@_tags, {
    Name = "${local.svc@N@_name}-${each.key}"
    Tier = try(each.value.public, false) ? "public" : "private"
  })
}

resource "aws_security_group" "svc@N@" {
  name        = "${local.svc@N@_name}-sg"
  description = "Traffic to svc-@N@"
  vpc_id      = aws_vpc.svc@N@.id

  dynamic "ingress" {
    for_each = [443, 8080, 9090]
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = [aws_vpc.svc@N@.cidr_block]
    }
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  lifecycle {
    create_before_destroy = true
    ignore_changes        = [tags["LastScanned"], description]
  }
}

resource "aws_dynamodb_table" "svc@N@" {
  name           = "${local.svc@N@_name}-sessions"
  billing_mode   = local.svc@N@_is_prod ? "PROVISIONED" : "PAY_PER_REQUEST"
  hash_key       = "id"
  range_key      = "created_at"
  read_capacity  = local.svc@N@_is_prod ? 20 : null
  write_capacity = local.svc@N@_is_prod ? 10 : null

  attribute {
    name = "id"
    type = "S"
  }

  attribute {
    name = "created_at"
    type = "N"
  }

  tags = local.svc@N@_tags
}

resource "aws_msk_configuration" "svc@N@" {
  name              = "${local.svc@N@_name}-kafka"
  kafka_versions    = ["3.6.0", "3.7.x"]
  description       = "Broker settings of svc-@N@"
  server_properties = <<-EOT
    auto.create.topics.enable = false
    default.replication.factor = ${local.svc@N@_is_prod ? 3 : 1}
    min.insync.replicas = ${local.svc@N@_is_prod ? 2 : 1}
    num.partitions = ${var.svc@N@_settings.replicas * 4}
    log.retention.hours = 168
  EOT
}

resource "aws_s3_bucket" "svc@N@" {
  bucket        = "${local.svc@N@_name}-artifacts-${data.aws_caller_identity.current.account_id}"
  force_destroy = !local.svc@N@_is_prod
  tags          = local.svc@N@_tags
}

resource "aws_instance" "svc@N@" {
  count                  = local.svc@N@_replicas
  ami                    = var.ami_id
  instance_type          = var.svc@N@_settings.instance_type
  subnet_id              = values(aws_subnet.svc@N@)[count.index % length(aws_subnet.svc@N@)].id
  availability_zone      = data.aws_availability_zones.available.names[count.index % 3]
  vpc_security_group_ids = [aws_security_group.svc@N@.id]
  user_data              = <<EOF
#!/bin/bash
echo "service=svc-@N@ replica=${count.index}" > /etc/service.env
%{ for k, v in local.svc@N@_tags ~}
echo "${k}=${v}" >> /etc/service.env
%{ endfor ~}
systemctl restart app
EOF

  root_block_device {
    volume_size = local.svc@N@_is_prod ? 100 : 20
    volume_type = "gp3"
    encrypted   = true
  }

  tags = merge(local.svc@N@_tags, { Name = format("%s-%02d", local.svc@N@_name, count.index) })

  depends_on = [aws_dynamodb_table.svc@N@, aws_msk_configuration.svc@N@]

  lifecycle {
    precondition {
      condition     = length(var.svc@N@_settings.subnets) > 0
      error_message = "svc-@N@ needs at least one subnet."
    }
  }
}

/* One A record over every replica of the service. */
resource "aws_route53_record" "svc@N@" {
  zone_id = var.zone_id
  name    = local.svc@N@_dns
  type    = "A"
  ttl     = 60
  records = aws_instance.svc@N@[*].private_ip
}

output "svc@N@_endpoints" {
  description = "Private addresses of svc-@N@ by instance id."
  value       = { for inst in aws_instance.svc@N@ : inst.id => inst.private_ip }
}

output "svc@N@_policies" {
  value     = { table = local.svc@N@_table_policy, bucket = local.svc@N@_bucket_policy }
  sensitive = true
}
"#;

/// The database call closing each root file; `@F@` is the file's number, `@N@` one of its
/// services.
const DATABASE_CALL: &str = r#"
// The file's database, in the shared child module.
module "db@F@" {
  source         = "./modules/database"
  providers      = { aws = aws.us }
  name           = "db-@F@"
  engine_version = var.db_version
  vpc_id         = aws_vpc.svc@N@.id
  subnet_ids     = [for s in aws_subnet.svc@N@ : s.id]
  tags           = local.svc@N@_tags
}
"#;

/// The child module `modules/database`, as (file name, text).
const DATABASE_MODULE: [(&str, &str); 3] = [
    (
        "variables.tf",
        r#"variable "name" {
  description = "Cluster identifier."
  type        = string
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "engine_version" {
  type    = string
  default = "16.4"
}

variable "tags" {
  type    = map(string)
  default = {}
}
"#,
    ),
    (
        "main.tf",
        r#"resource "aws_security_group" "this" {
  name   = "${var.name}-db"
  vpc_id = var.vpc_id

  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

resource "aws_rds_cluster" "this" {
  cluster_identifier          = var.name
  engine                      = "aurora-postgresql"
  engine_version              = var.engine_version
  vpc_security_group_ids      = [aws_security_group.this.id]
  master_username             = "app"
  manage_master_user_password = true
  skip_final_snapshot         = true
  tags                        = merge(var.tags, { Name = var.name })

  lifecycle {
    prevent_destroy = false
    ignore_changes  = [master_password]
  }
}

resource "aws_rds_cluster_instance" "this" {
  count              = length(var.subnet_ids)
  identifier         = "${var.name}-${count.index}"
  cluster_identifier = aws_rds_cluster.this.id
  instance_class     = "db.r6g.large"
  engine             = aws_rds_cluster.this.engine
  engine_version     = aws_rds_cluster.this.engine_version
}
"#,
    ),
    (
        "outputs.tf",
        r#"output "endpoint" {
  value = aws_rds_cluster.this.endpoint
}

output "port" {
  value = aws_rds_cluster.this.port
}
"#,
    ),
];

/// Target size of one root file, in bytes (real `.tf` files are a few to tens of KB).
const FILE_BYTES: usize = 64 * 1024;

/// Writes the configuration into `dir`; returns the root module's size in bytes.
fn generate(dir: &Path, target: usize) -> usize {
    let mut total = 0;
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        text.len()
    };
    total += write(&dir.join("providers.tf"), PROVIDERS);
    let mut service = 0;
    let mut file = 0;
    while total < target {
        let mut text = String::with_capacity(FILE_BYTES + SERVICE.len());
        let first = service;
        while text.len() < FILE_BYTES && total + text.len() < target {
            text.push_str(
                &SERVICE
                    .replace("@N@", &service.to_string())
                    .replace("@A@", &(service % 250).to_string()),
            );
            service += 1;
        }
        text.push_str(
            &DATABASE_CALL
                .replace("@F@", &file.to_string())
                .replace("@N@", &first.to_string()),
        );
        total += write(&dir.join(format!("services_{file:04}.tf")), &text);
        file += 1;
    }
    let db = dir.join("modules").join("database");
    std::fs::create_dir_all(&db).unwrap_or_else(|e| panic!("mkdir {}: {e}", db.display()));
    for (name, text) in DATABASE_MODULE {
        write(&db.join(name), text);
    }
    total
}

/// The text of every file a load read, in the order read (a child once per call).
fn texts_read(config: &Config, sources: &SourceMap) -> Vec<std::sync::Arc<str>> {
    let mut out = Vec::new();
    config.walk(&mut |_, c| {
        for id in &c.module.files {
            let f = sources
                .get(*id)
                .unwrap_or_else(|| panic!("file {id:?} not in the source map"));
            out.push(f.text.clone());
        }
    });
    out
}

/// The time this thread has spent on a CPU, from Linux's `/proc/thread-self/schedstat`
/// (nanoseconds): unlike wall time, not stretched by other processes sharing the cores.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// One measurement's runs: wall and on-CPU times, without and with dropping the result.
#[derive(Default)]
struct Times {
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
    wall_with_drop: Vec<Duration>,
    cpu_with_drop: Vec<Duration>,
}

/// Runs `f` once to warm up, then `iters` times.
fn measure<T>(iters: usize, mut f: impl FnMut() -> T) -> Times {
    drop(f());
    let mut t = Times::default();
    for _ in 0..iters {
        let cpu = thread_cpu();
        let start = Instant::now();
        let out = f();
        t.wall.push(start.elapsed());
        let cpu_done = thread_cpu();
        drop(out);
        t.wall_with_drop.push(start.elapsed());
        let cpu_dropped = thread_cpu();
        if let (Some(a), Some(b), Some(c)) = (cpu, cpu_done, cpu_dropped) {
            t.cpu.push(b - a);
            t.cpu_with_drop.push(c - a);
        }
    }
    for v in [
        &mut t.wall,
        &mut t.cpu,
        &mut t.wall_with_drop,
        &mut t.cpu_with_drop,
    ] {
        v.sort();
    }
    t
}

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a whole number")),
        Err(_) => default,
    }
}

/// One table row: MB/s over the best and the median wall time, the same in ms, and MB/s
/// over the median on-CPU time.
fn row(what: &str, bytes: usize, wall: &[Duration], cpu: &[Duration]) {
    let mb = bytes as f64 / 1e6;
    let best = wall[0].as_secs_f64();
    let median = wall[wall.len() / 2].as_secs_f64();
    let cpu = cpu
        .get(cpu.len() / 2)
        .map(|c| format!("{:.1}", mb / c.as_secs_f64()))
        .unwrap_or_else(|| "-".into());
    println!(
        "{what:<24} {:>10.1} {:>10.1} {:>9.0} {:>9.0} {cpu:>12}",
        mb / best,
        mb / median,
        best * 1e3,
        median * 1e3
    );
}

/// The allocator the `galley` binary uses, so the figures are the command's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mb = env_usize("GALLEY_PARSE_MB", 8);
    let iters = env_usize("GALLEY_PARSE_ITERS", 9).max(1);
    if let Ok(dir) = std::env::var("GALLEY_PARSE_GENERATE") {
        let dir = Path::new(&dir);
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        let bytes = generate(dir, mb * 1_000_000);
        println!("wrote {bytes} bytes of root module into {}", dir.display());
        return;
    }
    let tmp = tempfile::tempdir().expect("temporary directory");
    let root_bytes = generate(tmp.path(), mb * 1_000_000);

    // A first load checks the corpus is valid for galley and lists what it reads.
    let sources = SourceMap::new();
    let (config, diags) = load_config(tmp.path(), &sources);
    if diags.has_errors() {
        eprintln!("{}", diags.render(&sources));
        panic!("the generated configuration does not load cleanly");
    }
    let texts = texts_read(&config, &sources);
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    let mut modules = 0;
    config.walk(&mut |_, _| modules += 1);
    let m = &config.module;
    println!(
        "corpus: {:.2} MB read per load ({:.2} MB root module in {} files, {} child module loads); {} resources, {} variables, {} locals, {} outputs in the root; {iters} runs",
        bytes as f64 / 1e6,
        root_bytes as f64 / 1e6,
        m.files.len(),
        modules - 1,
        m.resources.len(),
        m.variables.len(),
        m.locals.len(),
        m.outputs.len(),
    );
    drop(config);

    let only = std::env::var("GALLEY_PARSE_ONLY").unwrap_or_default();
    let (run_parse, run_load) = match only.as_str() {
        "" => (true, true),
        "parse" => (true, false),
        "load" => (false, true),
        other => panic!("GALLEY_PARSE_ONLY={other:?}: expected parse or load"),
    };
    let parse = run_parse.then(|| {
        measure(iters, || {
            texts
                .iter()
                .map(|t| hcl_edit::parser::parse_body(t).expect("generated HCL parses"))
                .collect::<Vec<_>>()
        })
    });
    let load = run_load.then(|| {
        measure(iters, || {
            let sources = SourceMap::new();
            load_config(tmp.path(), &sources)
        })
    });

    println!();
    println!(
        "{:<24} {:>10} {:>10} {:>9} {:>9} {:>12}",
        "", "best MB/s", "median", "best ms", "median", "on-CPU MB/s"
    );
    if let Some(t) = &parse {
        row("hcl_edit::parse_body", bytes, &t.wall, &t.cpu);
    }
    if let Some(t) = &load {
        row("config::load_config", bytes, &t.wall, &t.cpu);
    }
    if let Some(t) = &parse {
        row(
            "  parse_body + drop",
            bytes,
            &t.wall_with_drop,
            &t.cpu_with_drop,
        );
    }
    if let Some(t) = &load {
        row(
            "  load_config + drop",
            bytes,
            &t.wall_with_drop,
            &t.cpu_with_drop,
        );
    }
}

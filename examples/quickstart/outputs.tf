output "vpc_id" {
  value = aws_vpc.main.id
}

output "subnet_cidrs" {
  value = { for zone, s in aws_subnet.private : zone => s.cidr_block }
}

output "web_ips" {
  value = aws_instance.web[*].private_ip
}

output "fqdn" {
  value = module.dns.fqdn
}

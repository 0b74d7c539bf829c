//! IP network functions: cidrhost, cidrnetmask, cidrsubnet, cidrsubnets (IPv4 and IPv6).
//!
//! Addresses are handled as `u128` so both families share one arithmetic.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use crate::value::Value;

use super::args::{f, fail, v, Call, Spec, PLAIN};
use super::FuncError;

pub(super) const SPECS: &[Spec] = &[
    f("cidrhost", &["prefix", "hostnum"], PLAIN, cidrhost),
    f("cidrnetmask", &["prefix"], PLAIN, |c| {
        let net = parse(c)?;
        match net {
            IpNet::V4(n) => Ok(Value::String(n.netmask().to_string())),
            IpNet::V6(_) => Err(fail(format!(
                "IPv6 addresses cannot have a netmask: {}.",
                c.str(0)?
            ))),
        }
    }),
    f(
        "cidrsubnet",
        &["prefix", "newbits", "netnum"],
        PLAIN,
        cidrsubnet,
    ),
    v("cidrsubnets", &["prefix"], "newbits", PLAIN, cidrsubnets),
];

/// A network as numbers: its first address, prefix length and address width.
struct Net {
    base: u128,
    len: u32,
    bits: u32,
    v6: bool,
}

impl Net {
    fn host_bits(&self, len: u32) -> u32 {
        self.bits - len
    }

    fn addr(&self, n: u128) -> String {
        if self.v6 {
            Ipv6Addr::from(n).to_string()
        } else {
            Ipv4Addr::from(n as u32).to_string()
        }
    }
}

/// `2^bits`, saturating for full IPv6 widths.
fn span(bits: u32) -> u128 {
    1u128.checked_shl(bits).unwrap_or(u128::MAX)
}

/// The low `bits` bits set: the host part of an address.
fn hostmask(bits: u32) -> u128 {
    u128::MAX
        .checked_shr(128 - bits)
        .filter(|_| bits > 0)
        .unwrap_or(0)
}

fn parse(c: &Call) -> Result<IpNet, FuncError> {
    let s = c.str(0)?;
    s.parse::<IpNet>().map_err(|_| {
        fail(format!(
            "invalid CIDR expression: invalid CIDR address: {s}."
        ))
    })
}

fn net(c: &Call) -> Result<Net, FuncError> {
    Ok(match parse(c)?.trunc() {
        IpNet::V4(n) => Net {
            base: u32::from(n.addr()) as u128,
            len: n.prefix_len() as u32,
            bits: 32,
            v6: false,
        },
        IpNet::V6(n) => Net {
            base: u128::from(n.addr()),
            len: n.prefix_len() as u32,
            bits: 128,
            v6: true,
        },
    })
}

fn cidrhost(c: &Call) -> Result<Value, FuncError> {
    let net = net(c)?;
    let wanted = c.int(1)? as i128;
    let hosts = span(net.host_bits(net.len)) as i128;
    let num = if wanted < 0 { wanted + hosts } else { wanted };
    if num < 0 || num >= hosts {
        return Err(fail(format!(
            "prefix of {} does not accommodate a host numbered {}.",
            net.len,
            if wanted < 0 { num } else { wanted }
        )));
    }
    Ok(Value::String(net.addr(net.base + num as u128)))
}

fn cidrsubnet(c: &Call) -> Result<Value, FuncError> {
    let net = net(c)?;
    let newbits = c.int(1)?;
    let netnum = c.int(2)?;
    let new_len = net.len as i64 + newbits;
    if newbits < 0 || new_len > net.bits as i64 {
        return Err(fail(format!(
            "insufficient address space to extend prefix of {} by {newbits}.",
            net.len
        )));
    }
    let new_len = new_len as u32;
    if netnum < 0 || netnum as u128 >= span(newbits as u32) {
        return Err(fail(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}."
        )));
    }
    let addr = net.base + ((netnum as u128) << net.host_bits(new_len));
    Ok(Value::String(format!("{}/{new_len}", net.addr(addr))))
}

/// Allocates consecutive subnets, each aligned to its own size, as Terraform does.
fn cidrsubnets(c: &Call) -> Result<Value, FuncError> {
    let net = net(c)?;
    let family = if net.v6 { 6 } else { 4 };
    let end = net.base + hostmask(net.host_bits(net.len));
    let mut out = Vec::new();
    let mut current: Option<(u128, u32)> = None;
    for i in 1..c.args.len() {
        let newbits = c.int(i)?;
        if newbits < 1 {
            return Err(c.err(i, "must extend prefix by at least one bit."));
        }
        if newbits > net.bits as i64 {
            return Err(c.err(
                i,
                format!("may not extend prefix by more than {} bits.", net.bits),
            ));
        }
        let len = net.len + newbits as u32;
        if len > net.bits {
            return Err(c.err(i, format!("would extend prefix to {len} bits, which is too long for an IPv{family} address.")));
        }
        let size = span(net.host_bits(len));
        let next = match current {
            None => Some(net.base),
            Some((prev, prev_len)) => {
                // The block of the new size containing the previous subnet's last address,
                // then the block after it.
                let prev_last = prev + hostmask(net.host_bits(prev_len));
                let block = prev_last & !hostmask(net.host_bits(len));
                block
                    .checked_add(size)
                    .filter(|n| *n <= end && (net.v6 || *n <= u32::MAX as u128))
            }
        };
        let Some(next) = next else {
            let (prev, prev_len) = current.unwrap_or((net.base, len));
            return Err(c.err(
                i,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {len} bits after {}/{prev_len}.",
                    net.addr(prev)
                ),
            ));
        };
        out.push(Value::String(format!("{}/{len}", net.addr(next))));
        current = Some((next, len));
    }
    Ok(Value::List(out))
}

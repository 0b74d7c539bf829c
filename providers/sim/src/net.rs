//! IPv4 network arithmetic: parsing CIDR blocks strictly, containment, overlap, hosts.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// Parses a CIDR block the way EC2 and Neutron accept it: no host bits set.
pub fn parse_cidr(s: &str) -> Option<Ipv4Net> {
    let net: Ipv4Net = s.trim().parse().ok()?;
    (net.trunc() == net).then_some(net)
}

/// True if the two blocks share any address.
pub fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Number of addresses in the block.
pub fn size(net: &Ipv4Net) -> u64 {
    1u64 << (32 - u32::from(net.prefix_len()))
}

/// The address at `offset` from the block's first address, if inside it.
pub fn host(net: &Ipv4Net, offset: u64) -> Option<Ipv4Addr> {
    if offset >= size(net) {
        return None;
    }
    let base = u64::from(u32::from(net.network()));
    u32::try_from(base + offset).ok().map(Ipv4Addr::from)
}

/// The first address at an offset in `first..last_exclusive` not in `used`.
pub fn first_free(
    net: &Ipv4Net,
    first: u64,
    last_exclusive: u64,
    used: &[Ipv4Addr],
) -> Option<Ipv4Addr> {
    (first..last_exclusive.min(size(net)))
        .filter_map(|o| host(net, o))
        .find(|a| !used.contains(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_with_host_bits_is_refused() {
        assert!(parse_cidr("10.0.0.0/16").is_some());
        assert!(parse_cidr("10.0.0.1/16").is_none());
        assert!(parse_cidr("10.0.0.0").is_none());
        assert!(parse_cidr("banana").is_none());
    }

    #[test]
    fn overlap_is_symmetric() {
        let a = parse_cidr("10.0.0.0/16").unwrap();
        let b = parse_cidr("10.0.3.0/24").unwrap();
        let c = parse_cidr("10.1.0.0/24").unwrap();
        assert!(overlaps(&a, &b) && overlaps(&b, &a));
        assert!(!overlaps(&a, &c));
    }

    #[test]
    fn first_free_skips_used_addresses() {
        let n = parse_cidr("10.0.0.0/28").unwrap();
        let used = [Ipv4Addr::new(10, 0, 0, 4)];
        assert_eq!(
            first_free(&n, 4, 15, &used),
            Some(Ipv4Addr::new(10, 0, 0, 5))
        );
        assert_eq!(size(&n), 16);
    }
}

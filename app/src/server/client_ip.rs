//! The client's address: the TCP peer, unless that peer is one of our own proxies, in which case
//! the nearest `X-Forwarded-For` hop that is not ours. Anything a client could write itself is
//! never trusted on its own.

use std::{net::IpAddr, str::FromStr};

use axum::http::HeaderMap;

/// An address or CIDR block, e.g. `10.0.0.0/8` or `::1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpBlock {
    network: IpAddr,
    prefix: u8,
}

impl FromStr for IpBlock {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or CIDR block"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?} has an invalid prefix length"))?,
            None => max,
        };
        Ok(Self { network, prefix })
    }
}

impl IpBlock {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                masked(u32::from(n).into(), self.prefix, 32) == masked(u32::from(a).into(), self.prefix, 32)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                masked(u128::from(n), self.prefix, 128) == masked(u128::from(a), self.prefix, 128)
            }
            _ => false,
        }
    }
}

fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        bits >> (width - prefix)
    }
}

pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpBlock]) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    let is_trusted = |ip: IpAddr| trusted.iter().any(|b| b.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    // From the nearest hop outwards: the first address that is not our proxy is the client. A
    // hop we cannot read ends the walk: what lies beyond it was written by the client.
    let mut client = peer;
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) if is_trusted(ip) => client = ip,
            Some(ip) => return Some(ip),
            None => break,
        }
    }
    Some(client)
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip().to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn blocks_match_their_addresses_only() {
        let b: IpBlock = "10.1.0.0/16".parse().unwrap();
        assert!(b.contains(ip("10.1.200.3")));
        assert!(!b.contains(ip("10.2.0.1")));
        assert!(!b.contains(ip("::1")));
        assert!("::1".parse::<IpBlock>().unwrap().contains(ip("::1")));
        assert!("fd00::/8".parse::<IpBlock>().unwrap().contains(ip("fd12::1")));
        assert!("0.0.0.0/0".parse::<IpBlock>().unwrap().contains(ip("8.8.8.8")));
        assert!("10.0.0.0/33".parse::<IpBlock>().is_err());
        assert!("proxy".parse::<IpBlock>().is_err());
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxies: Vec<IpBlock> = vec!["10.0.0.0/8".parse().unwrap()];
        let spoofed = headers("1.2.3.4");
        assert_eq!(
            client_ip(Some(ip("203.0.113.9")), &spoofed, &proxies),
            Some(ip("203.0.113.9"))
        );
        let via_proxy = headers("1.2.3.4, 198.51.100.7, 10.0.0.2");
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &via_proxy, &proxies),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &HeaderMap::new(), &proxies),
            Some(ip("10.0.0.1"))
        );
        assert_eq!(client_ip(None, &via_proxy, &proxies), None);
    }

    #[test]
    fn ports_mapped_addresses_and_garbage_are_handled() {
        let proxies: Vec<IpBlock> = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers("198.51.100.7:5678"), &proxies),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers("[2001:db8::1]:443"), &proxies),
            Some(ip("2001:db8::1"))
        );
        // A client-written entry beyond an unreadable hop is not believed.
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers("1.1.1.1, unknown"), &proxies),
            Some(ip("10.0.0.1"))
        );
        // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d.
        assert_eq!(
            client_ip(Some(ip("::ffff:10.0.0.1")), &headers("198.51.100.7"), &proxies),
            Some(ip("198.51.100.7"))
        );
    }
}

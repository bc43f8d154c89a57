//! The egress policy: the one rule for every request Vigie makes to the outside.
//!
//! Only `https` to public addresses, unless an operator allow-lists an address range. An
//! allow-listed range may also be reached over plain `http` when the URL names it by IP literal
//! (that is how tests reach a listener on 127.0.0.1). Names are resolved once and every address
//! is checked, and the HTTP client connects only to checked addresses (its resolver applies the
//! same policy), so DNS rebinding cannot slip a private address in. Redirects are not followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::Url;

/// An address range, `addr/prefix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(raw: &str) -> Option<Self> {
        let (addr, prefix) = match raw.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, p.parse::<u8>().ok()?),
            None => {
                let a = raw.trim().parse::<IpAddr>().ok()?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Self { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// IPv4 blocks that are not globally reachable unicast: every entry of IANA's IPv4
/// Special-Purpose Address Registry whose "globally reachable" is false or not applicable, plus
/// multicast (224/4). Stricter than the registry in one place: all of 192.0.0.0/24 is refused,
/// including the two anycast services (PCP, TURN) it marks as global, where no webhook lives.
const V4_NOT_GLOBAL: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network"
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private use
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // shared address space (carrier-grade NAT)
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link local
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private use
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments (DS-Lite, NAT64 discovery...)
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation (TEST-NET-1)
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // 6to4 relay anycast (deprecated)
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private use
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation (TEST-NET-2)
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation (TEST-NET-3)
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, and 255.255.255.255 (limited broadcast)
];

/// IPv6 blocks inside global unicast (2000::/3) that are not globally reachable, from IANA's
/// IPv6 Special-Purpose Address Registry. Everything outside 2000::/3 is refused anyway
/// (loopback, unspecified, the deprecated IPv4-compatible ::/96, the local-use NAT64 prefix
/// 64:ff9b:1::/48, discard 100::/64, SRv6 5f00::/16, unique local fc00::/7, link-local fe80::/10,
/// the deprecated site-local fec0::/10, multicast ff00::/8), except the two forms that carry an
/// IPv4 address, which is judged by the IPv4 rules: IPv4-mapped ::ffff:0:0/96 and the well-known
/// NAT64 prefix 64:ff9b::/96. 6to4 (2002::/16) is judged by the IPv4 address it embeds.
const V6_NOT_GLOBAL: &[(Ipv6Addr, u8)] = &[
    // IETF protocol assignments, with Teredo (2001::/32), which hides an obfuscated IPv4 address,
    // and benchmarking (2001:2::/48). Stricter than the registry: its few anycast services and
    // ORCHID blocks inside 2001::/23 are refused too.
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20),     // documentation
];

fn in_block(addr: u128, net: u128, prefix: u8, bits: u32) -> bool {
    let mask = u128::MAX.checked_shl(bits - u32::from(prefix)).unwrap_or(0) & (u128::MAX >> (128 - bits));
    addr & mask == net & mask
}

/// Whether an IPv4 address is globally reachable unicast.
fn is_global_v4(v4: Ipv4Addr) -> bool {
    let a = u128::from(u32::from(v4));
    !V4_NOT_GLOBAL.iter().any(|&(net, prefix)| in_block(a, u128::from(u32::from(net)), prefix, 32))
}

/// Whether an IPv6 address is globally reachable unicast (see [`V6_NOT_GLOBAL`]).
fn is_global_v6(v6: Ipv6Addr) -> bool {
    let a = u128::from(v6);
    let embedded_v4 = || Ipv4Addr::from((a & 0xffff_ffff) as u32);
    if let Some(v4) = v6.to_ipv4_mapped() {
        return is_global_v4(v4);
    }
    if in_block(a, u128::from(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0)), 96, 128) {
        return is_global_v4(embedded_v4());
    }
    if in_block(a, u128::from(Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0)), 16, 128) {
        // 6to4: the IPv4 address is bits 16 to 47.
        return is_global_v4(Ipv4Addr::from((a >> 80) as u32));
    }
    let global_unicast = in_block(a, u128::from(Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0)), 3, 128);
    global_unicast && !V6_NOT_GLOBAL.iter().any(|&(net, prefix)| in_block(a, u128::from(net), prefix, 128))
}

/// Whether an address is anything but globally reachable unicast: loopback, private, link-local,
/// documentation, multicast, reserved, or an IPv6 form that carries one of those.
pub fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !is_global_v4(v4),
        IpAddr::V6(v6) => !is_global_v6(v6),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EgressError {
    #[error("the URL is malformed")]
    Malformed,
    #[error("only https is allowed (plain http only to an allow-listed IP address)")]
    Scheme,
    #[error("{0} is a loopback, private or otherwise non-public address")]
    NonPublic(IpAddr),
    #[error("the host name does not resolve")]
    Unresolvable,
}

#[derive(Clone, Debug, Default)]
pub struct EgressPolicy {
    allow: Vec<Cidr>,
}

impl EgressPolicy {
    pub fn new(allow: Vec<Cidr>) -> Self {
        Self { allow }
    }

    /// Parses a comma-separated allow-list, e.g. `127.0.0.1/32,::1`.
    pub fn parse_allow_list(raw: &str) -> Result<Self, String> {
        let mut allow = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            allow.push(Cidr::parse(part).ok_or_else(|| format!("{part:?} is not an address or CIDR range"))?);
        }
        Ok(Self { allow })
    }

    fn allow_listed(&self, ip: IpAddr) -> bool {
        self.allow.iter().any(|c| c.contains(ip))
    }

    /// Whether Vigie may connect to this address.
    pub fn permits(&self, ip: IpAddr) -> bool {
        self.allow_listed(ip) || !is_non_public(ip)
    }

    /// Checks a URL's form and, for an IP literal, its address. Names are checked on resolution.
    pub fn check_url(&self, raw: &str) -> Result<Url, EgressError> {
        let url = Url::parse(raw).map_err(|_| EgressError::Malformed)?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(EgressError::Malformed);
        }
        let literal = match url.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(EgressError::Malformed),
        };
        match (url.scheme(), literal) {
            ("https", Some(ip)) if !self.permits(ip) => Err(EgressError::NonPublic(ip)),
            ("https", _) => Ok(url),
            ("http", Some(ip)) if self.allow_listed(ip) => Ok(url),
            ("http", Some(ip)) if is_non_public(ip) => Err(EgressError::NonPublic(ip)),
            _ => Err(EgressError::Scheme),
        }
    }

    /// Checks a URL fully: its form, and every address its host name resolves to.
    pub async fn check_url_resolved(&self, raw: &str) -> Result<Url, EgressError> {
        let url = self.check_url(raw)?;
        if let Some(url::Host::Domain(name)) = url.host() {
            let port = url.port_or_known_default().unwrap_or(443);
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name, port)).await.map_err(|_| EgressError::Unresolvable)?.collect();
            if addrs.is_empty() {
                return Err(EgressError::Unresolvable);
            }
            if let Some(bad) = addrs.iter().find(|a| !self.permits(a.ip())) {
                return Err(EgressError::NonPublic(bad.ip()));
            }
        }
        Ok(url)
    }

    /// An HTTP client bound to this policy: its resolver drops refused addresses and it never
    /// follows redirects.
    pub fn http_client(&self, timeout: std::time::Duration) -> reqwest::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .dns_resolver(Arc::new(PolicyResolver { policy: self.clone() }))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(std::time::Duration::from_secs(5))
            .user_agent(concat!("vigie/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with static settings always builds")
    }
}

struct PolicyResolver {
    policy: EgressPolicy,
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs.into_iter().filter(|a| policy.permits(a.ip())).collect();
            if allowed.is_empty() {
                return Err(Box::new(EgressError::Unresolvable) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_loopback_addresses_are_refused_by_default() {
        let p = EgressPolicy::default();
        for url in [
            "https://127.0.0.1/hook",
            "https://10.1.2.3/hook",
            "https://192.168.0.10/hook",
            "https://172.20.0.1/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://[fd00::1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://100.64.0.1/hook",
            // IPv6 forms that carry a loopback or private IPv4 address, and deprecated blocks.
            "https://[::127.0.0.1]/hook",
            "https://[::ffff:0:7f00:1]/hook",
            "https://[64:ff9b::7f00:1]/hook",
            "https://[64:ff9b::a00:1]/hook",
            "https://[64:ff9b:1::7f00:1]/hook",
            "https://[2002:7f00:1::1]/hook",
            "https://[2002:c0a8:1::1]/hook",
            "https://[fec0::1]/hook",
            "https://[fe80::1]/hook",
            "https://[ff02::1]/hook",
            "https://[::]/hook",
            "https://[100::1]/hook",
            "https://[5f00::1]/hook",
            // Teredo: server 65.54.227.120, client 127.0.0.1 (obfuscated), and the rest of 2001::/23.
            "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",
            "https://[2001:2::1]/hook",
            "https://[2001:db8::1]/hook",
            "https://[3fff::1]/hook",
            // IPv4 special-purpose blocks.
            "https://0.1.2.3/hook",
            "https://192.0.0.8/hook",
            "https://192.0.2.1/hook",
            "https://192.88.99.1/hook",
            "https://198.18.0.1/hook",
            "https://198.51.100.7/hook",
            "https://203.0.113.9/hook",
            "https://224.0.0.1/hook",
            "https://240.0.0.1/hook",
            "https://255.255.255.255/hook",
        ] {
            assert!(matches!(p.check_url(url), Err(EgressError::NonPublic(_))), "{url}");
        }
        assert_eq!(p.check_url("http://example.org/hook"), Err(EgressError::Scheme));
        assert_eq!(p.check_url("ftp://example.org/hook"), Err(EgressError::Scheme));
        assert!(p.check_url("https://example.org/hook").is_ok());
        assert!(p.check_url("https://93.184.216.34/hook").is_ok());
        // Global unicast, and IPv6 forms carrying a global IPv4 address.
        for url in [
            "https://[2606:4700::1111]/hook",
            "https://[2a00:1450:4007:80e::200e]/hook",
            "https://[::ffff:93.184.216.34]/hook",
            "https://[64:ff9b::5db8:d822]/hook",
            "https://[2002:5db8:d822::1]/hook",
            "https://1.1.1.1/hook",
            "https://192.0.3.1/hook",
            "https://172.32.0.1/hook",
        ] {
            assert!(p.check_url(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn an_allow_list_opens_exactly_its_ranges() {
        let p = EgressPolicy::parse_allow_list("127.0.0.1/32").unwrap();
        assert!(p.check_url("http://127.0.0.1:8080/hook").is_ok());
        assert!(p.check_url("https://127.0.0.1/hook").is_ok());
        assert!(matches!(p.check_url("http://127.0.0.2/hook"), Err(EgressError::NonPublic(_))));
        assert!(matches!(p.check_url("https://10.0.0.1/hook"), Err(EgressError::NonPublic(_))));
        assert!(EgressPolicy::parse_allow_list("not-an-ip").is_err());
    }

    #[test]
    fn cidr_containment() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains("10.255.1.1".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
    }

    #[tokio::test]
    async fn names_that_resolve_to_loopback_are_refused() {
        let p = EgressPolicy::default();
        assert!(matches!(p.check_url_resolved("https://localhost/hook").await, Err(EgressError::NonPublic(_))));
    }
}

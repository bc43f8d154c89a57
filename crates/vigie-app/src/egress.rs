//! The egress policy: the one rule for every request Vigie makes to the outside.
//!
//! Only `https` to public addresses, unless an operator allow-lists an address range. An
//! allow-listed range may also be reached over plain `http` when the URL names it by IP literal
//! (that is how tests reach a listener on 127.0.0.1). Names are resolved once and every address
//! is checked, and the HTTP client connects only to checked addresses (its resolver applies the
//! same policy), so DNS rebinding cannot slip a private address in. Redirects are not followed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
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

/// Whether an address is only reachable inside a network (loopback, private, link-local, ...).
pub fn is_non_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10, shared address space
                || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15, benchmarking
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local
                || (seg[0] & 0xffc0) == 0xfe80 // link-local
                || v6 == Ipv4Addr::UNSPECIFIED.to_ipv6_mapped()
        }
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
        ] {
            assert!(matches!(p.check_url(url), Err(EgressError::NonPublic(_))), "{url}");
        }
        assert_eq!(p.check_url("http://example.org/hook"), Err(EgressError::Scheme));
        assert_eq!(p.check_url("ftp://example.org/hook"), Err(EgressError::Scheme));
        assert!(p.check_url("https://example.org/hook").is_ok());
        assert!(p.check_url("https://93.184.216.34/hook").is_ok());
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

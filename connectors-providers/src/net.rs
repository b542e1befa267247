//! Hosts that users type in (an SMTP server, a MinIO endpoint): syntax checks, and the
//! SSRF guard that keeps such hosts off the server's own network.
//!
//! A deployment turns the guard on with
//! [`ConnectorAuthService::with_block_private_targets`](connectors_core::ConnectorAuthService::with_block_private_targets).
//! Every address a host name resolves to is checked, and connectors then connect to
//! exactly the addresses that passed, so a name cannot resolve to a public address for
//! the check and a private one for the connection (DNS rebinding).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::Host;

use connectors_core::{Error, FieldError, FieldErrorCode, FieldFormat, FieldIssue, FieldParams};

/// Why a user-supplied host cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// The name does not resolve.
    #[error("cannot be resolved: {0}")]
    Unresolvable(#[source] std::io::Error),
    /// The name resolves to no address.
    #[error("resolves to no address")]
    NoAddress,
    /// The name resolves to an address the deployment forbids.
    #[error("resolves to {0}, a private, loopback or link-local address, which this server does not connect to")]
    Private(IpAddr),
}

impl TargetError {
    /// This failure as the 422-ready error of the config field that named the host.
    pub fn into_field_error(self, field: &str) -> Error {
        let message = self.to_string();
        let issue = match self {
            Self::Unresolvable(_) | Self::NoAddress => {
                FieldIssue::new(FieldErrorCode::Unresolvable, message)
            }
            Self::Private(address) => FieldIssue::new(FieldErrorCode::PrivateAddress, message)
                .with_params(FieldParams {
                    address: Some(address.to_string()),
                    ..FieldParams::default()
                }),
        };
        Error::InvalidConfig(vec![FieldError::new(field, issue)])
    }
}

/// Resolves `host` (a name or an IP literal) and, when `block_private` is set, refuses it
/// unless every address it resolves to is public (see [`is_public_ip`]).
///
/// # Errors
///
/// A [`TargetError`] when the name does not resolve or, with `block_private`, resolves
/// to an address that is not public.
pub async fn resolve(
    host: &str,
    port: u16,
    block_private: bool,
) -> Result<Vec<SocketAddr>, TargetError> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(TargetError::Unresolvable)?
        .collect();
    if addresses.is_empty() {
        return Err(TargetError::NoAddress);
    }
    if block_private {
        if let Some(refused) = addresses.iter().find(|address| !is_public_ip(address.ip())) {
            return Err(TargetError::Private(refused.ip()));
        }
    }
    Ok(addresses)
}

/// Whether `ip` is a public unicast address: not loopback, private (RFC 1918, unique
/// local), link-local, shared (CGNAT), unspecified, multicast, broadcast or reserved, and
/// not an IPv6 form that embeds such an IPv4 address (mapped, NAT64, 6to4).
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_ipv4(ip),
        IpAddr::V6(ip) => is_public_ipv6(ip),
    }
}

fn is_public_ipv4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = a == 0 // "this network", unspecified
        || a == 10
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || a == 127
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 168)
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 224; // multicast, reserved, broadcast
    !refused
}

fn is_public_ipv6(ip: Ipv6Addr) -> bool {
    if let Some(embedded) = embedded_ipv4(ip) {
        return is_public_ipv4(embedded);
    }
    let first = ip.segments()[0];
    let refused = ip.is_unspecified()
        || ip.is_loopback()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (first & 0xff00) == 0xff00; // multicast
    !refused
}

/// The IPv4 address an IPv6 address stands for, when it is IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) or 6to4
/// (`2002:AABB:CCDD::`).
fn embedded_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let segments = ip.segments();
    let low = || {
        Ipv4Addr::new(
            (segments[6] >> 8) as u8,
            segments[6] as u8,
            (segments[7] >> 8) as u8,
            segments[7] as u8,
        )
    };
    match segments {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(low()),
        [0, 0, 0, 0, 0, 0, high, _] if high != 0 => Some(low()),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low()),
        [0x2002, high, low_part, ..] => Some(Ipv4Addr::new(
            (high >> 8) as u8,
            high as u8,
            (low_part >> 8) as u8,
            low_part as u8,
        )),
        _ => None,
    }
}

/// Checks a bare host as typed by a user: a DNS name, an IPv4 literal or an IPv6 literal
/// (bracketed or not), without scheme, port, path, user or spaces. Returns the host as it
/// should be stored (trimmed, lowercase).
///
/// # Errors
///
/// The reason, in words, when the input is not a bare host.
pub fn parse_host(input: &str) -> Result<String, FieldIssue> {
    let input = input.trim();
    if input.is_empty() {
        return Err(FieldIssue::new(FieldErrorCode::Empty, "must not be empty"));
    }
    if input.contains("://") {
        return Err(FieldIssue::format(
            FieldFormat::HostWithoutScheme,
            "give the host name only, without a scheme such as smtp://",
        ));
    }
    if input
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '/' | '?' | '#' | '@' | '\\'))
    {
        return Err(FieldIssue::format(
            FieldFormat::HostWithoutPath,
            "give the host name only: no path, user name or spaces",
        ));
    }
    let unbracketed = input.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = unbracketed.parse::<IpAddr>() {
        return Ok(ip.to_string());
    }
    if input.contains(':') {
        return Err(FieldIssue::format(
            FieldFormat::HostWithoutPort,
            "give the host name only; the port goes in its own field",
        ));
    }
    match Host::parse(input) {
        Ok(Host::Domain(domain)) if is_dns_name(&domain) => Ok(domain),
        Ok(Host::Ipv4(ip)) => Ok(ip.to_string()),
        Ok(Host::Ipv6(ip)) => Ok(ip.to_string()),
        _ => Err(FieldIssue::format(
            FieldFormat::Host,
            "is not a valid host name or IP address",
        )),
    }
}

/// A DNS name as `url` normalised it (lowercase, punycode): labels of letters, digits,
/// hyphens (and underscores, which some internal names carry), 1 to 63 characters, not
/// starting or ending with a hyphen; 253 characters at most.
fn is_dns_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_and_link_local_addresses_are_not_public() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
        ] {
            assert!(!is_public_ip(refused.parse().unwrap()), "{refused}");
        }
    }

    #[test]
    fn public_addresses_are_public() {
        for allowed in [
            "1.1.1.1",
            "172.32.0.1",
            "93.184.216.34",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public_ip(allowed.parse().unwrap()), "{allowed}");
        }
    }

    #[test]
    fn hosts_are_bare_names_or_ip_literals() {
        assert_eq!(
            parse_host(" SMTP.Example.com ").unwrap(),
            "smtp.example.com"
        );
        assert_eq!(parse_host("127.0.0.1").unwrap(), "127.0.0.1");
        assert_eq!(parse_host("[::1]").unwrap(), "::1");
        assert_eq!(parse_host("::1").unwrap(), "::1");
        for bad in [
            "",
            "smtp://mail.example.com",
            "mail.example.com:587",
            "mail.example.com/x",
            "user@mail.example.com",
            "mail example.com",
            "-bad.example.com",
            "a..b",
        ] {
            assert!(parse_host(bad).is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn the_guard_refuses_names_resolving_to_loopback() {
        assert!(matches!(
            resolve("localhost", 25, true).await,
            Err(TargetError::Private(_))
        ));
        assert!(resolve("127.0.0.1", 25, false).await.is_ok());
    }

    #[tokio::test]
    async fn a_refused_target_is_a_private_address_error_naming_the_address() {
        let refused = resolve("127.0.0.1", 25, true).await.unwrap_err();
        let Error::InvalidConfig(errors) = refused.into_field_error("host") else {
            panic!("expected a field error");
        };
        assert_eq!(errors[0].code, FieldErrorCode::PrivateAddress);
        assert_eq!(errors[0].params.address.as_deref(), Some("127.0.0.1"));
        assert_eq!(
            parse_host("smtp://mail.example.com")
                .unwrap_err()
                .params
                .format,
            Some(FieldFormat::HostWithoutScheme)
        );
    }
}

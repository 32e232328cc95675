//! `cidr` values and IP addresses in events. As in AWS's matcher, a CIDR is the range from
//! the address as written to that address with every host bit set (so `10.0.0.5/24` starts
//! at `10.0.0.5`), and an exact string that is an IP address matches the same address
//! however the event writes it.

use std::net::{Ipv4Addr, Ipv6Addr};

/// An inclusive range of addresses of one family, as big-endian bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpRange {
    pub text: String,
    bottom: Vec<u8>,
    top: Vec<u8>,
}

impl IpRange {
    /// Parses `ADDRESS/BITS`, or gives AWS's reason.
    pub fn parse_cidr(text: &str) -> Result<IpRange, String> {
        // Java's `split("/")`: trailing empty pieces dropped.
        let mut parts: Vec<&str> = text.split('/').collect();
        while parts.len() > 1 && parts.last() == Some(&"") {
            parts.pop();
        }
        let [address, bits] = parts[..] else {
            return Err("Malformed CIDR, one '/' required".into());
        };
        let bits: i64 = java_parse_int(bits).ok_or("Malformed CIDR, mask bits must be an integer")?;
        if bits < 0 {
            return Err("Malformed CIDR, mask bits must not be negative".into());
        }
        let bottom = address_bytes(address)?;
        let host_bits = if bottom.len() == 4 {
            if bits > 31 {
                return Err("IPv4 mask bits must be < 32".into());
            }
            32 - bits
        } else {
            if bits > 127 {
                return Err("IPv6 mask bits must be < 128".into());
            }
            128 - bits
        };
        let mut top = bottom.clone();
        let mut remaining = host_bits;
        for byte in top.iter_mut().rev() {
            if remaining >= 8 {
                *byte = 0xff;
            } else if remaining > 0 {
                *byte |= (1u8 << remaining) - 1;
            }
            remaining -= 8;
        }
        Ok(IpRange { text: text.to_string(), bottom, top })
    }

    pub fn contains(&self, address: &[u8]) -> bool {
        address.len() == self.bottom.len() && address >= self.bottom.as_slice() && address <= self.top.as_slice()
    }
}

/// Java's `Integer.parseInt`: optional sign, ASCII digits, within `i32`.
fn java_parse_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = text.parse().ok()?;
    i32::try_from(value).ok().map(i64::from)
}

/// Four non-empty runs of ASCII digits joined by dots (checked byte by byte: every event's
/// source address passes through here, and splitting into a `Vec` cost an allocation each).
fn looks_ipv4(text: &str) -> bool {
    let (mut dots, mut run) = (0, 0);
    for b in text.bytes() {
        match b {
            b'0'..=b'9' => run += 1,
            b'.' if run > 0 => (dots, run) = (dots + 1, 0),
            _ => return false,
        }
    }
    dots == 3 && run > 0
}

fn looks_ipv6(text: &str) -> bool {
    text.contains(':') && text.bytes().all(|b| b == b':' || b.is_ascii_hexdigit())
}

/// The octets of an IPv4 address as `Ipv4Addr`'s parser reads it (four dot-separated
/// decimals up to 255, no leading zeros), in one pass without the parser's setup: every
/// event's source address comes through here for each `cidr` of a rule set.
fn ipv4_octets(text: &str) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let (mut index, mut value, mut digits) = (0, 0u32, 0);
    for b in text.bytes() {
        match b {
            b'0'..=b'9' => {
                if digits == 1 && value == 0 {
                    return None;
                }
                value = value * 10 + u32::from(b - b'0');
                digits += 1;
                if value > 255 {
                    return None;
                }
            }
            b'.' if digits > 0 && index < 3 => {
                octets[index] = value as u8;
                (index, value, digits) = (index + 1, 0, 0);
            }
            _ => return None,
        }
    }
    (index == 3 && digits > 0).then(|| {
        octets[3] = value as u8;
        octets
    })
}

/// The address's bytes (4 or 16), or AWS's reason.
fn address_bytes(text: &str) -> Result<Vec<u8>, String> {
    if looks_ipv4(text) {
        return text
            .parse::<Ipv4Addr>()
            .map(|a| a.octets().to_vec())
            .map_err(|_| format!("Invalid IP address: {text}"));
    }
    if looks_ipv6(text) {
        return text
            .parse::<Ipv6Addr>()
            .map(|a| a.octets().to_vec())
            .map_err(|_| format!("Invalid IP address: {text}"));
    }
    Err(format!("Nonstandard IP address: {text}"))
}

/// An address's bytes (4 for IPv4, 16 for IPv6) without a heap allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpBytes {
    bytes: [u8; 16],
    len: u8,
}

impl std::ops::Deref for IpBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// The bytes of a string that is an IP address literal; `None` for other strings.
pub fn ip_bytes(text: &str) -> Option<IpBytes> {
    if text.len() > 45 {
        return None;
    }
    if let Some(octets) = ipv4_octets(text) {
        let mut bytes = [0; 16];
        bytes[..4].copy_from_slice(&octets);
        return Some(IpBytes { bytes, len: 4 });
    }
    if looks_ipv6(text) {
        return Some(IpBytes { bytes: text.parse::<Ipv6Addr>().ok()?.octets(), len: 16 });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_run_from_the_written_address() {
        let r = IpRange::parse_cidr("10.0.0.0/24").unwrap();
        assert!(r.contains(&ip_bytes("10.0.0.255").unwrap()));
        assert!(!r.contains(&ip_bytes("10.0.1.0").unwrap()));
        assert!(ip_bytes("10.0.0.256").is_none());
        let from_five = IpRange::parse_cidr("10.0.0.5/24").unwrap();
        assert!(!from_five.contains(&ip_bytes("10.0.0.4").unwrap()));
        let v6 = IpRange::parse_cidr("2001:db8:1234:1a00::/64").unwrap();
        assert!(v6.contains(&ip_bytes("2001:db8:1234:1a00:9691:9503:25ad:1761").unwrap()));
        assert!(!v6.contains(&ip_bytes("10.0.0.1").unwrap()));
    }

    #[test]
    fn ipv4_octets_are_the_std_parsers_on_every_short_text() {
        // Every text of up to 7 characters over digits and dots, and longer ones sampled.
        let alphabet = b"0125.9";
        let mut texts: Vec<String> = vec![String::new()];
        let mut frontier = texts.clone();
        for _ in 0..7 {
            frontier =
                frontier.iter().flat_map(|t| alphabet.iter().map(move |&c| format!("{t}{}", c as char))).collect();
            texts.extend(frontier.iter().cloned());
        }
        texts.extend(
            ["255.255.255.255", "256.1.1.1", "1.2.3.04", "10.0.0.1", "99999999999.1.1.1", "1.1.1.1.1"]
                .map(String::from),
        );
        for text in texts {
            let expected = if looks_ipv4(&text) { text.parse::<Ipv4Addr>().ok().map(|a| a.octets()) } else { None };
            assert_eq!(ipv4_octets(&text), expected, "{text:?}");
        }
    }

    #[test]
    fn addresses_are_recognised_as_the_parser_reads_them() {
        for (text, bytes) in [
            ("10.0.0.1", Some(vec![10, 0, 0, 1])),
            ("255.255.255.255", Some(vec![255; 4])),
            ("2001:db8::1", Some(vec![0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
            ("10.0.0", None),
            ("10.0.0.1.", None),
            (".10.0.0.1", None),
            ("10..0.1", None),
            ("10.0.0.256", None),
            ("10.0.0.x", None),
            ("1.2.3.4.5", None),
            ("", None),
            ("ecs-tasks.amazonaws.com", None),
            ("::ffff:1.2.3.4", None),
        ] {
            assert_eq!(ip_bytes(text).map(|ip| ip.to_vec()), bytes, "{text}");
            assert_eq!(
                looks_ipv4(text),
                text.split('.').count() == 4
                    && text.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
                "{text}"
            );
        }
    }

    #[test]
    fn faults_have_aws_reasons() {
        assert_eq!(IpRange::parse_cidr("xx.11.xx/8").unwrap_err(), "Nonstandard IP address: xx.11.xx");
        assert_eq!(IpRange::parse_cidr("10.0.0.0").unwrap_err(), "Malformed CIDR, one '/' required");
        assert_eq!(IpRange::parse_cidr("10.0.0.0/x").unwrap_err(), "Malformed CIDR, mask bits must be an integer");
        assert_eq!(IpRange::parse_cidr("10.0.0.0/-1").unwrap_err(), "Malformed CIDR, mask bits must not be negative");
        assert_eq!(IpRange::parse_cidr("10.0.0.0/32").unwrap_err(), "IPv4 mask bits must be < 32");
        assert_eq!(IpRange::parse_cidr("10.0.0.300/8").unwrap_err(), "Invalid IP address: 10.0.0.300");
    }
}

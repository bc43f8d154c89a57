//! An export's line read as the exporter writes it, without building a `serde_json::Value`.
//!
//! The exporter writes canonical JSON: a disclosed field's value is already the text its
//! commitment hashes. So a line is read into borrowed parts (the header's strings and the hex
//! digits as slices of the line, each value as its exact text), each value's text is checked to
//! be canonical by reading it against the canonical grammar (not by rebuilding it), and the
//! commitments and the leaf are hashed from these slices.
//!
//! This path only ever answers "this is the leaf" or "not for me" (`None`): it never refuses a
//! line. Whatever it does not take (an unknown or repeated member, a key out of order, a string
//! with an escape, a float, a value that is valid but not canonical, a malformed line) is read
//! again by the `Value` path, which gives the leaf or the error it always gave. Every leaf it gives
//! is the one that path computes from the same line (tested in `tlog::tests`).

use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use vigie_log::tree::Hash;
use vigie_model::event::leaf::{commit_canonical, leaf_hash_of};

/// A line, its members borrowed from it. Unknown members send the line to the `Value` path,
/// which ignores them but would refuse some that serde skips without checking (a lone surrogate).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    seq: i64,
    /// `Some` whenever the member is there, even `null` (the `Value` path then refuses the line).
    #[serde(default, borrow, deserialize_with = "present")]
    leaf: Option<&'a RawValue>,
    #[serde(borrow)]
    id: Option<&'a str>,
    #[serde(borrow)]
    kind: Option<&'a str>,
    version: Option<u32>,
    at_micros: Option<i64>,
    #[serde(borrow)]
    disclosed: Option<Members<'a, Shown<'a>>>,
    #[serde(borrow)]
    withheld: Option<Members<'a, &'a str>>,
}

/// A disclosed field: its salt and its value's exact text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Shown<'a> {
    #[serde(borrow)]
    salt: &'a str,
    #[serde(borrow)]
    value: &'a RawValue,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// An object's members in the order the line gives them, repeats kept (they are refused later).
struct Members<'a, T>(Vec<(&'a str, T)>);

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for Members<'a, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Each<'a, T>(PhantomData<(&'a (), T)>);
        impl<'de: 'a, 'a, T: Deserialize<'de>> Visitor<'de> for Each<'a, T> {
            type Value = Members<'a, T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(12));
                while let Some((k, v)) = map.next_entry::<&'de str, T>()? {
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(Each(PhantomData))
    }
}

/// Names in strictly increasing byte order: the canonical order, each name once.
fn in_order<T>(members: &[(&str, T)]) -> bool {
    members.windows(2).all(|w| w[0].0 < w[1].0)
}

/// 64 hex digits, as the `Value` path reads them.
fn hex32(s: &str) -> Option<Hash> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// The leaf commitment of a line the exporter wrote, or `None` for any other line (read then by
/// the `Value` path).
pub(in crate::tlog) fn leaf(text: &str) -> Option<(i64, Hash)> {
    let line: Line<'_> = serde_json::from_str(text).ok()?;
    if let Some(raw) = line.leaf {
        let digits = raw.get().strip_prefix('"')?.strip_suffix('"')?;
        if digits.contains(['\\', '"']) {
            return None;
        }
        return Some((line.seq, hex32(digits)?));
    }
    let (id, kind, version, at_micros) = (line.id?, line.kind?, line.version?, line.at_micros?);
    let (disclosed, withheld) = (line.disclosed?.0, line.withheld?.0);
    if !in_order(&disclosed) || !in_order(&withheld) {
        return None;
    }
    // Both lists in name order, merged; a name both disclosed and withheld goes to the `Value` path.
    let mut commitments: Vec<(&str, Hash)> = Vec::with_capacity(disclosed.len() + withheld.len());
    let (mut d, mut w) = (disclosed.iter().peekable(), withheld.iter().peekable());
    loop {
        let take_disclosed = match (d.peek(), w.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some((a, _)), Some((b, _))) if a == b => return None,
            (Some((a, _)), Some((b, _))) => a < b,
        };
        if take_disclosed {
            let (name, shown) = d.next()?;
            let value = shown.value.get().as_bytes();
            if !canonical::is_canonical(value) {
                return None;
            }
            commitments.push((*name, commit_canonical(&hex32(shown.salt)?, name, value)));
        } else {
            let (name, c) = w.next()?;
            commitments.push((*name, hex32(c)?));
        }
    }
    let fields = commitments.iter().map(|(name, c)| (*name, c));
    Some((line.seq, leaf_hash_of(line.seq, id, kind, version, at_micros, commitments.len(), fields)))
}

/// Whether a JSON text is exactly what `vigie_model::event::leaf::canonical` writes of it.
pub(in crate::tlog) mod canonical {
    /// Deeper values are left to the `Value` path (whose parser stops at 128 levels).
    const MAX_DEPTH: u32 = 64;

    /// `true` only if `text` is a JSON value written exactly as `canonical` writes it: no white
    /// space, object keys in strictly increasing byte order, integers as serde_json writes them,
    /// strings with only the escapes serde_json writes. It says `false` for some canonical texts
    /// (a float, a key with an escape, a value nested deeper than 64), which the caller then
    /// hashes the slow way: never `true` for a text that is not canonical.
    pub(in crate::tlog) fn is_canonical(text: &[u8]) -> bool {
        let mut at = 0;
        value(text, &mut at, 0) && at == text.len()
    }

    fn value(b: &[u8], at: &mut usize, depth: u32) -> bool {
        match b.get(*at) {
            Some(b'n') => literal(b, at, b"null"),
            Some(b't') => literal(b, at, b"true"),
            Some(b'f') => literal(b, at, b"false"),
            Some(b'"') => string(b, at),
            Some(b'-' | b'0'..=b'9') => integer(b, at),
            Some(b'[') if depth < MAX_DEPTH => {
                *at += 1;
                if b.get(*at) == Some(&b']') {
                    *at += 1;
                    return true;
                }
                loop {
                    if !value(b, at, depth + 1) {
                        return false;
                    }
                    match b.get(*at) {
                        Some(b',') => *at += 1,
                        Some(b']') => {
                            *at += 1;
                            return true;
                        }
                        _ => return false,
                    }
                }
            }
            Some(b'{') if depth < MAX_DEPTH => {
                *at += 1;
                if b.get(*at) == Some(&b'}') {
                    *at += 1;
                    return true;
                }
                let mut last: Option<&[u8]> = None;
                loop {
                    let start = *at;
                    if b.get(*at) != Some(&b'"') || !string(b, at) {
                        return false;
                    }
                    let key = &b[start + 1..*at - 1];
                    // A key's escapes would make its bytes differ from the text it sorts by.
                    if key.contains(&b'\\') || last.is_some_and(|l| l >= key) {
                        return false;
                    }
                    last = Some(key);
                    if b.get(*at) != Some(&b':') {
                        return false;
                    }
                    *at += 1;
                    if !value(b, at, depth + 1) {
                        return false;
                    }
                    match b.get(*at) {
                        Some(b',') => *at += 1,
                        Some(b'}') => {
                            *at += 1;
                            return true;
                        }
                        _ => return false,
                    }
                }
            }
            _ => false,
        }
    }

    fn literal(b: &[u8], at: &mut usize, word: &[u8]) -> bool {
        if b[*at..].starts_with(word) {
            *at += word.len();
            true
        } else {
            false
        }
    }

    /// `0`, or digits without a leading zero that serde_json reads as an integer (`u64` up to
    /// 18446744073709551615, `i64` down to -9223372036854775808) and so writes back the same.
    /// Beyond, `-0` (read as a float, written `-0.0`), a fraction or an exponent make a float:
    /// all `false`.
    fn integer(b: &[u8], at: &mut usize) -> bool {
        let negative = b[*at] == b'-';
        if negative {
            *at += 1;
        }
        match b.get(*at) {
            Some(b'0') if !negative => {
                *at += 1;
                true
            }
            Some(b'1'..=b'9') => {
                let start = *at;
                while b.get(*at).is_some_and(u8::is_ascii_digit) {
                    *at += 1;
                }
                let digits = &b[start..*at];
                let bound: &[u8] = if negative { b"9223372036854775808" } else { b"18446744073709551615" };
                // Same length: byte order is numeric order.
                digits.len() < bound.len() || (digits.len() == bound.len() && digits <= bound)
            }
            _ => false,
        }
    }

    /// A string as serde_json writes it: `"` and `\` escaped as `\"` and `\\`, the control
    /// characters as `\b \t \n \f \r` or else `\u00xx` (lower-case hex), nothing else escaped.
    fn string(b: &[u8], at: &mut usize) -> bool {
        *at += 1;
        loop {
            match b.get(*at) {
                None => return false,
                Some(b'"') => {
                    *at += 1;
                    return true;
                }
                Some(b'\\') => match b.get(*at + 1) {
                    Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => *at += 2,
                    Some(b'u') => {
                        let Some(&[b'0', b'0', hi @ (b'0' | b'1'), lo @ (b'0'..=b'9' | b'a'..=b'f')]) =
                            b.get(*at + 2..*at + 6)
                        else {
                            return false;
                        };
                        let lo = if lo.is_ascii_digit() { lo - b'0' } else { lo - b'a' + 10 };
                        let c = ((hi - b'0') << 4) | lo;
                        // These five have a short escape, which serde_json writes instead.
                        if matches!(c, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d) {
                            return false;
                        }
                        *at += 6;
                    }
                    _ => return false,
                },
                Some(c) if *c < 0x20 => return false,
                Some(_) => *at += 1,
            }
        }
    }
}

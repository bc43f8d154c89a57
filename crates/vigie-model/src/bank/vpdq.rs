//! The vPDQ signal as python-threatexchange writes it (signal type `vpdq`): a JSON list of
//! `"hex,quality,timestamp"` strings, one per hashed frame, in frame order. The frame numbers are
//! not in the format: they are the items' positions.
//!
//! Vigie keeps a banked video's timestamps at full precision ([`canonical`], what a bank entry
//! stores) and rounds them to three significant digits, as Python's `format(t, ".3")` does, only
//! when writing for python-threatexchange ([`pytx`]), so that a bank exported and imported back
//! by its CLI reads the same. Hashing the frames is `vigie-hash`'s (`vpdq.rs`); comparing them
//! too: this module only reads and writes the list.

use std::fmt::Write as _;

/// The most frames one signal may hold: ten hours at one hash a second, with room.
pub const MAX_FRAMES: usize = 100_000;

/// One hashed frame of a signal.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// The frame's PDQ hash: 64 lower-case hexadecimal digits.
    pub hash: String,
    /// PDQ quality, 0 to 100.
    pub quality: u8,
    /// Seconds from the start of the video, not negative.
    pub timestamp: f64,
}

/// Reads a signal, in python-threatexchange's format or Vigie's (the same list, with timestamps
/// at any precision). An empty list is refused: it would match nothing, ever.
pub fn parse(signal: &str) -> Result<Vec<Frame>, String> {
    let items: Vec<String> = serde_json::from_str(signal.trim())
        .map_err(|_| "a vpdq signal is a JSON list of \"hex,quality,timestamp\" strings".to_owned())?;
    if items.is_empty() {
        return Err("a vpdq signal holds at least one frame".into());
    }
    if items.len() > MAX_FRAMES {
        return Err(format!("a vpdq signal holds at most {MAX_FRAMES} frames"));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut parts = item.split(',');
            let (Some(h), Some(q), Some(t), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
                return Err(format!("frame {i} is not \"hex,quality,timestamp\""));
            };
            let hash = h.trim().to_ascii_lowercase();
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("frame {i}: a PDQ hash is 64 hexadecimal digits"));
            }
            let quality = q
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|q| *q <= 100)
                .ok_or_else(|| format!("frame {i}: the quality is an integer from 0 to 100"))?;
            let timestamp = t
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|t| t.is_finite() && *t >= 0.0)
                .ok_or_else(|| format!("frame {i}: the timestamp is a number of seconds, not negative"))?;
            Ok(Frame { hash, quality, timestamp })
        })
        .collect()
}

fn write_list(frames: &[Frame], timestamp: impl Fn(f64) -> String) -> String {
    let mut out = String::with_capacity(frames.len() * 76 + 2);
    out.push('[');
    for (i, f) in frames.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "\"{},{},{}\"", f.hash, f.quality, timestamp(f.timestamp));
    }
    out.push(']');
    out
}

/// The items of python-threatexchange's form, each `"hex,quality,timestamp"` (what `vigie hash`
/// prints as a JSON list).
pub fn pytx_items(frames: &[Frame]) -> Vec<String> {
    frames.iter().map(|f| format!("{},{},{}", f.hash, f.quality, python_3_significant(f.timestamp))).collect()
}

/// The form a bank entry stores: every timestamp as the shortest decimal that reads back to the
/// same `f64`.
pub fn canonical(frames: &[Frame]) -> String {
    write_list(frames, |t| format!("{t:?}"))
}

/// python-threatexchange's form: timestamps with three significant digits.
pub fn pytx(frames: &[Frame]) -> String {
    write_list(frames, python_3_significant)
}

/// `format(x, ".3")` as Python writes a float: three significant digits, trailing zeros dropped
/// but one digit kept after the point, scientific from an exponent of 2 (p - 1) or below -4.
pub fn python_3_significant(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    // Correctly rounded to three significant digits, whatever the notation.
    let sci = format!("{x:.2e}");
    let (mantissa, exp) = sci.split_once('e').expect("scientific notation has an exponent");
    let exp: i32 = exp.parse().expect("an integer exponent");
    if (-4..2).contains(&exp) {
        let digits = usize::try_from(2 - exp).expect("within -4..2");
        let fixed = format!("{x:.digits$}");
        let trimmed = if fixed.contains('.') { fixed.trim_end_matches('0') } else { &fixed };
        if trimmed.ends_with('.') { format!("{trimmed}0") } else { trimmed.to_owned() }
    } else {
        let m = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(byte: &str, quality: u8, timestamp: f64) -> Frame {
        Frame { hash: byte.repeat(32), quality, timestamp }
    }

    #[test]
    fn timestamps_are_written_as_python_writes_them_with_three_digits() {
        for (x, want) in [
            (0.0, "0.0"),
            (1.0, "1.0"),
            (0.5, "0.5"),
            (12.0, "12.0"),
            (12.34, "12.3"),
            (99.96, "1e+02"),
            (123.4, "1.23e+02"),
            (1000.0, "1e+03"),
            (0.001, "0.001"),
            (0.0001234, "0.000123"),
            (0.00001, "1e-05"),
            (f64::from(29f32 / 29.97f32), "0.968"),
        ] {
            assert_eq!(python_3_significant(x), want, "{x}");
        }
    }

    #[test]
    fn the_stored_form_keeps_full_precision_and_the_exchange_form_three_digits() {
        let frames = vec![frame("ab", 100, 0.0), frame("01", 49, 1.0 / 3.0), frame("ff", 0, 1234.5)];
        let stored = canonical(&frames);
        assert_eq!(parse(&stored).unwrap(), frames, "canonical reads back exactly");
        let exchanged = pytx(&frames);
        assert_eq!(serde_json::to_string(&pytx_items(&frames)).unwrap().replace("\",\"", "\", \""), exchanged);
        assert!(exchanged.contains(",49,0.333\""), "{exchanged}");
        assert!(exchanged.contains(",0,1.23e+03\""), "{exchanged}");
        let back = parse(&exchanged).unwrap();
        assert_eq!(back[1].timestamp, 0.333);
        assert_eq!(pytx(&back), exchanged, "the exchange form is a fixed point");
    }

    #[test]
    fn upper_case_and_spaces_are_read_and_bad_frames_are_named() {
        let got = parse(&format!("[\" {} , 90 , 2.5 \"]", "AB".repeat(32))).unwrap();
        assert_eq!(got, vec![frame("ab", 90, 2.5)]);
        let good = format!("\"{},90,1.0\"", "00".repeat(32));
        for (bad, says) in [
            ("{}".to_owned(), "JSON list"),
            ("[]".to_owned(), "at least one frame"),
            ("".to_owned(), "JSON list"),
            (format!("[{good}, \"ab,1,0\"]"), "frame 1: a PDQ hash"),
            (format!("[\"{},90\"]", "00".repeat(32)), "frame 0 is not"),
            (good.clone(), "JSON list"),
            (format!("[{}]", good.replace(",90,", ",101,")), "frame 0: the quality"),
            (format!("[{}]", good.replace(",1.0", ",-1")), "frame 0: the timestamp"),
            (format!("[{}]", good.replace(",1.0", ",NaN")), "frame 0: the timestamp"),
        ] {
            let err = parse(&bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}

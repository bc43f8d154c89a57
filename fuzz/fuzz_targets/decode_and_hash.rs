//! Any bytes through decoding and hashing: an error or a hash, never a panic, a hang or an
//! unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie_hash::{HashOptions, Limits};

fuzz_target!(|data: &[u8]| {
    // Small limits keep each run fast; the checks they exercise are the same.
    let limits = Limits { max_bytes: 1 << 20, max_pixels: 1 << 20 };
    let options = HashOptions { limits, dihedral: true };
    if let Ok(h) = vigie_hash::hash_image(data, &options) {
        assert!(h.pdq.quality <= 100);
        assert!(h.pdq_pytx.is_none_or(|p| p.quality <= 100 && p != h.pdq));
        assert!(h.width * h.height <= 1 << 20);
    }
});

//! The fast path agrees with the reference, bit for bit, on every shape of input.

use super::*;

/// A small deterministic generator (xorshift), so the tests need no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn luma_image(rng: &mut Rng, rows: usize, cols: usize) -> Vec<f32> {
    // Smooth structure plus noise: the sums then carry real rounding, not just integers.
    let fx = (rng.below(7) + 1) as f32;
    let fy = (rng.below(5) + 1) as f32;
    (0..rows * cols)
        .map(|k| {
            let (i, j) = ((k / cols) as f32, (k % cols) as f32);
            let wave = 127.5 + 100.0 * ((i * fy / rows as f32).sin() * (j * fx / cols as f32).cos());
            let r = (rng.below(256) as f32) * 0.299 + (rng.below(256) as f32) * 0.587;
            (wave * 0.6 + r * 0.4) / 1.0
        })
        .collect()
}

#[test]
fn the_fast_path_equals_the_reference_bit_for_bit() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let shapes = [
        (5, 5),
        (5, 300),
        (64, 64),
        (63, 65),
        (64, 65),
        (100, 37),
        (128, 128),
        (129, 257),
        (480, 640),
        (17, 1000),
        (1000, 17),
        (333, 777),
        (1024, 1024),
        // Many bands, a wide window and a ring that wraps; a band boundary exactly at the end.
        (3000, 23),
        (129, 5),
        (2048, 300),
        (130, 3001),
        (1001, 77),
        (517, 1030),
        (71, 9),
    ];
    for (rows, cols) in shapes {
        let luma = luma_image(&mut rng, rows, cols);
        let slow = reference::pdq_float(&luma, rows, cols).unwrap();
        let fast = fast::pdq_float(luma, rows, cols).unwrap();
        assert_eq!(slow.1, fast.1, "quality differs at {rows}×{cols}");
        let same_bits = slow.0.iter().flatten().zip(fast.0.iter().flatten()).all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same_bits, "DCT differs at {rows}×{cols}");
    }
}

#[test]
fn tiny_images_hash_to_zero_with_quality_zero() {
    for (r, c) in [(0, 0), (1, 1), (4, 100), (100, 4)] {
        let (pdq, dct) = pdq_from_luma(vec![10.0; r * c], r, c);
        assert_eq!(pdq, Pdq { hash: PdqHash::ZERO, quality: 0 });
        assert!(dct.is_none());
    }
}

#[test]
fn hex_is_the_big_endian_bit_order_and_round_trips() {
    let mut h = PdqHash::ZERO;
    h.set_bit(0);
    h.set_bit(255);
    assert_eq!(h.to_string(), format!("8{}1", "0".repeat(62)));
    assert_eq!(h.to_string().parse::<PdqHash>(), Ok(h));
    assert_eq!("xyz".parse::<PdqHash>(), Err(BadPdqHex));
    assert_eq!(h.distance(&PdqHash::ZERO), 2);
}

#[test]
fn torben_picks_the_median_with_the_references_ties() {
    assert_eq!(reference::torben(&[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(reference::torben(&[4.0, 1.0, 3.0, 2.0]), 2.0);
    assert_eq!(reference::torben(&[5.0; 256]), 5.0);
}

#[test]
fn the_first_dihedral_hash_is_the_original_and_the_others_differ() {
    let mut rng = Rng(7);
    let luma = luma_image(&mut rng, 200, 300);
    let (pdq, dct) = pdq_from_luma(luma, 200, 300);
    let d = dihedral(&dct.unwrap());
    assert_eq!(d[0], pdq.hash);
    assert!(d[1..].iter().all(|h| *h != pdq.hash));
}

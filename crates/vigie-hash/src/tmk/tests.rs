//! The file format, the scores' algebra and the decisions, on synthetic features. Agreement with
//! Meta's reference on real videos is `vigie-video`'s `tests/tmk.rs` (pinned `.tmk` files).

use super::*;

use super::tests_support::{Rng, features, video};

#[test]
fn a_file_is_263344_bytes_and_reads_back_equal() {
    let f = features(&video(7, 5, 20));
    assert_eq!(f.frame_count(), 100);
    let bytes = f.to_bytes();
    assert_eq!(bytes.len(), 263_344);
    assert_eq!(FILE_BYTES, 263_344);
    assert_eq!(&bytes[..12], b"TMK1FVECPDQF");
    assert_eq!(TmkFeatures::from_bytes(&bytes).unwrap(), f);
}

#[test]
fn a_frame_feature_is_the_reference_pdq_float_dct_of_its_luma() {
    // Checked against the crate's plain, unvectorised PDQ (`pdq::reference`), on frames with
    // structure in both directions (PDQ's DCT has no constant term: a flat frame is all zero).
    let flat = vec![128u8; 64 * 64 * 3];
    assert!(frame_feature(&flat).iter().all(|v| v.abs() < 1e-3));
    let mut rng = Rng(0x5eed);
    for _ in 0..4 {
        let rgb: Vec<u8> =
            (0..64 * 64 * 3).map(|k| ((k / 3 % 64) * (k / 192) % 256) as u8 ^ (rng.next() % 32) as u8).collect();
        let luma: Vec<f32> = rgb
            .chunks_exact(3)
            .map(|p| 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]))
            .collect();
        let (dct, _) = crate::pdq::reference::pdq_float(&luma, 64, 64).unwrap();
        let want: Vec<f32> = dct.iter().flatten().copied().collect();
        assert_eq!(frame_feature(&rgb).to_vec(), want);
        assert!(want.iter().any(|v| v.abs() > 1.0));
    }
}

#[test]
fn malformed_files_are_clear_errors_never_panics() {
    let good = features(&video(11, 3, 10)).to_bytes();
    assert_eq!(TmkFeatures::from_bytes(b""), Err(TmkFileError::NotTmk));
    assert_eq!(TmkFeatures::from_bytes(b"GIF89a"), Err(TmkFileError::NotTmk));
    let mut algo = good.clone();
    algo[8..12].copy_from_slice(b"TMKX");
    assert_eq!(TmkFeatures::from_bytes(&algo).unwrap_err().code(), "tmk_unknown_algorithm");
    let mut huge = good.clone();
    huge[24..28].copy_from_slice(&i32::MAX.to_le_bytes());
    assert_eq!(TmkFeatures::from_bytes(&huge).unwrap_err().code(), "tmk_bad_header");
    let mut negative = good.clone();
    negative[16..20].copy_from_slice(&(-1i32).to_le_bytes());
    assert_eq!(TmkFeatures::from_bytes(&negative).unwrap_err().code(), "tmk_bad_header");
    let mut period = good.clone();
    period[32..36].copy_from_slice(&0i32.to_le_bytes());
    assert_eq!(TmkFeatures::from_bytes(&period).unwrap_err().code(), "tmk_bad_header");
    let mut nan = good.clone();
    nan[1000..1004].copy_from_slice(&f32::NAN.to_le_bytes());
    assert_eq!(TmkFeatures::from_bytes(&nan), Err(TmkFileError::NotFinite(1000)));
    let mut longer = good.clone();
    longer.push(0);
    assert!(matches!(TmkFeatures::from_bytes(&longer), Err(TmkFileError::WrongLength { .. })));
    // Every truncation is refused.
    for len in (0..good.len()).step_by(997).chain([31, 32, 33, good.len() - 1]) {
        let got = TmkFeatures::from_bytes(&good[..len]);
        assert!(got.is_err(), "a file cut to {len} bytes was read");
    }
}

#[test]
fn random_mutations_never_panic_and_a_read_file_writes_back_the_same() {
    let good = features(&video(13, 4, 8)).to_bytes();
    let mut rng = Rng(0xdead_beef_1234_5678);
    let (mut read, mut refused) = (0, 0);
    for _ in 0..1000 {
        let mut bytes = good.clone();
        // Mostly the header and the small vectors, where the structure is.
        for _ in 0..1 + rng.next() % 4 {
            let at = if rng.next().is_multiple_of(2) {
                (rng.next() % 1200) as usize
            } else {
                (rng.next() as usize) % bytes.len()
            };
            bytes[at] = rng.next() as u8;
        }
        if rng.next().is_multiple_of(8) {
            let cut = (rng.next() as usize) % bytes.len();
            bytes.truncate(cut);
        }
        match TmkFeatures::from_bytes(&bytes) {
            Ok(f) => {
                read += 1;
                assert_eq!(f.to_bytes(), bytes, "a file Vigie reads writes back unchanged");
            }
            Err(e) => {
                refused += 1;
                assert!(!e.code().is_empty());
            }
        }
    }
    assert!(read > 0 && refused > 0, "{read} read, {refused} refused");
}

#[test]
fn a_video_against_itself_scores_one_at_both_levels() {
    let f = features(&video(3, 6, 25));
    assert!((level1(&f, &f).unwrap() - 1.0).abs() < 1e-6);
    assert!((level2(&f, &f).unwrap() - 1.0).abs() < 1e-3);
    let offsets = best_offsets(&f, &f).unwrap();
    assert_eq!(offsets.iter().map(|o| o.period).collect::<Vec<_>>(), PERIODS.to_vec());
    assert!(offsets.iter().all(|o| o.offset == 0), "{offsets:?}");
    assert!(compare(&f, &f, &Thresholds::default()).unwrap().is_match(&Thresholds::default()));
}

/// The level-2 kernel evaluated directly, in f64 (the `#if 0` branch of the reference): the
/// recurrence the reference (and Vigie) uses instead must agree with it.
fn direct_best(a: &TmkFeatures, b: &TmkFeatures, i: usize) -> (i32, f64) {
    let period = a.periods()[i];
    let c = a.coefficients().len();
    let d64 = |u: &[f32], v: &[f32]| u.iter().zip(v).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum::<f64>();
    let mut best = (0, f64::NEG_INFINITY);
    for offset in 0..period {
        let delta = 2.0 * std::f64::consts::PI * f64::from(offset) / f64::from(period);
        let mut k = d64(a.cos(i, 0), b.cos(i, 0));
        for j in 1..c {
            let jd = j as f64 * delta;
            k += jd.cos() * (d64(a.cos(i, j), b.cos(i, j)) + d64(a.sin(i, j), b.sin(i, j)));
            k += jd.sin() * (d64(a.sin(i, j), b.cos(i, j)) - d64(a.cos(i, j), b.sin(i, j)));
        }
        if k > best.1 {
            best = (offset, k);
        }
    }
    best
}

#[test]
fn the_level_two_recurrence_agrees_with_direct_evaluation() {
    let full = video(5, 8, 30);
    let a = features(&full);
    let b = features(&full[37..]);
    let got = best_offsets(&a, &b).unwrap();
    // The two smallest periods are enough to cover the algebra; the others only cost time.
    for (i, g) in got.iter().enumerate().take(2) {
        let (offset, value) = direct_best(&a, &b, i);
        assert!((f64::from(g.value) - value).abs() < 1e-3, "period {}: {} against {value}", g.period, g.value);
        // The peak may sit on either of two neighbouring offsets when they are that close.
        assert!((g.offset - offset).abs() <= 1 || (g.offset - offset).abs() == g.period - 1, "{g:?} against {offset}");
    }
}

#[test]
fn a_clip_cut_from_a_video_matches_it_and_another_video_does_not() {
    let t = Thresholds::default();
    let full = video(21, 10, 30);
    let original = features(&full);
    let trimmed = features(&full[45..255]);
    let other = features(&video(22, 10, 30));
    let same = compare(&original, &trimmed, &t).unwrap();
    assert!(same.is_match(&t), "{same:?}");
    let different = compare(&original, &other, &t).unwrap();
    assert!(!different.is_match(&t), "{different:?}");
    assert!(different.level1 < 0.5, "{different:?}");
    assert_eq!(different.level2, None, "level 2 is not computed when level 1 fails");
    // A bank may lower the thresholds.
    let lax = Thresholds { level1: -1.0, level2: -1.0 };
    assert!(compare(&original, &other, &lax).unwrap().is_match(&lax));
}

#[test]
fn features_of_different_parameters_are_not_compared() {
    let f = features(&video(1, 2, 5));
    let mut bytes = f.to_bytes();
    bytes[12..16].copy_from_slice(&30i32.to_le_bytes());
    let thirty = TmkFeatures::from_bytes(&bytes).unwrap();
    assert!(level1(&f, &thirty).is_err());
    assert!(compare(&f, &thirty, &Thresholds::default()).is_err());
}

#[test]
fn no_frame_leaves_every_feature_zero() {
    let f = Accumulator::new().finish();
    assert_eq!(f.frame_count(), 0);
    assert!(f.pure_average().iter().all(|v| *v == 0.0));
    assert_eq!(level1(&f, &f).unwrap(), 0.0);
}

#[test]
fn banks_read_only_files_of_the_reference_parameters_and_check_the_length_first() {
    let f = features(&video(11, 4, 10));
    let good = f.to_bytes();
    assert_eq!(TmkFeatures::from_standard_bytes(&good), Ok(f.clone()));
    // A file of other parameters reads with `from_bytes` but is not a bank's.
    let mut other = good.clone();
    other[12..16].copy_from_slice(&30i32.to_le_bytes());
    assert!(TmkFeatures::from_bytes(&other).is_ok());
    assert_eq!(TmkFeatures::from_standard_bytes(&other).unwrap_err().code(), "tmk_not_standard");
    let mut coefficient = good.clone();
    coefficient[32 + 16..32 + 20].copy_from_slice(&2.0f32.to_le_bytes());
    assert_eq!(TmkFeatures::from_standard_bytes(&coefficient).unwrap_err().code(), "tmk_not_standard");
    // A file of smaller parameters, valid for `from_bytes`, is the wrong length here.
    let mut small = good[..32].to_vec();
    small[16..28].copy_from_slice(&[1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    small.extend_from_slice(&100i32.to_le_bytes());
    small.extend_from_slice(&[0; 16]);
    assert!(TmkFeatures::from_bytes(&small).is_ok());
    assert_eq!(TmkFeatures::from_standard_bytes(&small).unwrap_err().code(), "tmk_wrong_length");
    assert_eq!(TmkFeatures::from_standard_bytes(b"RIFF....").unwrap_err().code(), "tmk_not_a_tmk_file");
    assert_eq!(TmkFeatures::from_standard_bytes(&good[..1000]).unwrap_err().code(), "tmk_wrong_length");
}

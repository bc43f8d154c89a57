//! Media to hashes. Pure: the only input is bytes (or pixels), the only work decoding and
//! arithmetic; no files, no network, no clock.
//!
//! - [`decode`]: bytes to the pixel array PDQ hashes, following python-threatexchange's
//!   conventions, with limits checked before any pixel buffer is allocated.
//! - [`pdq`]: Meta's PDQ, bit-exact with the reference as python-threatexchange (and HMA)
//!   computes it, and eight dihedral variants from one DCT.
//! - [`hash_image`]: all of it at once, with the file's MD5 and SHA-256.
//!
//! ```no_run
//! let bytes = std::fs::read("photo.png").unwrap();
//! let h = vigie_hash::hash_image(&bytes, &vigie_hash::HashOptions::default()).unwrap();
//! println!("{} {}", h.pdq.hash, h.pdq.quality);
//! ```

pub mod decode;
pub mod pdq;
pub mod preview;
pub mod probe;

use std::sync::OnceLock;

use md5::Md5;
use sha2::{Digest, Sha256};

pub use decode::{DecodeError, Format, Limits, Palette, Pixels};
pub use pdq::{Pdq, PdqHash};
pub use preview::blurred_preview;

/// What [`hash_image`] computes, and within which limits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HashOptions {
    pub limits: Limits,
    pub palette: Palette,
    /// Also compute the eight dihedral hashes.
    pub dihedral: bool,
}

/// Everything Vigie knows how to compute from an image file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageHashes {
    pub pdq: Pdq,
    /// The hashes of the eight rotations and flips, in [`pdq::DIHEDRAL_NAMES`] order.
    pub dihedral: Option<[PdqHash; 8]>,
    /// Hex MD5 of the file's bytes.
    pub md5: String,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub width: usize,
    pub height: usize,
    pub format: Format,
}

/// Decodes and hashes an image file's bytes.
pub fn hash_image(bytes: &[u8], options: &HashOptions) -> Result<ImageHashes, DecodeError> {
    let pixels = decode::decode(bytes, &options.limits, options.palette)?;
    let luma = luma(&pixels);
    // The reference's dihedral function never skips the blur, even at 64×64.
    let dihedral_luma = (options.dihedral && pixels.width == 64 && pixels.height == 64).then(|| luma.clone());
    let (pdq, dct) = pdq::pdq_from_luma(luma, pixels.height, pixels.width);
    let dihedral = options.dihedral.then(|| {
        let dct = match dihedral_luma {
            Some(l) => pdq::fast::pdq_float_with(l, 64, 64, pdq::fast::Bypass::Never).map(|(d, _)| d),
            None => dct,
        };
        dct.map_or([PdqHash::ZERO; 8], |d| pdq::dihedral(&d))
    });
    Ok(ImageHashes {
        pdq,
        dihedral,
        md5: md5_hex(bytes),
        sha256: hex::encode(Sha256::digest(bytes)),
        width: pixels.width,
        height: pixels.height,
        format: pixels.format,
    })
}

/// Hex MD5 of bytes (exact-match lists, HMA's `video_md5`).
pub fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// PDQ of decoded pixels, and the DCT the hash was thresholded from (`None` below 5 pixels).
pub fn pdq_from_pixels(p: &Pixels) -> (Pdq, Option<pdq::Dct16>) {
    thread_local! {
        /// The luma buffer, reused from image to image on this thread.
        static LUMA: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    LUMA.with(|cell| {
        let mut fresh = Vec::new();
        let mut kept = cell.try_borrow_mut();
        let buf = match kept.as_deref_mut() {
            Ok(b) => b,
            Err(_) => &mut fresh,
        };
        luma_into(p, buf);
        let res = match pdq::fast::pdq_float_in(buf, p.height, p.width, pdq::fast::Bypass::At64) {
            Some((dct, quality)) => (Pdq { hash: PdqHash::from_dct(&dct), quality }, Some(dct)),
            None => (Pdq { hash: PdqHash::ZERO, quality: 0 }, None),
        };
        if buf.capacity() > pdq::fast::KEEP_SCRATCH_FLOATS {
            *buf = Vec::new();
        }
        res
    })
}

/// Per-channel luma terms, `v as f64 * coefficient`, exactly as numpy computes them in the
/// `pdqhash` binding before the sum is rounded to `f32`.
fn luma_tables() -> &'static ([[f64; 256]; 3], [f32; 256]) {
    static TABLES: OnceLock<([[f64; 256]; 3], [f32; 256])> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut terms = [[0f64; 256]; 3];
        for (row, k) in terms.iter_mut().zip([0.299, 0.587, 0.114]) {
            for (v, t) in row.iter_mut().enumerate() {
                *t = v as f64 * k;
            }
        }
        let mut grey = [0f32; 256];
        for (v, g) in grey.iter_mut().enumerate() {
            *g = ((terms[0][v] + terms[1][v]) + terms[2][v]) as f32;
        }
        (terms, grey)
    })
}

/// The `f32` luma PDQ starts from: `R·0.299 + G·0.587 + B·0.114` summed in `f64`, left to right.
/// One-channel images count their value for all three channels.
pub fn luma(p: &Pixels) -> Vec<f32> {
    let mut out = Vec::new();
    luma_into(p, &mut out);
    out
}

/// [`luma`] into a buffer the caller keeps.
fn luma_into(p: &Pixels, out: &mut Vec<f32>) {
    let (terms, grey) = luma_tables();
    out.clear();
    match p.channels {
        1 => out.extend(p.data.iter().map(|&v| grey[usize::from(v)])),
        n => out.extend(p.data.chunks_exact(n).map(|px| {
            ((terms[0][usize::from(px[0])] + terms[1][usize::from(px[1])]) + terms[2][usize::from(px[2])]) as f32
        })),
    }
}

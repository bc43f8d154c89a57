//! Media to hashes. Pure: the only input is bytes (or pixels), the only work decoding and
//! arithmetic; no files, no network, no clock.
//!
//! - [`decode`]: bytes to pixels as the file holds them, with limits checked before any pixel
//!   buffer is allocated, read two ways: as the eye sees them ([`View::Eye`]) and as
//!   python-threatexchange hands them to PDQ ([`View::Pytx`]).
//! - [`pdq`]: Meta's PDQ, bit-exact with the reference as python-threatexchange (and HMA)
//!   computes it, and eight dihedral variants from one DCT.
//! - [`hash_image`]: all of it at once, with the file's MD5 and SHA-256.
//! - [`tmk`]: TMK+PDQF, Meta's whole-video hash, from 64×64 frames at 15 a second; its `.tmk`
//!   file and its two-level score.
//! - [`vpdq`]: Meta's video hash from decoded frames (the decoding is `vigie-video`'s), its signal
//!   format and its comparison.
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
pub mod tmk;
pub mod vpdq;

use std::cell::RefCell;
use std::sync::OnceLock;

use md5::Md5;
use sha2::{Digest, Sha256};

pub use decode::{DecodeError, Format, Layout, Limits, Pixels, View};
pub use pdq::{Pdq, PdqHash};
pub use preview::{BlurredFrame, blurred_frame, blurred_preview, storyboard_png};

/// What [`hash_image`] computes, and within which limits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HashOptions {
    pub limits: Limits,
    /// Also compute the eight dihedral hashes (of the eye's view).
    pub dihedral: bool,
}

/// Everything Vigie knows how to compute from an image file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageHashes {
    /// The hash of what the eye sees ([`View::Eye`]).
    pub pdq: Pdq,
    /// python-threatexchange's hash of the same file ([`View::Pytx`]), present exactly when it
    /// differs from `pdq` (in its bits or its quality). When absent, `pdq` is also pytx's.
    pub pdq_pytx: Option<Pdq>,
    /// The hashes of the eight rotations and flips of the eye's view, in
    /// [`pdq::DIHEDRAL_NAMES`] order.
    pub dihedral: Option<[PdqHash; 8]>,
    /// Hex MD5 of the file's bytes.
    pub md5: String,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub width: usize,
    pub height: usize,
    pub format: Format,
}

impl ImageHashes {
    /// The PDQ hashes to look up: the eye's, then pytx's when it differs.
    pub fn pdq_views(&self) -> impl Iterator<Item = (View, Pdq)> {
        std::iter::once((View::Eye, self.pdq)).chain(self.pdq_pytx.map(|p| (View::Pytx, p)))
    }
}

thread_local! {
    /// The decoded samples of the last image hashed on this thread, whose allocation the next
    /// one reuses: a fresh buffer per image costs page faults on every page.
    static SAMPLES: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Sample buffers larger than this (64 MiB, 21 megapixels of RGB) are given back after use.
const KEEP_SAMPLE_BYTES: usize = 64 << 20;

/// Decodes and hashes an image file's bytes.
pub fn hash_image(bytes: &[u8], options: &HashOptions) -> Result<ImageHashes, DecodeError> {
    let buf = SAMPLES.with(|cell| cell.try_borrow_mut().map(|mut b| std::mem::take(&mut *b)).unwrap_or_default());
    let pixels = decode::decode_into(bytes, &options.limits, buf)?;
    let hashes = hash_pixels(&pixels, bytes, options.dihedral);
    let Pixels { data, .. } = pixels;
    if data.capacity() <= KEEP_SAMPLE_BYTES {
        SAMPLES.with(|cell| {
            if let Ok(mut kept) = cell.try_borrow_mut() {
                *kept = data;
            }
        });
    }
    Ok(hashes)
}

fn hash_pixels(pixels: &Pixels, bytes: &[u8], dihedral: bool) -> ImageHashes {
    let (pdq, dct) = pdq_from_pixels(pixels, View::Eye);
    let dihedral = dihedral.then(|| {
        // The reference's dihedral function never skips the blur, even at 64×64.
        let dct = if pixels.width == 64 && pixels.height == 64 {
            pdq::fast::pdq_float_with(luma(pixels, View::Eye), 64, 64, pdq::fast::Bypass::Never).map(|(d, _)| d)
        } else {
            dct
        };
        dct.map_or([PdqHash::ZERO; 8], |d| pdq::dihedral(&d))
    });
    let pdq_pytx = pixels.views_differ().then(|| pdq_from_pixels(pixels, View::Pytx).0).filter(|p| *p != pdq);
    ImageHashes {
        pdq,
        pdq_pytx,
        dihedral,
        md5: md5_hex(bytes),
        sha256: sha256_hex(bytes),
        width: pixels.width,
        height: pixels.height,
        format: pixels.format,
    }
}

/// Hex MD5 of bytes (exact-match lists, HMA's `video_md5`).
pub fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// PDQ of decoded pixels seen one way, and the DCT the hash was thresholded from (`None` below
/// 5 pixels). The luma is computed band by band inside the filter's passes, never as a whole.
pub fn pdq_from_pixels(p: &Pixels, view: View) -> (Pdq, Option<pdq::Dct16>) {
    match pdq::fast::pdq_float_rows(p.height, p.width, pdq::fast::Bypass::At64, LumaSource::new(p, view)) {
        Some((dct, quality)) => (Pdq { hash: PdqHash::from_dct(&dct), quality }, Some(dct)),
        None => (Pdq { hash: PdqHash::ZERO, quality: 0 }, None),
    }
}

/// The `f32` luma PDQ starts from: `R·0.299 + G·0.587 + B·0.114`, each product and both sums in
/// `f64`, left to right, then rounded to `f32`, exactly as numpy computes it in the `pdqhash`
/// binding (Rust never fuses the multiplications and additions).
#[inline(always)]
fn rgb_luma(r: u8, g: u8, b: u8) -> f32 {
    ((f64::from(r) * 0.299 + f64::from(g) * 0.587) + f64::from(b) * 0.114) as f32
}

/// The luma of each grey level.
fn grey_luma() -> &'static [f32; 256] {
    static TABLE: OnceLock<[f32; 256]> = OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|v| rgb_luma(v as u8, v as u8, v as u8)))
}

/// The `f32` luma PDQ starts from ([`rgb_luma`]) of the pixels as `view` sees them. A grey value
/// counts for all three channels.
pub fn luma(p: &Pixels, view: View) -> Vec<f32> {
    let mut out = vec![0f32; p.width * p.height];
    pdq::fast::LumaRows::fill(&mut LumaSource::new(p, view), 0, &mut out);
    out
}

/// `c` composited with opacity `a` over white, rounded.
#[inline(always)]
fn over_white(c: u8, a: u8) -> u8 {
    ((u32::from(c) * u32::from(a) + 255 * (255 - u32::from(a)) + 127) / 255) as u8
}

/// `x · y / 255`, rounded: how zune-jpeg applies an inverted K to an inverted ink.
#[inline(always)]
fn ink(x: u8, y: u8) -> u8 {
    let t = u32::from(x) * u32::from(y) + 128;
    ((t + (t >> 8)) >> 8) as u8
}

/// JFIF's YCbCr to RGB, rounded and clamped.
#[inline(always)]
fn ycc_to_rgb(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let (y, cb, cr) = (f32::from(y), f32::from(cb) - 128.0, f32::from(cr) - 128.0);
    let c = |v: f32| (v + 0.5).clamp(0.0, 255.0) as u8;
    [c(y + 1.402 * cr), c(y - 0.344_136 * cb - 0.714_136 * cr), c(y + 1.772 * cb)]
}

/// Rows of luma from pixels seen one way, a band at a time.
struct LumaSource<'a> {
    p: &'a Pixels,
    view: View,
    /// The luma of each byte value, for layouts of one byte per pixel (grey levels, palette
    /// entries or indices, 1-bit values), as the view reads them.
    of_byte: [f32; 256],
}

impl<'a> LumaSource<'a> {
    fn new(p: &'a Pixels, view: View) -> Self {
        let grey = grey_luma();
        let of_byte = match (&p.layout, view) {
            (Layout::Indexed(palette), View::Eye) => std::array::from_fn(|i| {
                let [r, g, b, a] = palette[i];
                rgb_luma(over_white(r, a), over_white(g, a), over_white(b, a))
            }),
            (Layout::Bilevel, View::Eye) => std::array::from_fn(|v| grey[if v == 0 { 0 } else { 255 }]),
            (Layout::Bilevel, View::Pytx) => std::array::from_fn(|v| grey[v.min(1)]),
            _ => *grey,
        };
        LumaSource { p, view, of_byte }
    }
}

impl pdq::fast::LumaRows for LumaSource<'_> {
    /// The luma of rows `first..first + out.len() / width`, row-major, into `out`. Plain loops,
    /// inlined into the filter's vectorised passes.
    #[inline(always)]
    fn fill(&mut self, first: usize, out: &mut [f32]) {
        let bpp = self.p.layout.bytes_per_pixel();
        let start = first * self.p.width * bpp;
        let d = &self.p.data[start..start + out.len() * bpp];
        let of_byte = &self.of_byte;
        match (&self.p.layout, self.view) {
            (Layout::Grey | Layout::Bilevel | Layout::Indexed(_), _) => {
                for (o, &v) in out.iter_mut().zip(d) {
                    *o = of_byte[usize::from(v)];
                }
            }
            (Layout::Rgb, _) => {
                for (o, px) in out.iter_mut().zip(d.chunks_exact(3)) {
                    *o = rgb_luma(px[0], px[1], px[2]);
                }
            }
            (Layout::Rgba, View::Pytx) => {
                for (o, px) in out.iter_mut().zip(d.chunks_exact(4)) {
                    *o = rgb_luma(px[0], px[1], px[2]);
                }
            }
            (Layout::Rgba, View::Eye) => {
                for (o, px) in out.iter_mut().zip(d.chunks_exact(4)) {
                    let a = px[3];
                    *o = rgb_luma(over_white(px[0], a), over_white(px[1], a), over_white(px[2], a));
                }
            }
            (Layout::GreyAlpha, View::Pytx) => {
                for (o, px) in out.iter_mut().zip(d.chunks_exact(2)) {
                    *o = of_byte[usize::from(px[0])];
                }
            }
            (Layout::GreyAlpha, View::Eye) => {
                for (o, px) in out.iter_mut().zip(d.chunks_exact(2)) {
                    *o = of_byte[usize::from(over_white(px[0], px[1]))];
                }
            }
            (Layout::Grey16, view) => {
                for (o, s) in out.iter_mut().zip(d.chunks_exact(2)) {
                    let v = u16::from_ne_bytes([s[0], s[1]]);
                    *o = of_byte[usize::from(if view == View::Eye { v >> 8 } else { v.min(255) })];
                }
            }
            (Layout::AdobeCmyk, View::Eye) => {
                for (o, px) in out.iter_mut().zip(d.chunks_exact(4)) {
                    *o = rgb_luma(ink(px[0], px[3]), ink(px[1], px[3]), ink(px[2], px[3]));
                }
            }
            // Pillow reads Adobe CMYK inverted back to inks, which pytx takes for R, G and B.
            (Layout::AdobeCmyk, View::Pytx) => {
                for (o, px) in out.iter_mut().zip(d.chunks_exact(4)) {
                    *o = rgb_luma(!px[0], !px[1], !px[2]);
                }
            }
            (Layout::AdobeYcck, view) => {
                for (o, px) in out.iter_mut().zip(d.chunks_exact(4)) {
                    // The YCbCr part holds the inks C, M and Y (libjpeg's YCCK to CMYK, then
                    // Pillow's inversion, give them back as they are).
                    let [c, m, y] = ycc_to_rgb(px[0], px[1], px[2]);
                    *o = match view {
                        View::Pytx => rgb_luma(c, m, y),
                        View::Eye => rgb_luma(ink(!c, px[3]), ink(!m, px[3]), ink(!y, px[3])),
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixels(layout: Layout, data: Vec<u8>, width: usize) -> Pixels {
        let height = data.len() / layout.bytes_per_pixel() / width;
        Pixels { width, height, layout, data, format: Format::Png }
    }

    #[test]
    fn each_layout_reads_as_the_eye_sees_it_and_as_pytx_does() {
        let grey = grey_luma();
        let rgb = |r: u8, g: u8, b: u8| luma(&pixels(Layout::Rgb, vec![r, g, b], 1), View::Eye)[0];
        let both = |p: &Pixels| (luma(p, View::Eye), luma(p, View::Pytx));
        // Half-transparent red over white is pink to the eye; pytx ignores the alpha.
        assert_eq!(
            both(&pixels(Layout::Rgba, vec![255, 0, 0, 128], 1)),
            (vec![rgb(255, 127, 127)], vec![rgb(255, 0, 0)])
        );
        assert_eq!(both(&pixels(Layout::GreyAlpha, vec![0, 0], 1)), (vec![grey[255]], vec![grey[0]]));
        assert_eq!(both(&pixels(Layout::Bilevel, vec![1, 0], 2)), (vec![grey[255], grey[0]], vec![grey[1], grey[0]]));
        let grey16: Vec<u8> = [300u16, 65535].iter().flat_map(|v| v.to_ne_bytes()).collect();
        assert_eq!(both(&pixels(Layout::Grey16, grey16, 2)), (vec![grey[1], grey[255]], vec![grey[255], grey[255]]));
        let mut palette = Box::new([[0, 0, 0, 255]; 256]);
        palette[3] = [10, 200, 30, 255];
        palette[4] = [0, 0, 0, 0];
        assert_eq!(
            both(&pixels(Layout::Indexed(palette), vec![3, 4], 2)),
            (vec![rgb(10, 200, 30), grey[255]], vec![grey[3], grey[4]])
        );
        // Adobe CMYK stores inverted inks: 255 - 40 of cyan and no black is (215, 255, 255).
        assert_eq!(
            both(&pixels(Layout::AdobeCmyk, vec![215, 255, 255, 255], 1)),
            (vec![rgb(215, 255, 255)], vec![rgb(40, 0, 0)])
        );
    }

    #[test]
    fn the_views_differ_only_where_the_conventions_do() {
        assert!(!pixels(Layout::Rgb, vec![1, 2, 3], 1).views_differ());
        assert!(!pixels(Layout::Rgba, vec![1, 2, 3, 255], 1).views_differ());
        assert!(pixels(Layout::Rgba, vec![1, 2, 3, 254], 1).views_differ());
        assert!(pixels(Layout::Bilevel, vec![1], 1).views_differ());
    }
}

//! Bytes to pixels, kept as the file holds them ([`Layout`]), so that PDQ can read them two ways
//! ([`View`]): as the eye sees them, and as python-threatexchange's `pdq_from_file` (the HMA
//! path: Pillow's decoding, then pytx's array handling) hands them to Meta's code.
//!
//! | file | Pillow mode | [`View::Eye`] | [`View::Pytx`] |
//! |---|---|---|---|
//! | grey 8-bit; 2/4-bit PNG | `L` | the grey values (2/4-bit scaled to 0..255) | the same |
//! | RGB, 8 or 16-bit | `RGB` | the colours (16-bit: the high byte) | the same |
//! | grey 1-bit PNG, black-and-white BMP | `1` | black and white, 0 and 255 | 0 and 1 |
//! | grey 16-bit PNG or TIFF | `I;16` | the high byte | the value, clipped at 255 |
//! | grey + alpha, RGBA | `LA`, `RGBA` | composited over white | the grey or colour, alpha ignored |
//! | palette PNG, GIF, BMP | `P` | the colours, transparency over white | the palette **indices** |
//! | Adobe CMYK or YCCK JPEG | `CMYK` | converted to RGB | C, M and Y taken as R, G and B |
//!
//! Where the two views agree (grey, RGB, and alpha that is opaque everywhere), one hash serves.
//! JPEG pixels come from zune-jpeg, not libjpeg-turbo (a few levels apart on some pixels).
//! EXIF orientation is not applied, by either view (pytx does not apply it either).
//!
//! Hostile input: the byte length and the pixel count are checked before any pixel buffer is
//! allocated; truncated files (a JPEG without its end-of-image marker, a WebP shorter than its
//! RIFF header says, a PNG cut before `IEND`, any other format cut inside its pixel data) and
//! corrupt ones are errors, never panics.

use std::io::Cursor;

use image::{ImageDecoder, ImageFormat};

/// How much a single image may cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, in bytes.
    pub max_bytes: usize,
    /// Largest accepted width × height.
    pub max_pixels: u64,
}

impl Default for Limits {
    /// 50 MiB and 64 megapixels: a 48-megapixel phone photo (8000×6000) passes; decoding one at
    /// the limit takes about 0.7 GB, which the server's decoding budget must hold.
    fn default() -> Self {
        Self { max_bytes: 50 << 20, max_pixels: 64_000_000 }
    }
}

/// How a decoded image's samples are laid out: what the file holds, before either view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One grey value per pixel.
    Grey,
    /// Grey, then alpha.
    GreyAlpha,
    Rgb,
    Rgba,
    /// One byte per pixel, 0 (black) or 1 (white): a 1-bit image, Pillow's mode `1`.
    Bilevel,
    /// 16-bit grey: two bytes per pixel, in the machine's byte order.
    Grey16,
    /// One palette index per pixel, and the palette: red, green, blue and alpha for each of the
    /// 256 indices (those the file leaves undefined are opaque black).
    Indexed(Box<[[u8; 4]; 256]>),
    /// Adobe CMYK, as a JPEG stores it: four inverted inks per pixel (255 is no ink).
    AdobeCmyk,
    /// Adobe YCCK: the inverted C, M and Y coded as Y, Cb and Cr, then the inverted K.
    AdobeYcck,
}

impl Layout {
    /// Bytes per pixel in [`Pixels::data`].
    pub fn bytes_per_pixel(&self) -> usize {
        match self {
            Layout::Grey | Layout::Bilevel | Layout::Indexed(_) => 1,
            Layout::GreyAlpha | Layout::Grey16 => 2,
            Layout::Rgb => 3,
            Layout::Rgba | Layout::AdobeCmyk | Layout::AdobeYcck => 4,
        }
    }
}

/// Which pixels PDQ hashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum View {
    /// What the eye sees: colours (palette entries looked up, CMYK and YCCK converted to RGB),
    /// 16-bit samples by their high byte, 1-bit images in black and white, and transparent
    /// pixels composited over white.
    Eye,
    /// What python-threatexchange hands to Meta's PDQ: palette indices, 16-bit grey clipped at
    /// 255, 1-bit images as 0 and 1, C, M and Y as if they were R, G and B, alpha ignored.
    Pytx,
}

/// A decoded image (its first frame).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pixels {
    pub width: usize,
    pub height: usize,
    pub layout: Layout,
    /// Row-major, [`Layout::bytes_per_pixel`] bytes per pixel, no padding.
    pub data: Vec<u8>,
    pub format: Format,
}

impl Pixels {
    /// Whether the two [`View`]s can see different pixels in this image. When they cannot, the
    /// eye's hash is also python-threatexchange's.
    pub fn views_differ(&self) -> bool {
        match self.layout {
            Layout::Grey | Layout::Rgb => false,
            Layout::GreyAlpha => self.data.chunks_exact(2).any(|p| p[1] != 255),
            Layout::Rgba => self.data.chunks_exact(4).any(|p| p[3] != 255),
            Layout::Bilevel | Layout::Grey16 | Layout::Indexed(_) | Layout::AdobeCmyk | Layout::AdobeYcck => true,
        }
    }
}

/// The file formats Vigie decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Gif,
    Webp,
    Bmp,
    Tiff,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpeg",
            Format::Gif => "gif",
            Format::Webp => "webp",
            Format::Bmp => "bmp",
            Format::Tiff => "tiff",
        }
    }
}

/// Why an image could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the file is {bytes} bytes, more than the limit of {max}")]
    TooManyBytes { bytes: usize, max: usize },
    #[error("the image is {width}×{height} pixels, more than the limit of {max}")]
    TooManyPixels { width: u64, height: u64, max: u64 },
    #[error("not an image in a supported format (PNG, JPEG, GIF, WebP, BMP, TIFF)")]
    UnknownFormat,
    #[error("the {format} file is truncated or corrupt: {detail}")]
    Corrupt { format: &'static str, detail: String },
    #[error("the {format} file uses an unsupported pixel layout: {detail}")]
    Unsupported { format: &'static str, detail: String },
}

/// The detail of a [`DecodeError::Corrupt`] for a file cut short.
pub const TRUNCATED: &str = "the file ends before its image data does (it was cut short)";

fn corrupt(format: Format, e: impl std::fmt::Display) -> DecodeError {
    DecodeError::Corrupt { format: format.as_str(), detail: e.to_string() }
}

fn unsupported(format: Format, e: impl std::fmt::Display) -> DecodeError {
    DecodeError::Unsupported { format: format.as_str(), detail: e.to_string() }
}

fn check_pixels(width: u64, height: u64, limits: &Limits) -> Result<(), DecodeError> {
    if width.saturating_mul(height) > limits.max_pixels {
        return Err(DecodeError::TooManyPixels { width, height, max: limits.max_pixels });
    }
    Ok(())
}

/// The format of a file, from its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    match image::guess_format(bytes) {
        Ok(ImageFormat::Png) => Some(Format::Png),
        Ok(ImageFormat::Jpeg) => Some(Format::Jpeg),
        Ok(ImageFormat::Gif) => Some(Format::Gif),
        Ok(ImageFormat::WebP) => Some(Format::Webp),
        Ok(ImageFormat::Bmp) => Some(Format::Bmp),
        Ok(ImageFormat::Tiff) => Some(Format::Tiff),
        _ => None,
    }
}

/// Decodes the first frame of an image.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Pixels, DecodeError> {
    decode_into(bytes, limits, Vec::new())
}

/// [`decode`], keeping the samples in `buf`'s allocation when it is large enough (its contents
/// are ignored): a caller that decodes many images hands back the last one's `data`.
pub fn decode_into(bytes: &[u8], limits: &Limits, mut buf: Vec<u8>) -> Result<Pixels, DecodeError> {
    if bytes.len() > limits.max_bytes {
        return Err(DecodeError::TooManyBytes { bytes: bytes.len(), max: limits.max_bytes });
    }
    let format = sniff(bytes).ok_or(DecodeError::UnknownFormat)?;
    let (width, height, layout) = match format {
        Format::Jpeg => decode_jpeg(bytes, limits, &mut buf)?,
        Format::Png => decode_png(bytes, limits, &mut buf)?,
        Format::Gif => decode_gif(bytes, limits, &mut buf)?,
        Format::Bmp => match bmp_palette(bytes, limits, &mut buf)? {
            Some(found) => found,
            None => decode_generic(bytes, format, limits, &mut buf)?,
        },
        Format::Webp => {
            if !webp_is_complete(bytes) {
                return Err(corrupt(format, TRUNCATED));
            }
            decode_generic(bytes, format, limits, &mut buf)?
        }
        Format::Tiff => decode_generic(bytes, format, limits, &mut buf)?,
    };
    debug_assert_eq!(buf.len(), width * height * layout.bytes_per_pixel());
    Ok(Pixels { width, height, layout, data: buf, format })
}

type Decoded = (usize, usize, Layout);

/// Whether a JPEG runs to its end-of-image marker. Pillow refuses a file cut anywhere before it
/// (even one cut just before it), while zune-jpeg pads the missing data with grey.
fn jpeg_is_complete(b: &[u8]) -> bool {
    let mut i = 2; // after SOI
    loop {
        // Skip to a marker (libjpeg skips stray bytes between segments too), then its fill bytes.
        match memchr::memchr(0xFF, b.get(i..).unwrap_or_default()) {
            Some(k) => i += k,
            None => return false,
        }
        while b.get(i) == Some(&0xFF) {
            i += 1;
        }
        let Some(&marker) = b.get(i) else { return false };
        i += 1;
        match marker {
            0xD9 => return true,
            // Markers without a length.
            0x00 | 0x01 | 0xD0..=0xD8 => continue,
            _ => {}
        }
        let Some(len) = b.get(i..i + 2).map(|l| usize::from(u16::from_be_bytes([l[0], l[1]]))) else {
            return false;
        };
        i += len;
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker: 0xFF followed by anything but a
            // stuffed zero or a restart marker.
            loop {
                match memchr::memchr(0xFF, b.get(i..).unwrap_or_default()) {
                    Some(k) => i += k,
                    None => return false,
                }
                match b.get(i + 1) {
                    None => return false,
                    Some(0x00 | 0xD0..=0xD7) => i += 2,
                    Some(_) => break,
                }
            }
        }
    }
}

fn decode_jpeg(bytes: &[u8], limits: &Limits, buf: &mut Vec<u8>) -> Result<Decoded, DecodeError> {
    use zune_core::bytestream::ZCursor;
    use zune_core::colorspace::ColorSpace as C;
    use zune_core::options::DecoderOptions;
    let f = Format::Jpeg;
    let options = DecoderOptions::default().set_strict_mode(false).set_max_width(usize::MAX).set_max_height(usize::MAX);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(|e| corrupt(f, e))?;
    let (width, height) = decoder.dimensions().ok_or_else(|| corrupt(f, "no frame header"))?;
    check_pixels(width as u64, height as u64, limits)?;
    if !jpeg_is_complete(bytes) {
        return Err(corrupt(f, TRUNCATED));
    }
    let (out, layout) = match decoder.input_colorspace().ok_or_else(|| corrupt(f, "no frame header"))? {
        C::Luma => (C::Luma, Layout::Grey),
        C::YCbCr | C::RGB => (C::RGB, Layout::Rgb),
        // Kept as stored; the views convert them.
        C::CMYK => (C::CMYK, Layout::AdobeCmyk),
        C::YCCK => (C::YCCK, Layout::AdobeYcck),
        other => return Err(unsupported(f, format!("{other:?}"))),
    };
    decoder.set_options(decoder.options().jpeg_set_out_colorspace(out));
    let size = decoder.output_buffer_size().ok_or_else(|| corrupt(f, "the image is too large"))?;
    buf.resize(size, 0);
    decoder.decode_into(buf).map_err(|e| corrupt(f, e))?;
    Ok((width, height, layout))
}

/// Whether a WebP file is as long as its RIFF header says (libwebp, so Pillow, refuses shorter).
fn webp_is_complete(b: &[u8]) -> bool {
    let Some(size) = b.get(4..8).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]])) else { return false };
    b.len() as u64 >= u64::from(size) + 8
}

/// Unpacks rows of `bits`-bit samples (1, 2 or 4) into one byte each, times `scale`.
fn unpack_bits(raw: &[u8], width: usize, height: usize, line: usize, bits: usize, scale: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(width * height);
    let per_byte = 8 / bits;
    let mask = (1u16 << bits) as u8 - 1;
    for row in raw.chunks(line).take(height) {
        for x in 0..width {
            let byte = row[x / per_byte];
            let shift = 8 - bits * (x % per_byte + 1);
            out.push(((byte >> shift) & mask) * scale);
        }
    }
    out
}

fn decode_png(bytes: &[u8], limits: &Limits, buf: &mut Vec<u8>) -> Result<Decoded, DecodeError> {
    let f = Format::Png;
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::IDENTITY);
    let max_alloc = usize::try_from(limits.max_pixels.saturating_mul(8)).unwrap_or(usize::MAX);
    decoder.set_limits(png::Limits { bytes: max_alloc });
    let header = decoder.read_header_info().map_err(|e| corrupt(f, e))?;
    check_pixels(u64::from(header.width), u64::from(header.height), limits)?;
    let mut reader = decoder.read_info().map_err(|e| corrupt(f, e))?;
    let size = reader.output_buffer_size().ok_or_else(|| corrupt(f, "the image is too large to decode"))?;
    buf.resize(size, 0);
    let frame = reader.next_frame(buf).map_err(|e| corrupt(f, e))?;
    let (width, height, line) = (frame.width as usize, frame.height as usize, frame.line_size);
    let info = reader.info();
    use png::{BitDepth as D, ColorType as C};
    // 8-bit samples are already in place; the rest is rewritten.
    let (layout, bytes_per_pixel, rewritten) = match (frame.color_type, frame.bit_depth) {
        (C::Grayscale, D::One) => (Layout::Bilevel, 1, Some(unpack_bits(buf, width, height, line, 1, 1))),
        (C::Grayscale, D::Two) => (Layout::Grey, 1, Some(unpack_bits(buf, width, height, line, 2, 0x55))),
        (C::Grayscale, D::Four) => (Layout::Grey, 1, Some(unpack_bits(buf, width, height, line, 4, 0x11))),
        (C::Grayscale, D::Eight) => (Layout::Grey, 1, None),
        (C::Grayscale, D::Sixteen) => (Layout::Grey16, 2, Some(be16_to_native(buf, line, width, height))),
        (C::GrayscaleAlpha, D::Eight) => (Layout::GreyAlpha, 2, None),
        (C::GrayscaleAlpha, D::Sixteen) => (Layout::GreyAlpha, 2, Some(high_bytes(buf, line, width * 2, height))),
        (C::Rgb, D::Eight) => (Layout::Rgb, 3, None),
        (C::Rgb, D::Sixteen) => (Layout::Rgb, 3, Some(high_bytes(buf, line, width * 3, height))),
        (C::Rgba, D::Eight) => (Layout::Rgba, 4, None),
        (C::Rgba, D::Sixteen) => (Layout::Rgba, 4, Some(high_bytes(buf, line, width * 4, height))),
        (C::Indexed, depth) => {
            let colours = info.palette.as_deref().ok_or_else(|| corrupt(f, "an indexed image without a palette"))?;
            let mut palette = Box::new([[0, 0, 0, 255]; 256]);
            for (entry, rgb) in palette.iter_mut().zip(colours.chunks_exact(3)) {
                entry[..3].copy_from_slice(rgb);
            }
            for (entry, &alpha) in palette.iter_mut().zip(info.trns.as_deref().unwrap_or_default()) {
                entry[3] = alpha;
            }
            let bits = depth as usize;
            let indices = (bits != 8).then(|| unpack_bits(buf, width, height, line, bits, 1));
            (Layout::Indexed(palette), 1, indices)
        }
        (c, d) => return Err(unsupported(f, format!("{c:?} at {d:?}"))),
    };
    match rewritten {
        Some(data) => *buf = data,
        None => {
            if line != width * bytes_per_pixel {
                let packed: Vec<u8> =
                    buf.chunks(line).take(height).flat_map(|r| &r[..width * bytes_per_pixel]).copied().collect();
                *buf = packed;
            }
            buf.truncate(width * height * bytes_per_pixel);
        }
    }
    Ok((width, height, layout))
}

/// Big-endian 16-bit samples in the machine's byte order.
fn be16_to_native(raw: &[u8], line: usize, width: usize, height: usize) -> Vec<u8> {
    raw.chunks(line)
        .take(height)
        .flat_map(|r| r[..width * 2].chunks_exact(2).flat_map(|b| u16::from_be_bytes([b[0], b[1]]).to_ne_bytes()))
        .collect()
}

/// The high byte of each big-endian 16-bit sample, as Pillow reads 16-bit colour PNGs.
fn high_bytes(raw: &[u8], line: usize, samples_per_row: usize, height: usize) -> Vec<u8> {
    raw.chunks(line).take(height).flat_map(|r| r[..samples_per_row * 2].iter().step_by(2)).copied().collect()
}

fn decode_gif(bytes: &[u8], limits: &Limits, buf: &mut Vec<u8>) -> Result<Decoded, DecodeError> {
    let f = Format::Gif;
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    let max_alloc = limits.max_pixels.max(1);
    options.set_memory_limit(gif::MemoryLimit::Bytes(std::num::NonZeroU64::new(max_alloc).expect("at least 1")));
    let mut decoder = options.read_info(Cursor::new(bytes)).map_err(|e| corrupt(f, e))?;
    let (width, height) = (usize::from(decoder.width()), usize::from(decoder.height()));
    check_pixels(width as u64, height as u64, limits)?;
    let global = decoder.global_palette().map(<[u8]>::to_vec);
    let background = decoder.bg_color().unwrap_or(0) as u8;
    let frame = decoder.read_next_frame().map_err(|e| corrupt(f, e))?.ok_or_else(|| corrupt(f, "no frame"))?;
    // The first frame is drawn on a canvas the size of the logical screen.
    buf.clear();
    buf.resize(width * height, background);
    let (fw, fh) = (usize::from(frame.width), usize::from(frame.height));
    let (left, top) = (usize::from(frame.left), usize::from(frame.top));
    // A frame may lie partly or wholly off the screen (its offsets are any 16-bit values): only
    // the part on the screen is drawn, and a frame wholly off it leaves the background.
    let w = fw.min(width.saturating_sub(left));
    let rows = if w == 0 { 0 } else { fh.min(height.saturating_sub(top)) };
    for y in 0..rows {
        let row = frame.buffer.get(y * fw..y * fw + w).ok_or_else(|| corrupt(f, "a frame shorter than its size"))?;
        buf[(top + y) * width + left..][..w].copy_from_slice(row);
    }
    let colours = frame.palette.as_deref().or(global.as_deref()).unwrap_or_default();
    let mut palette = Box::new([[0, 0, 0, 255]; 256]);
    for (entry, rgb) in palette.iter_mut().zip(colours.chunks_exact(3)) {
        entry[..3].copy_from_slice(rgb);
    }
    if let Some(t) = frame.transparent {
        palette[usize::from(t)][3] = 0;
    }
    Ok((width, height, Layout::Indexed(palette)))
}

/// A BMP of 1, 4 or 8 bits per pixel, uncompressed or run-length encoded, read as its palette
/// indices (which Pillow keeps, while the `image` crate expands them); `None` for every other BMP.
fn bmp_palette(b: &[u8], limits: &Limits, buf: &mut Vec<u8>) -> Result<Option<Decoded>, DecodeError> {
    const RGB: u32 = 0;
    const RLE8: u32 = 1;
    const RLE4: u32 = 2;
    let f = Format::Bmp;
    let u16_at = |i: usize| b.get(i..i + 2).map(|s| u16::from_le_bytes([s[0], s[1]]));
    let u32_at = |i: usize| b.get(i..i + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
    let (Some(offset), Some(header)) = (u32_at(10), u32_at(14)) else { return Ok(None) };
    // BITMAPINFOHEADER and its successors only; the old core header goes to the image crate.
    if header < 40 {
        return Ok(None);
    }
    let (Some(w), Some(h), Some(bits), Some(compression), Some(used)) =
        (u32_at(18), u32_at(22), u16_at(28), u32_at(30), u32_at(46))
    else {
        return Ok(None);
    };
    let (w, h) = (w as i32, h as i32);
    let supported = match compression {
        RGB => matches!(bits, 1 | 4 | 8),
        RLE8 => bits == 8 && h > 0,
        RLE4 => bits == 4 && h > 0,
        _ => false,
    };
    if !supported || w <= 0 || h == 0 || h == i32::MIN {
        return Ok(None);
    }
    let (width, height, bottom_up) = (w as usize, h.unsigned_abs() as usize, h > 0);
    check_pixels(width as u64, height as u64, limits)?;
    let colours = if used == 0 || used > 1 << bits { 1usize << bits } else { used as usize };
    let table = 14 + header as usize;
    let entries = b.get(table..table + colours * 4).ok_or_else(|| corrupt(f, TRUNCATED))?;
    let mut palette = Box::new([[0, 0, 0, 255]; 256]);
    for (entry, bgrx) in palette.iter_mut().zip(entries.chunks_exact(4)) {
        *entry = [bgrx[2], bgrx[1], bgrx[0], 255];
    }
    let start = offset as usize;
    let mut indices = if compression == RGB {
        let line = (width * usize::from(bits)).div_ceil(32) * 4;
        let rows =
            b.get(start..).and_then(|r| r.get(..line.checked_mul(height)?)).ok_or_else(|| corrupt(f, TRUNCATED))?;
        unpack_bits_any(rows, width, height, line, usize::from(bits))
    } else {
        let data = b.get(start..).ok_or_else(|| corrupt(f, TRUNCATED))?;
        bmp_rle(data, start, width, height, compression == RLE4).ok_or_else(|| corrupt(f, TRUNCATED))?
    };
    if bottom_up {
        let mut flipped = Vec::with_capacity(indices.len());
        for row in indices.chunks_exact(width).rev() {
            flipped.extend_from_slice(row);
        }
        indices = flipped;
    }
    *buf = indices;
    // Pillow opens a two-colour BMP of black then white as mode `1`, and a palette whose every
    // entry is the grey of its index as mode `L`: both read the same as indices.
    let black_white = colours == 2 && palette[0][..3] == [0, 0, 0] && palette[1][..3] == [255, 255, 255];
    Ok(Some((width, height, if black_white { Layout::Bilevel } else { Layout::Indexed(palette) })))
}

/// Run-length encoded BMP indices, bottom row first, read as Pillow reads them: runs clipped at
/// the row's end, skipped pixels (end of line, delta) as index 0, absolute runs aligned to even
/// file offsets (`start` is the data's offset in the file). `None` when the data ends before
/// the image is filled.
fn bmp_rle(data: &[u8], start: usize, width: usize, height: usize, four: bool) -> Option<Vec<u8>> {
    let total = width * height;
    let mut out: Vec<u8> = Vec::with_capacity(total);
    let (mut i, mut x) = (0usize, 0usize);
    let nibble =
        |byte: u8, k: usize| if four { if k.is_multiple_of(2) { byte >> 4 } else { byte & 0x0F } } else { byte };
    while out.len() < total {
        let (Some(&count), Some(&value)) = (data.get(i), data.get(i + 1)) else { break };
        i += 2;
        if count > 0 {
            let n = usize::from(count).min(width.saturating_sub(x));
            out.extend((0..n).map(|k| nibble(value, k)));
            x += n;
            continue;
        }
        match value {
            0 => {
                let pad = (width - out.len() % width) % width;
                out.resize(out.len() + pad, 0);
                x = 0;
            }
            1 => break,
            2 => {
                let (Some(&right), Some(&up)) = (data.get(i), data.get(i + 1)) else { break };
                i += 2;
                let skip = (usize::from(right) + usize::from(up) * width).min(total - out.len());
                out.resize(out.len() + skip, 0);
                x = out.len() % width;
            }
            n => {
                let n = usize::from(n);
                let wanted = n.min(total - out.len());
                let bytes = if four { wanted.div_ceil(2) } else { wanted };
                let run = data.get(i..(i + bytes).min(data.len())).unwrap_or_default();
                i += run.len();
                if four {
                    out.extend((0..wanted.min(run.len() * 2)).map(|k| nibble(run[k / 2], k)));
                } else {
                    out.extend_from_slice(run);
                }
                if run.len() < bytes || out.len() == total {
                    break;
                }
                x += n;
                if !(start + i).is_multiple_of(2) {
                    i += 1;
                }
            }
        }
    }
    (out.len() >= total).then(|| {
        out.truncate(total);
        out
    })
}

/// [`unpack_bits`] for 1, 4 or 8 bits, unscaled.
fn unpack_bits_any(raw: &[u8], width: usize, height: usize, line: usize, bits: usize) -> Vec<u8> {
    if bits == 8 {
        return raw.chunks(line).take(height).flat_map(|r| &r[..width]).copied().collect();
    }
    unpack_bits(raw, width, height, line, bits, 1)
}

fn decode_generic(bytes: &[u8], f: Format, limits: &Limits, buf: &mut Vec<u8>) -> Result<Decoded, DecodeError> {
    use image::ColorType as C;
    let mut reader = image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| corrupt(f, e))?;
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8));
    reader.limits(image_limits);
    let decoder = reader.into_decoder().map_err(|e| corrupt(f, e))?;
    let (w, h) = decoder.dimensions();
    check_pixels(u64::from(w), u64::from(h), limits)?;
    let (width, height) = (w as usize, h as usize);
    let color = decoder.color_type();
    let size = usize::try_from(decoder.total_bytes()).map_err(|_| corrupt(f, "the image is too large"))?;
    buf.resize(size, 0);
    decoder.read_image(buf).map_err(|e| corrupt(f, e))?;
    // 16-bit samples, in the machine's byte order: keep their high byte (grey keeps all 16).
    let high = |buf: &[u8]| -> Vec<u8> {
        buf.chunks_exact(2).map(|s| (u16::from_ne_bytes([s[0], s[1]]) >> 8) as u8).collect()
    };
    let layout = match color {
        C::L8 => Layout::Grey,
        C::La8 => Layout::GreyAlpha,
        C::Rgb8 => Layout::Rgb,
        C::Rgba8 => Layout::Rgba,
        C::L16 => Layout::Grey16,
        C::La16 => {
            *buf = high(buf);
            Layout::GreyAlpha
        }
        C::Rgb16 => {
            *buf = high(buf);
            Layout::Rgb
        }
        C::Rgba16 => {
            *buf = high(buf);
            Layout::Rgba
        }
        other => return Err(unsupported(f, format!("{other:?}"))),
    };
    Ok((width, height, layout))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, ((x ^ y) * 3) as u8]));
        let mut out = Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
        out.into_inner()
    }

    /// A GIF whose screen is `screen` and whose one frame, `frame` pixels of palette index 1,
    /// sits at `at`.
    fn gif_with_frame(screen: (u16, u16), frame: (u16, u16), at: (u16, u16)) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let palette = [0, 0, 0, 255, 255, 255];
            let mut enc = gif::Encoder::new(&mut out, screen.0, screen.1, &palette).unwrap();
            let mut f = gif::Frame { width: frame.0, height: frame.1, left: at.0, top: at.1, ..gif::Frame::default() };
            let pixels = vec![1u8; usize::from(frame.0) * usize::from(frame.1)];
            f.buffer = std::borrow::Cow::Owned(pixels);
            enc.write_frame(&f).unwrap();
        }
        out
    }

    #[test]
    fn a_gif_frame_off_the_screen_leaves_the_background_and_a_frame_across_its_edge_is_cut() {
        let limits = Limits::default();
        // The fuzzer's case: a frame whose left offset (4096) lies far past a 12 x 9 screen.
        for at in [(4096, 0), (0, 4096), (12, 0), (0, 9), (u16::MAX, u16::MAX)] {
            let bytes = gif_with_frame((12, 9), (12, 5), at);
            let mut buf = Vec::new();
            let (w, h, layout) = decode_gif(&bytes, &limits, &mut buf).unwrap();
            assert_eq!((w, h), (12, 9), "{at:?}");
            assert!(matches!(layout, Layout::Indexed(_)));
            assert!(buf.iter().all(|&p| p == 0), "{at:?}: nothing of the frame is drawn");
        }
        // Across the right and bottom edges: the part on the screen is drawn.
        let bytes = gif_with_frame((12, 9), (8, 8), (8, 6));
        let mut buf = Vec::new();
        decode_gif(&bytes, &limits, &mut buf).unwrap();
        let drawn: Vec<(usize, usize)> =
            (0..9).flat_map(|y| (0..12).map(move |x| (x, y))).filter(|&(x, y)| buf[y * 12 + x] == 1).collect();
        let expected: Vec<(usize, usize)> = (6..9).flat_map(|y| (8..12).map(move |x| (x, y))).collect();
        assert_eq!(drawn, expected);
    }

    #[test]
    fn a_jpeg_cut_anywhere_before_its_end_marker_is_truncated() {
        let full = jpeg(97, 61);
        assert!(jpeg_is_complete(&full));
        assert!(decode(&full, &Limits::default()).is_ok());
        for keep in [full.len() - 1, full.len() - 2, full.len() - 3, full.len() / 2, 700] {
            let err = decode(&full[..keep], &Limits::default()).unwrap_err();
            assert_eq!(err, corrupt(Format::Jpeg, TRUNCATED), "cut to {keep} of {} bytes", full.len());
        }
    }

    #[test]
    fn bytes_after_the_end_marker_and_stray_bytes_between_segments_are_not_truncation() {
        let mut trailing = jpeg(33, 20);
        trailing.extend_from_slice(b"\x00\x01appended data \xff\xd8");
        assert!(decode(&trailing, &Limits::default()).is_ok());
        // Two stray bytes before the first segment after SOI, as libjpeg tolerates.
        let full = jpeg(33, 20);
        let mut stray = full[..2].to_vec();
        stray.extend_from_slice(b"\x12\x34");
        stray.extend_from_slice(&full[2..]);
        assert!(jpeg_is_complete(&stray));
    }

    #[test]
    fn a_webp_shorter_than_its_riff_header_says_is_truncated() {
        let img = image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 6, y as u8 * 8, 90]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::WebP).unwrap();
        let full = out.into_inner();
        assert!(decode(&full, &Limits::default()).is_ok());
        let err = decode(&full[..full.len() - 1], &Limits::default()).unwrap_err();
        assert_eq!(err, corrupt(Format::Webp, TRUNCATED));
    }
}

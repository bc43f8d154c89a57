//! What a file's header declares, read without decoding: enough to know what decoding it would
//! cost before deciding to.

use std::io::Cursor;

/// The width and height an image file declares in its header, when it is in a format Vigie
/// decodes and the header can be read; `None` otherwise. Reads only the header: no pixel buffer
/// is allocated, whatever the file claims.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let reader = image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().ok()?;
    reader.format()?;
    reader.into_dimensions().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_declare_their_size_and_other_bytes_declare_nothing() {
        let mut png = Vec::new();
        let img = image::RgbImage::new(7, 5);
        img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        assert_eq!(dimensions(&png), Some((7, 5)));
        // A lossless WebP header alone declares 16,383 × 6,000 pixels: read, not believed.
        let bits: u32 = 16_382 | (5_999 << 14);
        let mut webp = b"RIFF\x4c\0\0\0WEBPVP8L\x40\0\0\0\x2f".to_vec();
        webp.extend_from_slice(&bits.to_le_bytes());
        webp.resize(84, 0);
        assert_eq!(dimensions(&webp), Some((16_383, 6_000)));
        assert_eq!(dimensions(b"not an image at all"), None);
        assert_eq!(dimensions(&[]), None);
    }
}

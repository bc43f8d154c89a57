//! What container a file is, from its first bytes: never from its name or a declared type.

/// The containers Vigie decodes, each with the one FFmpeg demuxer allowed to read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Container {
    /// ISO base media: MP4, MOV, 3GP (`ftyp`, or an old QuickTime's first atom).
    Mp4,
    /// Matroska and WebM (EBML).
    Matroska,
    Avi,
    Flv,
    /// MPEG transport stream (a sync byte every 188 bytes).
    MpegTs,
    /// MPEG program stream (a pack header).
    MpegPs,
    Ogg,
}

impl Container {
    /// The FFmpeg demuxer forced with `-f`, and the only one whitelisted.
    pub fn demuxer(self) -> &'static str {
        match self {
            Container::Mp4 => "mov",
            Container::Matroska => "matroska",
            Container::Avi => "avi",
            Container::Flv => "flv",
            Container::MpegTs => "mpegts",
            Container::MpegPs => "mpeg",
            Container::Ogg => "ogg",
        }
    }

    /// A word for the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Matroska => "matroska",
            Container::Avi => "avi",
            Container::Flv => "flv",
            Container::MpegTs => "mpegts",
            Container::MpegPs => "mpegps",
            Container::Ogg => "ogg",
        }
    }
}

/// The container `head` (the file's first bytes; 400 are enough) starts, if Vigie decodes it.
pub fn container(head: &[u8]) -> Option<Container> {
    let at = |i: usize, magic: &[u8]| head.get(i..i + magic.len()) == Some(magic);
    if at(4, b"ftyp") || [b"moov", b"mdat", b"wide", b"free", b"skip"].iter().any(|atom| at(4, *atom)) {
        return Some(Container::Mp4);
    }
    if at(0, &[0x1a, 0x45, 0xdf, 0xa3]) {
        return Some(Container::Matroska);
    }
    if at(0, b"RIFF") && at(8, b"AVI ") {
        return Some(Container::Avi);
    }
    if at(0, b"FLV\x01") {
        return Some(Container::Flv);
    }
    if at(0, b"OggS") {
        return Some(Container::Ogg);
    }
    if at(0, &[0x00, 0x00, 0x01, 0xba]) {
        return Some(Container::MpegPs);
    }
    if head.len() >= 3 * 188 && [0, 188, 376].iter().all(|i| head[*i] == 0x47) {
        return Some(Container::MpegTs);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_are_known_by_their_bytes_alone() {
        let mut mp4 = vec![0, 0, 0, 0x20];
        mp4.extend_from_slice(b"ftypisom");
        assert_eq!(container(&mp4), Some(Container::Mp4));
        assert_eq!(container(&[0x1a, 0x45, 0xdf, 0xa3, 1]), Some(Container::Matroska));
        assert_eq!(container(b"RIFF\0\0\0\0AVI LIST"), Some(Container::Avi));
        assert_eq!(container(b"RIFF\0\0\0\0WEBPVP8 "), None, "a WebP is RIFF too, and an image");
        assert_eq!(container(b"FLV\x01\x05"), Some(Container::Flv));
        assert_eq!(container(b"OggS\0\x02"), Some(Container::Ogg));
        let mut ts = vec![0u8; 600];
        for i in [0, 188, 376] {
            ts[i] = 0x47;
        }
        assert_eq!(container(&ts), Some(Container::MpegTs));
        ts[188] = 0;
        assert_eq!(container(&ts), None);
        assert_eq!(container(b"#EXTM3U\n#EXT-X-VERSION:3\n"), None, "a playlist is not a video");
        assert_eq!(container(b"ffconcat version 1.0\nfile '/etc/passwd'\n"), None);
        assert_eq!(container(&[]), None);
    }
}

//! Saving and loading a [`Mih`] index, so a restart with millions of codes is ready in seconds.
//!
//! Format (version 2, little-endian): the magic `VIGIEMIH`, a `u32` version, `u32` m, `u64` n,
//! m × (`u32` start, `u32` length), n codes (4 × `u64`), n enabled flags (one byte each). The
//! tables are not stored: loading lays them out again from the codes (one counting sort per
//! table, about a second for 10 M codes), so they are consistent by construction. Version 1
//! files, which also held the tables' chains, are read the same way, their chains skipped.
//! Everything is checked on load: a truncated or inconsistent file is an error, never a panic or
//! a huge allocation.

use std::io::{self, Read, Write};

use crate::mih::Mih;
use crate::{Code, Flat, Index};

const MAGIC: &[u8; 8] = b"VIGIEMIH";
const VERSION: u32 = 2;

/// Why a snapshot could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not a Vigie index snapshot")]
    NotASnapshot,
    #[error("snapshot version {0} is not supported (this build reads versions 1 and 2)")]
    Version(u32),
    #[error("the snapshot is inconsistent: {0}")]
    Inconsistent(&'static str),
    #[error("could not read or write the snapshot: {0}")]
    Io(#[from] io::Error),
}

fn read_u32(r: &mut impl Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_u64(r: &mut impl Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// Reads and drops `n` bytes.
fn skip(r: &mut impl Read, n: u64) -> io::Result<()> {
    let skipped = io::copy(&mut r.take(n), &mut io::sink())?;
    if skipped != n {
        return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
    }
    Ok(())
}

impl Mih {
    /// Writes the whole index.
    pub fn write_snapshot(&self, w: &mut impl Write) -> io::Result<()> {
        let n = self.len();
        w.write_all(MAGIC)?;
        w.write_all(&VERSION.to_le_bytes())?;
        w.write_all(&(self.substrings.len() as u32).to_le_bytes())?;
        w.write_all(&(n as u64).to_le_bytes())?;
        for &(start, len) in &self.substrings {
            w.write_all(&start.to_le_bytes())?;
            w.write_all(&len.to_le_bytes())?;
        }
        for from in (0..n as u32).step_by(1 << 12) {
            let bytes: Vec<u8> = (from..(from + (1 << 12)).min(n as u32))
                .flat_map(|e| self.codes.code(e).expect("entry exists"))
                .flat_map(u64::to_le_bytes)
                .collect();
            w.write_all(&bytes)?;
        }
        let flags: Vec<u8> = (0..n as u32).map(|e| u8::from(self.codes.is_enabled(e))).collect();
        w.write_all(&flags)?;
        w.flush()
    }

    /// Reads an index written by [`Mih::write_snapshot`].
    pub fn read_snapshot(r: &mut impl Read) -> Result<Mih, SnapshotError> {
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic).map_err(|_| SnapshotError::NotASnapshot)?;
        if &magic != MAGIC {
            return Err(SnapshotError::NotASnapshot);
        }
        let version = read_u32(r)?;
        if version != 1 && version != VERSION {
            return Err(SnapshotError::Version(version));
        }
        let m = read_u32(r)?;
        let n = usize::try_from(read_u64(r)?).map_err(|_| SnapshotError::Inconsistent("entry count"))?;
        let ms = if version == 1 { 11..=64 } else { 8..=64 };
        if !ms.contains(&m) || n >= u32::MAX as usize {
            return Err(SnapshotError::Inconsistent("table or entry count out of range"));
        }
        let mut substrings = Vec::with_capacity(m as usize);
        let mut expected_start = 0;
        for _ in 0..m {
            let (start, len) = (read_u32(r)?, read_u32(r)?);
            if start != expected_start || !(1..=32).contains(&len) {
                return Err(SnapshotError::Inconsistent("substrings do not tile 256 bits"));
            }
            substrings.push((start, len));
            expected_start += len;
        }
        if expected_start != 256 {
            return Err(SnapshotError::Inconsistent("substrings do not tile 256 bits"));
        }
        let mut codes = Flat::with_capacity(n.min(1 << 20));
        let mut word = [0u8; 32];
        for _ in 0..n {
            r.read_exact(&mut word)?;
            let c: Code = std::array::from_fn(|k| u64::from_le_bytes(word[k * 8..k * 8 + 8].try_into().expect("8")));
            codes.add(c);
        }
        let mut flags = vec![0u8; n.min(1 << 16)];
        let mut e = 0u32;
        while (e as usize) < n {
            let k = (n - e as usize).min(flags.len());
            r.read_exact(&mut flags[..k])?;
            for f in &flags[..k] {
                match f {
                    1 => {}
                    0 => codes.set_enabled(e, false),
                    _ => return Err(SnapshotError::Inconsistent("enabled flag")),
                }
                e += 1;
            }
        }
        if version == 1 {
            for &(_, len) in &substrings {
                skip(r, 4 * ((1u64 << len) + n as u64))?;
            }
        }
        Ok(Mih::from_parts(substrings, codes))
    }
}

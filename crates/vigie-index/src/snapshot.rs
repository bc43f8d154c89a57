//! Saving and loading a [`Mih`] index, so a restart with millions of codes is ready in seconds
//! instead of rebuilding the tables.
//!
//! Format (version 1, little-endian): the magic `VIGIEMIH`, a `u32` version, `u32` m, `u64` n,
//! m × (`u32` start, `u32` length), n codes (4 × `u64`), n enabled flags (one byte each), then per
//! table its `2^length` heads and n nexts (`u32` each). Everything is checked on load: a
//! truncated or inconsistent file is an error, never a panic or a huge allocation.

use std::io::{self, Read, Write};

use crate::mih::{Mih, Table};
use crate::{Code, Flat, Index};

const MAGIC: &[u8; 8] = b"VIGIEMIH";
const VERSION: u32 = 1;

/// Why a snapshot could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not a Vigie index snapshot")]
    NotASnapshot,
    #[error("snapshot version {0} is not supported (this build reads version 1)")]
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

/// Reads `n` little-endian `u32`s in bounded chunks, so a lying header cannot make it allocate
/// more than the data that is really there.
fn read_u32s(r: &mut impl Read, n: usize) -> io::Result<Vec<u32>> {
    let mut out = Vec::with_capacity(n.min(1 << 20));
    let mut buf = vec![0u8; 4 * (1 << 16)];
    let mut left = n;
    while left > 0 {
        let k = left.min(1 << 16);
        r.read_exact(&mut buf[..4 * k])?;
        out.extend(buf[..4 * k].chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])));
        left -= k;
    }
    Ok(out)
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
        for e in 0..n as u32 {
            let c = self.codes.code(e).expect("entry exists");
            for word in c {
                w.write_all(&word.to_le_bytes())?;
            }
        }
        let flags: Vec<u8> = (0..n as u32).map(|e| u8::from(self.codes.is_enabled(e))).collect();
        w.write_all(&flags)?;
        for t in &self.tables {
            let bytes: Vec<u8> = t.head.iter().chain(&t.next).flat_map(|v| v.to_le_bytes()).collect();
            w.write_all(&bytes)?;
        }
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
        if version != VERSION {
            return Err(SnapshotError::Version(version));
        }
        let m = read_u32(r)?;
        let n = usize::try_from(read_u64(r)?).map_err(|_| SnapshotError::Inconsistent("entry count"))?;
        if !(11..=64).contains(&m) || n >= u32::MAX as usize {
            return Err(SnapshotError::Inconsistent("table or entry count out of range"));
        }
        let mut substrings = Vec::with_capacity(m as usize);
        let mut expected_start = 0;
        for _ in 0..m {
            let (start, len) = (read_u32(r)?, read_u32(r)?);
            if start != expected_start || !(1..=24).contains(&len) {
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
        let mut flags = vec![0u8; n];
        r.read_exact(&mut flags)?;
        for (e, f) in flags.iter().enumerate() {
            match f {
                1 => {}
                0 => codes.set_enabled(e as u32, false),
                _ => return Err(SnapshotError::Inconsistent("enabled flag")),
            }
        }
        let mut tables = Vec::with_capacity(m as usize);
        for &(_, len) in &substrings {
            let head = read_u32s(r, 1 << len)?;
            let next = read_u32s(r, n)?;
            let valid = |v: &u32| *v == u32::MAX || (*v as usize) < n;
            if !head.iter().all(valid)
                || !next.iter().enumerate().all(|(e, v)| valid(v) && (*v == u32::MAX || (*v as usize) < e))
            {
                return Err(SnapshotError::Inconsistent("a bucket chain points outside the index"));
            }
            tables.push(Table { head, next });
        }
        Ok(Mih { substrings, tables, codes })
    }
}

//! The matcher on disk, so that a restart with millions of entries is ready in seconds: the PDQ
//! index (`vigie_index::Mih`'s own snapshot), every slot's entry, bank and state, and the event
//! sequence up to which changes are in it. On start the matcher loads the snapshot, then applies
//! the entries the store changed after that sequence; without a usable snapshot it rebuilds from
//! the store. The store stays the truth: a snapshot is only ever a head start.
//!
//! Format (version 1, little-endian): `VIGIEMAT`, `u32` version, `i64` sequence, `u32` bank
//! count and each bank id (36 bytes); the `Mih` snapshot; then for PDQ, MD5 and SHA-256 a `u64`
//! slot count and each slot (its key first for the exact types); last, the SHA-256 of all the
//! bytes before it. A file that is short, inconsistent or fails its checksum is refused.

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};
use vigie_index::{Index, Mih, SnapshotError};
use vigie_model::BankId;

use super::matcher::{Exact, Image, Slot};

const MAGIC: &[u8; 8] = b"VIGIEMAT";
const VERSION: u32 = 1;

struct Hashing<T> {
    inner: T,
    sha: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sha.update(&buf[..n]);
        Ok(n)
    }
}

fn inconsistent(what: &'static str) -> SnapshotError {
    SnapshotError::Inconsistent(what)
}

fn write_slot(w: &mut impl Write, s: &Slot) -> io::Result<()> {
    w.write_all(&s.entry.to_le_bytes())?;
    w.write_all(&s.bank.to_le_bytes())?;
    w.write_all(&s.disabled_until.to_le_bytes())?;
    w.write_all(&[u8::from(s.quarantined) | u8::from(s.removed) << 1])
}

fn read_slot(r: &mut impl Read, banks: usize) -> Result<Slot, SnapshotError> {
    let mut b = [0u8; 21];
    r.read_exact(&mut b)?;
    let slot = Slot {
        entry: i64::from_le_bytes(b[0..8].try_into().expect("8")),
        bank: u32::from_le_bytes(b[8..12].try_into().expect("4")),
        disabled_until: i64::from_le_bytes(b[12..20].try_into().expect("8")),
        quarantined: b[20] & 1 == 1,
        removed: b[20] & 2 == 2,
    };
    if slot.bank as usize >= banks || b[20] > 3 {
        return Err(inconsistent("a slot names no bank"));
    }
    Ok(slot)
}

fn read_n(r: &mut impl Read) -> Result<usize, SnapshotError> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    usize::try_from(u64::from_le_bytes(b)).ok().filter(|n| *n < u32::MAX as usize).ok_or(inconsistent("slot count"))
}

fn write_exact<const N: usize>(w: &mut impl Write, e: &Exact<N>) -> io::Result<()> {
    w.write_all(&(e.slots.len() as u64).to_le_bytes())?;
    for (i, s) in e.slots.iter().enumerate() {
        w.write_all(e.index.key(i as u32).expect("one key per slot"))?;
        write_slot(w, s)?;
    }
    Ok(())
}

fn read_exact_index<const N: usize>(r: &mut impl Read, banks: usize) -> Result<Exact<N>, SnapshotError> {
    let n = read_n(r)?;
    let mut e = Exact { index: vigie_index::Exact::new(), slots: Vec::with_capacity(n.min(1 << 20)) };
    for _ in 0..n {
        let mut k = [0u8; N];
        r.read_exact(&mut k)?;
        e.slots.push(read_slot(r, banks)?);
        e.index.add(k);
    }
    Ok(e)
}

fn sorted(slots: &[Slot]) -> bool {
    slots.windows(2).all(|w| w[0].entry < w[1].entry)
}

/// Writes `image` to `path` atomically (a temporary file, synced, then renamed).
pub(crate) fn write(path: &Path, image: &Image) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    let file = std::fs::File::create(&tmp)?;
    let mut w = Hashing { inner: BufWriter::with_capacity(1 << 20, file), sha: Sha256::new() };
    w.write_all(MAGIC)?;
    w.write_all(&VERSION.to_le_bytes())?;
    w.write_all(&image.seq.to_le_bytes())?;
    w.write_all(&(image.banks.len() as u32).to_le_bytes())?;
    for b in &image.banks {
        w.write_all(b.as_str().as_bytes())?;
    }
    image.pdq.write_snapshot(&mut w)?;
    w.write_all(&(image.pdq_slots.len() as u64).to_le_bytes())?;
    for s in &image.pdq_slots {
        write_slot(&mut w, s)?;
    }
    write_exact(&mut w, &image.md5)?;
    write_exact(&mut w, &image.sha256)?;
    let digest = w.sha.finalize();
    let mut inner = w.inner;
    inner.write_all(&digest)?;
    let file = inner.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Reads a snapshot written by [`write`], checking everything.
pub(crate) fn read(path: &Path) -> Result<Image, SnapshotError> {
    let file = std::fs::File::open(path)?;
    let mut r = Hashing { inner: BufReader::with_capacity(1 << 20, file), sha: Sha256::new() };
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic).map_err(|_| SnapshotError::NotASnapshot)?;
    if &magic != MAGIC {
        return Err(SnapshotError::NotASnapshot);
    }
    let mut b4 = [0u8; 4];
    let mut b8 = [0u8; 8];
    r.read_exact(&mut b4)?;
    let version = u32::from_le_bytes(b4);
    if version != VERSION {
        return Err(SnapshotError::Version(version));
    }
    r.read_exact(&mut b8)?;
    let seq = i64::from_le_bytes(b8);
    r.read_exact(&mut b4)?;
    let n_banks = u32::from_le_bytes(b4) as usize;
    if n_banks > 1_000_000 {
        return Err(inconsistent("bank count"));
    }
    let mut banks = Vec::with_capacity(n_banks);
    for _ in 0..n_banks {
        let mut id = [0u8; 36];
        r.read_exact(&mut id)?;
        let id = std::str::from_utf8(&id).ok().and_then(BankId::parse).ok_or(inconsistent("bank id"))?;
        banks.push(id);
    }
    let pdq = Mih::read_snapshot(&mut r)?;
    let n = read_n(&mut r)?;
    if n != pdq.len() {
        return Err(inconsistent("PDQ slots and index differ in length"));
    }
    let mut pdq_slots = Vec::with_capacity(n);
    for _ in 0..n {
        pdq_slots.push(read_slot(&mut r, n_banks)?);
    }
    let md5 = read_exact_index(&mut r, n_banks)?;
    let sha256 = read_exact_index(&mut r, n_banks)?;
    if !sorted(&pdq_slots) || !sorted(&md5.slots) || !sorted(&sha256.slots) {
        return Err(inconsistent("slots out of entry order"));
    }
    let digest = r.sha.finalize();
    let mut stored = [0u8; 32];
    r.inner.read_exact(&mut stored)?;
    if stored[..] != digest[..] {
        return Err(inconsistent("checksum"));
    }
    Ok(Image { seq, banks, pdq, pdq_slots, md5, sha256 })
}

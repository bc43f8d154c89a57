//! A linear scan laid out for the CPU, with a 128-bit prefix filter.

use crate::{Code, Index, Match};

/// All codes in two structure-of-arrays halves. Invariant: `front`, `back` and `enabled` have
/// one element per entry.
#[derive(Clone, Debug, Default)]
pub struct Flat {
    /// Words 0 and 1 of each code.
    pub(crate) front: Vec<[u64; 2]>,
    /// Words 2 and 3 of each code.
    pub(crate) back: Vec<[u64; 2]>,
    pub(crate) enabled: Vec<bool>,
}

impl Flat {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Self { front: Vec::with_capacity(n), back: Vec::with_capacity(n), enabled: Vec::with_capacity(n) }
    }

    /// The code of an entry.
    pub fn code(&self, entry: u32) -> Option<Code> {
        let i = entry as usize;
        Some([self.front.get(i)?[0], self.front[i][1], self.back[i][0], self.back[i][1]])
    }

    /// Bytes of heap this index holds (capacities, not lengths).
    pub fn heap_bytes(&self) -> usize {
        self.front.capacity() * 16 + self.back.capacity() * 16 + self.enabled.capacity()
    }

    pub fn is_enabled(&self, entry: u32) -> bool {
        self.enabled.get(entry as usize).copied().unwrap_or(false)
    }

    /// Appends the matches to `out` (unsorted), with the widest popcount this CPU has.
    fn scan(&self, q: &Code, radius: u32, out: &mut Vec<Match>) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512vpopcntdq") {
                // SAFETY: the CPU supports AVX-512 VPOPCNTDQ (and so AVX-512F), checked just above.
                #[allow(unsafe_code)]
                return unsafe { self.scan_avx512(q, radius, out) };
            }
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("popcnt") {
                // SAFETY: the CPU supports AVX2 and POPCNT, checked just above.
                #[allow(unsafe_code)]
                return unsafe { self.scan_avx2(q, radius, out) };
            }
        }
        self.scan_any(q, radius, out)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vpopcntdq")]
    fn scan_avx512(&self, q: &Code, radius: u32, out: &mut Vec<Match>) {
        self.scan_any(q, radius, out)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt")]
    fn scan_avx2(&self, q: &Code, radius: u32, out: &mut Vec<Match>) {
        self.scan_any(q, radius, out)
    }

    #[inline(always)]
    fn scan_any(&self, q: &Code, radius: u32, out: &mut Vec<Match>) {
        const CHUNK: usize = 64;
        let (q0, q1, q2, q3) = (q[0], q[1], q[2], q[3]);
        for (c, chunk) in self.front.chunks(CHUNK).enumerate() {
            // First pass over the chunk: half distances, branch-free so it vectorises.
            let mut half = [0u32; CHUNK];
            for (h, f) in half.iter_mut().zip(chunk) {
                *h = (f[0] ^ q0).count_ones() + (f[1] ^ q1).count_ones();
            }
            for (k, &h) in half.iter().enumerate().take(chunk.len()) {
                if h <= radius {
                    let i = c * CHUNK + k;
                    let b = self.back[i];
                    let d = h + (b[0] ^ q2).count_ones() + (b[1] ^ q3).count_ones();
                    if d <= radius && self.enabled[i] {
                        out.push(Match { distance: d, entry: i as u32 });
                    }
                }
            }
        }
    }
}

impl Index for Flat {
    fn add(&mut self, code: Code) -> u32 {
        self.front.push([code[0], code[1]]);
        self.back.push([code[2], code[3]]);
        self.enabled.push(true);
        (self.front.len() - 1) as u32
    }
    fn set_enabled(&mut self, entry: u32, enabled: bool) {
        if let Some(e) = self.enabled.get_mut(entry as usize) {
            *e = enabled;
        }
    }
    fn query(&self, query: &Code, radius: u32) -> Vec<Match> {
        let mut out = Vec::new();
        self.scan(query, radius, &mut out);
        out.sort();
        out
    }
    fn len(&self) -> usize {
        self.front.len()
    }
}

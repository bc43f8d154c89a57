//! The memory budget of image decoding.
//!
//! Decoding an image costs memory in proportion to its pixels, not its bytes: a lossless WebP of a
//! few kilobytes may declare a hundred megapixels. Before any pixel buffer is allocated, each
//! decode reserves its cost, read from the file's header, from one budget shared by the whole
//! server, and from its organisation's share of it. A request that finds the server's budget
//! full waits a moment, then is answered 503 `busy` with `Retry-After`; an organisation that
//! already holds its whole share is answered 429 `quota_exceeded` at once, so that one busy
//! organisation never starves the others. The reservation is released when the decode ends,
//! whatever its outcome.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use vigie_model::OrgId;

use crate::{AppError, AppResult};

/// The memory one decoded pixel costs at the peak of hashing it: the decoded samples (up to four
/// bytes), the float luma plane and the box filter's buffers (four bytes each), with a margin.
/// Measured as the peak resident memory of `vigie hash` on one image: 11.0 bytes a pixel on a
/// 48-megapixel PNG (530 MB), 10.9 on a 98-megapixel lossless WebP (1,075 MB).
pub const BYTES_PER_PIXEL: u64 = 16;

/// The budget's unit: reservations are counted in KiB.
const UNIT: u64 = 1024;

/// How the decoding memory is shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeBudgetConfig {
    /// The memory all decodes in flight may use together, in bytes.
    pub total_bytes: u64,
    /// The share one organisation's decodes may hold at once, in bytes.
    pub per_org_bytes: u64,
    /// How long a request waits for the server's budget before it is answered `busy`.
    pub wait: Duration,
}

impl Default for DecodeBudgetConfig {
    /// 1.5 GiB in all, 1 GiB per organisation, and a 2-second wait: enough for dozens of phone
    /// photos at once, and for an image at the default pixel limit (64 MP: 1.02 GB reserved).
    fn default() -> Self {
        Self { total_bytes: 3 << 29, per_org_bytes: 1 << 30, wait: Duration::from_secs(2) }
    }
}

/// The shared budget (cheap to clone).
#[derive(Clone)]
pub struct DecodeBudget {
    inner: Arc<Inner>,
}

struct Inner {
    config: DecodeBudgetConfig,
    memory: Arc<Semaphore>,
    /// KiB each organisation holds now.
    held: Mutex<HashMap<OrgId, u64>>,
}

/// A reservation; dropping it gives the memory back.
pub struct DecodePermit {
    _memory: Option<OwnedSemaphorePermit>,
    org: OrgId,
    kib: u64,
    budget: Arc<Inner>,
}

impl Drop for DecodePermit {
    fn drop(&mut self) {
        let mut held = self.budget.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(h) = held.get_mut(&self.org) {
            *h = h.saturating_sub(self.kib);
            if *h == 0 {
                held.remove(&self.org);
            }
        }
    }
}

/// The memory a decode of `bytes` will cost: its pixels from the header, or the bytes themselves
/// when the header says nothing (the decoder then refuses the file quickly).
pub fn decode_cost(bytes: &[u8]) -> u64 {
    match vigie_hash::probe::dimensions(bytes) {
        Some((w, h)) => u64::from(w).saturating_mul(u64::from(h)).saturating_mul(BYTES_PER_PIXEL),
        None => bytes.len() as u64,
    }
    .max(bytes.len() as u64)
}

impl DecodeBudget {
    pub fn new(config: DecodeBudgetConfig) -> Self {
        let kib = usize::try_from(config.total_bytes / UNIT).unwrap_or(usize::MAX).min(Semaphore::MAX_PERMITS);
        Self {
            inner: Arc::new(Inner { config, memory: Arc::new(Semaphore::new(kib)), held: Mutex::new(HashMap::new()) }),
        }
    }

    pub fn config(&self) -> DecodeBudgetConfig {
        self.inner.config
    }

    /// Bytes reserved now, over all organisations.
    pub fn in_use(&self) -> u64 {
        let held = self.inner.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        held.values().sum::<u64>() * UNIT
    }

    /// Reserves `cost` bytes for `org`. Costs the pixel limit allows always fit an empty budget;
    /// larger ones are refused by the decoder's limits before they get here.
    pub async fn reserve(&self, org: &OrgId, cost: u64) -> AppResult<DecodePermit> {
        let inner = &self.inner;
        let kib = cost.div_ceil(UNIT).max(1);
        let total_kib = inner.config.total_bytes / UNIT;
        let org_kib = inner.config.per_org_bytes / UNIT;
        // A single decode larger than a budget could never run: the same answer as a full
        // budget would mislead, so it is refused as too large.
        if kib > total_kib || kib > org_kib {
            return Err(AppError::TooLarge(format!(
                "decoding this image needs about {} MiB, more than the server allows for one image",
                cost >> 20
            )));
        }
        {
            let mut held = inner.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let h = held.entry(org.clone()).or_default();
            if *h + kib > org_kib {
                return Err(AppError::QuotaExceeded {
                    detail: "your organisation's images are already using its share of the decoding memory",
                    retry_after_secs: 1,
                });
            }
            *h += kib;
        }
        // From here the organisation's share is held; a failure below gives it back on drop.
        let mut permit = DecodePermit { _memory: None, org: org.clone(), kib, budget: inner.clone() };
        let n = u32::try_from(kib).expect("at most the total, which is below u32::MAX KiB for budgets under 4 TiB");
        match tokio::time::timeout(inner.config.wait, inner.memory.clone().acquire_many_owned(n)).await {
            Ok(Ok(p)) => {
                permit._memory = Some(p);
                Ok(permit)
            }
            Ok(Err(_)) => Err(AppError::Internal("the decoding budget was closed")),
            Err(_) => Err(AppError::Busy {
                detail: "the server is decoding as many images as its memory allows; try again shortly",
                retry_after_secs: 2,
            }),
        }
    }
}

impl crate::App {
    /// Runs `work` over `bytes` on a blocking thread, within the decoding budget: the cost is
    /// reserved for `org` first, and given back when `work` ends (not when the request does: a
    /// client that hangs up does not free memory a decode still uses).
    pub(crate) async fn decode_within_budget<T: Send + 'static>(
        &self,
        org: &OrgId,
        bytes: Vec<u8>,
        work: impl FnOnce(Vec<u8>) -> T + Send + 'static,
    ) -> AppResult<T> {
        let permit = self.decode_budget().reserve(org, decode_cost(&bytes)).await?;
        tokio::task::spawn_blocking(move || {
            let out = work(bytes);
            drop(permit);
            out
        })
        .await
        .map_err(|_| AppError::Internal("the image decoder panicked"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(n: u8) -> OrgId {
        OrgId::from_random([n; 16])
    }

    fn budget(total: u64, per_org: u64) -> DecodeBudget {
        DecodeBudget::new(DecodeBudgetConfig {
            total_bytes: total,
            per_org_bytes: per_org,
            wait: Duration::from_millis(1),
        })
    }

    #[tokio::test]
    async fn a_full_budget_answers_busy_and_frees_on_drop() {
        let b = budget(10 << 20, 10 << 20);
        let first = b.reserve(&org(1), 6 << 20).await.unwrap();
        assert_eq!(b.in_use(), 6 << 20);
        let busy = b.reserve(&org(2), 6 << 20).await.err().unwrap();
        assert!(matches!(busy, AppError::Busy { .. }), "{busy:?}");
        assert_eq!(b.in_use(), 6 << 20, "a refused reservation holds nothing");
        drop(first);
        assert_eq!(b.in_use(), 0);
        let _again = b.reserve(&org(2), 6 << 20).await.unwrap();
    }

    #[tokio::test]
    async fn one_organisation_cannot_take_the_others_share() {
        let b = budget(10 << 20, 4 << 20);
        let _a = b.reserve(&org(1), 3 << 20).await.unwrap();
        let quota = b.reserve(&org(1), 2 << 20).await.err().unwrap();
        assert!(matches!(quota, AppError::QuotaExceeded { .. }), "{quota:?}");
        let _b = b.reserve(&org(2), 4 << 20).await.unwrap();
    }

    #[tokio::test]
    async fn a_waiting_reservation_gets_the_memory_when_it_is_freed() {
        let b = DecodeBudget::new(DecodeBudgetConfig {
            total_bytes: 10 << 20,
            per_org_bytes: 10 << 20,
            wait: Duration::from_secs(30),
        });
        let first = b.reserve(&org(1), 8 << 20).await.unwrap();
        let waiting = tokio::spawn({
            let b = b.clone();
            async move { b.reserve(&org(2), 8 << 20).await.map(|_| ()) }
        });
        tokio::task::yield_now().await;
        drop(first);
        waiting.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_decode_larger_than_the_budget_is_too_large_not_busy() {
        let b = budget(10 << 20, 10 << 20);
        assert!(matches!(b.reserve(&org(1), 11 << 20).await, Err(AppError::TooLarge(_))));
    }

    #[test]
    fn the_largest_image_the_decoder_accepts_fits_the_default_budget() {
        let largest = vigie_hash::Limits::default().max_pixels * BYTES_PER_PIXEL;
        let c = DecodeBudgetConfig::default();
        assert!(largest <= c.per_org_bytes && largest <= c.total_bytes, "{largest} bytes");
    }

    #[test]
    fn the_cost_comes_from_the_header_not_the_bytes() {
        // A lossless WebP header: 84 bytes that declare 4,000 × 3,000 pixels.
        let bits: u32 = 3_999 | (2_999 << 14);
        let mut webp = b"RIFF\x4c\0\0\0WEBPVP8L\x40\0\0\0\x2f".to_vec();
        webp.extend_from_slice(&bits.to_le_bytes());
        webp.resize(84, 0);
        assert_eq!(decode_cost(&webp), 12_000_000 * BYTES_PER_PIXEL);
        assert_eq!(decode_cost(&[0u8; 5000]), 5000);
    }
}

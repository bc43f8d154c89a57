//! Exact lookup of fixed-size digests (MD5, SHA-256): which entries hold this very value.

use std::collections::HashMap;

/// Entries by their `N`-byte digest, numbered in the order they were added (from 0), like the
/// other indexes. Incremental: an added digest is found as soon as `add` returns.
#[derive(Clone, Debug, Default)]
pub struct Exact<const N: usize> {
    keys: Vec<[u8; N]>,
    map: HashMap<[u8; N], Vec<u32>>,
}

impl<const N: usize> Exact<N> {
    pub fn new() -> Self {
        Self { keys: Vec::new(), map: HashMap::new() }
    }

    /// Adds a digest; returns its entry number.
    pub fn add(&mut self, key: [u8; N]) -> u32 {
        let entry = self.keys.len() as u32;
        self.keys.push(key);
        self.map.entry(key).or_default().push(entry);
        entry
    }

    /// The entries holding `key`, in the order they were added.
    pub fn get(&self, key: &[u8; N]) -> &[u32] {
        self.map.get(key).map_or(&[], Vec::as_slice)
    }

    /// The digest of an entry.
    pub fn key(&self, entry: u32) -> Option<&[u8; N]> {
        self.keys.get(entry as usize)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_find_every_entry_that_holds_them_and_nothing_else() {
        let mut idx = Exact::<16>::new();
        assert!(idx.is_empty() && idx.get(&[0; 16]).is_empty());
        let a = idx.add([1; 16]);
        let b = idx.add([2; 16]);
        let c = idx.add([1; 16]);
        assert_eq!((a, b, c), (0, 1, 2));
        assert_eq!(idx.get(&[1; 16]), [0, 2]);
        assert_eq!(idx.get(&[2; 16]), [1]);
        assert!(idx.get(&[3; 16]).is_empty());
        assert_eq!(idx.key(2), Some(&[1; 16]));
        assert_eq!(idx.len(), 3);
    }
}

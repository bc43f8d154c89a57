//! Many banked videos' TMK+PDQF, looked up as `tmk-query` does, without holding their full
//! features: only each video's pure average (level 1: 256 floats and its norm, about 1 KB) stays
//! in memory. A lookup scans every level-1 vector exactly, then fetches the full features of the
//! survivors only (through [`FeatureSource`], so they can live on disk: 263 KB each) and scores
//! level 2. The decisions are those of [`compare`] against every banked video, since level 1 is
//! computed with the same operations in the same order.

use super::{Incompatible, Thresholds, TmkFeatures, compare, dot, norm};

/// Where the full features of a banked video come from (a store, files): asked only for the
/// videos that pass level 1.
pub trait FeatureSource {
    type Error;
    fn features(&mut self, id: u64) -> Result<TmkFeatures, Self::Error>;
}

impl<F: FnMut(u64) -> Result<TmkFeatures, E>, E> FeatureSource for F {
    type Error = E;
    fn features(&mut self, id: u64) -> Result<TmkFeatures, E> {
        self(id)
    }
}

/// Why a lookup failed.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum LookupError<E> {
    #[error(transparent)]
    Incompatible(#[from] Incompatible),
    /// The source could not give a survivor's features.
    #[error("the features of banked video {0} could not be read")]
    Source(u64, E),
}

/// A banked video that matches a query, with both scores.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    pub id: u64,
    pub level1: f32,
    pub level2: f32,
}

/// The level-1 vectors of many videos.
#[derive(Clone, Debug, Default)]
pub struct TmkIndex {
    /// The parameters every video shares (those of the first added): a video's level-1 vector is
    /// only comparable to another's of the same parameters.
    template: Option<TmkFeatures>,
    ids: Vec<u64>,
    /// One norm per video, computed as `computeCosSim` does.
    norms: Vec<f32>,
    /// The pure averages, one after another.
    averages: Vec<f32>,
}

/// The parameters of `f` alone, to check others against (no features).
fn parameters_of(f: &TmkFeatures) -> TmkFeatures {
    TmkFeatures {
        frames_per_second: f.frames_per_second,
        frame_count: 0,
        periods: f.periods.clone(),
        coefficients: f.coefficients.clone(),
        pure_average: vec![0.0; f.pure_average.len()],
        cos: Vec::new(),
        sin: Vec::new(),
    }
}

impl TmkIndex {
    pub fn new() -> Self {
        TmkIndex::default()
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Bytes of memory per banked video (its id, norm and pure average).
    pub fn bytes_per_video(&self) -> usize {
        let d = self.template.as_ref().map_or(super::FEATURE_DIMENSION, |t| t.pure_average.len());
        8 + 4 + 4 * d
    }

    /// An empty index for videos of the reference's standard parameters, which
    /// [`TmkIndex::add_average`] fills from their level-1 vectors alone.
    pub fn standard() -> Self {
        TmkIndex { template: Some(super::standard_parameters()), ..TmkIndex::default() }
    }

    /// Banks a video from its pure average alone (a store keeps it apart from the full features),
    /// as [`TmkIndex::add`] would from its features. The index must know its parameters (made by
    /// [`TmkIndex::standard`], or given a video already), and the vector must be of its dimension.
    pub fn add_average(&mut self, id: u64, average: &[f32]) -> Result<(), Incompatible> {
        let Some(t) = &self.template else {
            return Err(Incompatible("the index does not know its parameters yet".into()));
        };
        if average.len() != t.pure_average.len() {
            return Err(Incompatible(format!("feature dimensions {} and {}", t.pure_average.len(), average.len())));
        }
        self.ids.push(id);
        self.norms.push(norm(average));
        self.averages.extend_from_slice(average);
        Ok(())
    }

    /// Level 1 alone: every banked video whose level-1 score with `query` is at least `min`, with
    /// that score (as [`super::level1`] computes it), in the order they were added. For callers
    /// whose level-1 threshold varies by video (per bank): they filter, then score level 2.
    pub fn level1_at_least(&self, query: &TmkFeatures, min: f32) -> Result<Vec<(u64, f32)>, Incompatible> {
        let Some(template) = &self.template else { return Ok(Vec::new()) };
        template.compatible(query)?;
        Ok(self.level1_all(&query.pure_average).filter(|(_, s)| *s >= min).collect())
    }

    /// Banks a video under `id` (the caller's; ids may repeat, each entry is scored on its own).
    pub fn add(&mut self, id: u64, features: &TmkFeatures) -> Result<(), Incompatible> {
        match &self.template {
            Some(t) => t.compatible(features)?,
            None => self.template = Some(parameters_of(features)),
        }
        self.ids.push(id);
        self.norms.push(norm(&features.pure_average));
        self.averages.extend_from_slice(&features.pure_average);
        Ok(())
    }

    /// The level-1 score of the query against every banked video, as [`super::level1`] computes it.
    fn level1_all<'a>(&'a self, query: &'a [f32]) -> impl Iterator<Item = (u64, f32)> + 'a {
        let nq = norm(query);
        let d = query.len();
        self.ids.iter().zip(&self.norms).zip(self.averages.chunks_exact(d.max(1))).map(move |((id, nb), b)| {
            let s = if nq == 0.0 || *nb == 0.0 { 0.0 } else { dot(query, b) / (nq * nb) };
            (*id, s)
        })
    }

    /// The banked videos that match `query` under `t`, in the order they were added: level 1 on
    /// every one, level 2 on those that pass, their full features fetched from `source`.
    pub fn search<S: FeatureSource>(
        &self,
        query: &TmkFeatures,
        t: &Thresholds,
        source: &mut S,
    ) -> Result<Vec<Hit>, LookupError<S::Error>> {
        let Some(template) = &self.template else { return Ok(Vec::new()) };
        template.compatible(query)?;
        let mut hits = Vec::new();
        for (id, level1) in self.level1_all(&query.pure_average) {
            if level1 < t.level1 {
                continue;
            }
            let banked = source.features(id).map_err(|e| LookupError::Source(id, e))?;
            let score = compare(query, &banked, t)?;
            if score.is_match(t) {
                hits.push(Hit { id, level1, level2: score.level2.unwrap_or(0.0) });
            }
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests_support::{features, video};
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn a_lookup_decides_as_brute_force_and_reads_only_the_survivors() {
        // A library of distinct videos, clips cut from some of them, and queries that are
        // banked videos, clips of them, or strangers; thresholds varied.
        let mut library: HashMap<u64, TmkFeatures> = HashMap::new();
        let mut index = TmkIndex::new();
        for id in 0..40u64 {
            let frames = video(1000 + id, 4 + (id % 5) as usize, 20);
            let f = if id % 4 == 3 { features(&frames[10..frames.len() - 15]) } else { features(&frames) };
            index.add(id, &f).unwrap();
            library.insert(id, f);
        }
        assert_eq!(index.len(), 40);
        let mut queries = Vec::new();
        for id in [0u64, 3, 7, 12, 25] {
            let frames = video(1000 + id, 4 + (id % 5) as usize, 20);
            queries.push(features(&frames[5..]));
        }
        queries.push(features(&video(5000, 6, 20)));
        for t in
            [Thresholds::default(), Thresholds { level1: 0.5, level2: 0.6 }, Thresholds { level1: 0.9, level2: 0.9 }]
        {
            for q in &queries {
                let mut fetched = 0;
                let mut source = |id: u64| -> Result<TmkFeatures, ()> {
                    fetched += 1;
                    Ok(library[&id].clone())
                };
                let got = index.search(q, &t, &mut source).unwrap();
                let mut want = Vec::new();
                let mut survivors = 0;
                for id in 0..40u64 {
                    let s = compare(q, &library[&id], &t).unwrap();
                    survivors += usize::from(s.level2.is_some());
                    if s.is_match(&t) {
                        want.push(Hit { id, level1: s.level1, level2: s.level2.unwrap() });
                    }
                }
                assert_eq!(got, want, "{t:?}");
                assert_eq!(fetched, survivors, "only the videos past level 1 are read");
                assert!(survivors < 40, "level 1 filters");
            }
        }
        // A banked video finds itself; a clip of it is found too.
        let mut source = |id: u64| -> Result<TmkFeatures, ()> { Ok(library[&id].clone()) };
        let found = index.search(&library[&7], &Thresholds::default(), &mut source).unwrap();
        assert!(found.iter().any(|h| h.id == 7));
        let found = index.search(&queries[2], &Thresholds::default(), &mut source).unwrap();
        assert!(found.iter().any(|h| h.id == 7), "{found:?}");
        assert_eq!(index.bytes_per_video(), 1036);
    }

    #[test]
    fn an_index_of_pure_averages_scores_level_1_as_the_full_features_do() {
        let mut full = TmkIndex::new();
        let mut light = TmkIndex::standard();
        let videos: Vec<TmkFeatures> =
            (0..12u64).map(|id| features(&video(300 + id, 3 + (id % 4) as usize, 12))).collect();
        for (id, f) in videos.iter().enumerate() {
            full.add(id as u64, f).unwrap();
            light.add_average(id as u64, f.pure_average()).unwrap();
        }
        assert!(light.add_average(99, &[0.5; 3]).is_err(), "a vector of another dimension");
        assert!(TmkIndex::new().add_average(1, videos[0].pure_average()).is_err(), "no parameters known");
        let query = features(&video(303, 6, 12)[4..]);
        for min in [-1.0, 0.0, 0.7, 0.95] {
            let got = light.level1_at_least(&query, min).unwrap();
            let want: Vec<(u64, f32)> = (0..12u64)
                .map(|id| (id, super::super::level1(&query, &videos[id as usize]).unwrap()))
                .filter(|(_, s)| *s >= min)
                .collect();
            assert_eq!(got, want, "{min}");
            assert_eq!(full.level1_at_least(&query, min).unwrap(), want);
        }
        assert!(light.level1_at_least(&query, 0.7).unwrap().iter().any(|(id, _)| *id == 3), "a clip of video 3");
    }

    #[test]
    fn a_source_that_fails_and_a_query_of_other_parameters_are_errors() {
        let mut index = TmkIndex::new();
        let f = features(&video(1, 3, 10));
        index.add(9, &f).unwrap();
        let mut failing = |_id: u64| -> Result<TmkFeatures, &'static str> { Err("gone") };
        assert_eq!(index.search(&f, &Thresholds::default(), &mut failing), Err(LookupError::Source(9, "gone")));
        let mut bytes = f.to_bytes();
        bytes[12..16].copy_from_slice(&25i32.to_le_bytes());
        let other = TmkFeatures::from_bytes(&bytes).unwrap();
        assert!(index.add(10, &other).is_err());
        assert!(matches!(
            index.search(&other, &Thresholds::default(), &mut failing),
            Err(LookupError::Incompatible(_))
        ));
    }
}

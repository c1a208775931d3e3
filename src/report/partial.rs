//! Partial summaries: `report --partial` writes the whole state of the streaming pass (every
//! counter, sketch and sample of [`Tally`]) as one versioned JSON document, and
//! `report --merge` reads any number of them and reports on their union. Spark (or any
//! engine) runs `report --partial` on each partition and merges the results on the driver.
//!
//! What is exact after a merge: record counts, datasets, time range, the timeline, login
//! outcomes, alert levels and severities, score range, and the data-quality counts but for
//! duplicates and order, for any split of the input; the Space-Saving top-N (see
//! [`TopK::merge`]) while no part overflowed and the union fits, with error bounds after that.

use super::tally::Tally;
use crate::io::{self, Source};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::Value;
use std::io::BufReader;

/// Bumped whenever a partial summary written by one version cannot be read by the other.
pub const VERSION: u64 = 1;
/// The key naming a partial summary and its version.
const TAG: &str = "logward_report_partial";
/// Each set of hashes (distinct events, processes) keeps at most this many in a partial
/// summary: the smallest hash values, a uniform sample of the set.
pub const SET_SAMPLE: usize = 1 << 16;

#[derive(Serialize)]
struct Out<'a> {
    logward_report_partial: u64,
    tally: &'a Tally,
}

/// Writes the tally as a partial summary: one line of JSON, so several concatenate into
/// NDJSON.
pub fn write(mut tally: Tally, out: &mut dyn std::io::Write) -> Result<()> {
    tally.cut_sets(SET_SAMPLE);
    serde_json::to_writer(&mut *out, &Out { logward_report_partial: VERSION, tally: &tally })?;
    out.write_all(b"\n")?;
    Ok(())
}

/// One partial summary from its JSON value; `at` names it in errors.
fn from_value(v: Value, at: &str) -> Result<Tally> {
    let Value::Object(mut map) = v else {
        bail!("{at}: not a partial report summary (write one with `logward report --partial`)");
    };
    match map.get(TAG).and_then(Value::as_u64) {
        Some(VERSION) => {}
        Some(n) => bail!(
            "{at}: partial summary of version {n}, this logward reads version {VERSION}: write the partial summaries again with this version"
        ),
        None => bail!("{at}: not a partial report summary (write one with `logward report --partial`)"),
    }
    let tally = map.remove("tally").with_context(|| format!("{at}: partial summary without its tally"))?;
    serde_json::from_value(tally).with_context(|| format!("{at}: damaged partial summary"))
}

/// Reads every partial summary of the inputs (each file holds one or more JSON documents,
/// as `--partial` writes them or concatenated; gzip and zstd are read too) and merges them in
/// the order given. Returns the merged tally and how many were read.
pub fn read_all(sources: &[Source]) -> Result<(Tally, usize)> {
    let mut merged: Option<Tally> = None;
    let mut n = 0;
    for src in sources {
        let (reader, _) = io::input::open(src)?;
        let stream = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 16, reader)).into_iter();
        for (i, v) in stream.enumerate() {
            let at = format!("{} (summary {})", src.display(), i + 1);
            let v = v.with_context(|| {
                format!("{at}: not JSON (expected partial summaries from `logward report --partial`)")
            })?;
            let tally = from_value(v, &at)?;
            n += 1;
            match &mut merged {
                None => merged = Some(tally),
                Some(m) => m.merge(tally),
            }
        }
    }
    match merged {
        Some(t) => Ok((t, n)),
        None => bail!("--merge: the inputs hold no partial summary (write them with `logward report --partial`)"),
    }
}

/// `Option<Timestamp>` as `[secs, nanos, fraction digits]`.
pub mod timestamp {
    use crate::time::Timestamp;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        t.map(|t| (t.secs, t.nanos, t.frac_digits)).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        let t: Option<(i64, u32, u8)> = Deserialize::deserialize(d)?;
        Ok(t.map(|(secs, nanos, frac_digits)| Timestamp { secs, nanos, frac_digits }))
    }
}

/// An `f64` that may be infinite (an empty range) as a number or null.
pub mod finite {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        v.is_finite().then_some(*v).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// A hash map as a list of pairs sorted by key, so the document does not depend on hashing.
pub mod sorted_map {
    use crate::fasthash::FastMap;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::hash::Hash;

    pub fn serialize<K: Serialize + Ord + Hash, V: Serialize, S: Serializer>(
        m: &FastMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut v: Vec<(&K, &V)> = m.iter().collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v.serialize(s)
    }

    pub fn deserialize<'de, K: Deserialize<'de> + Eq + Hash, V: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<FastMap<K, V>, D::Error> {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

/// A set of hashes as its sorted values (cut to [`SET_SAMPLE`] by [`Tally::cut_sets`]).
pub mod bottom_k {
    use crate::fasthash::FastSet;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(set: &FastSet<u64>, s: S) -> Result<S::Ok, S::Error> {
        let mut v: Vec<u64> = set.iter().copied().collect();
        v.sort_unstable();
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<FastSet<u64>, D::Error> {
        Ok(Vec::<u64>::deserialize(d)?.into_iter().collect())
    }
}

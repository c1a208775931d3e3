//! NumPy's `.npz` (a zip of `.npy` arrays), so `numpy.load` (and so PyTorch training) reads
//! exported features with no code of ours: each array is written by `npyz` (the NPY format,
//! strings as NumPy's `<U`) into a `zip` archive entry. Entries are stored uncompressed and
//! always with ZIP64 sizes, so neither an array over 4 GiB nor 65,535 arrays is a limit.

use crate::io::files::{AtomicFile, OnSignal};
use anyhow::{Context, Result};
use npyz::WriterBuilder;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// An array's element type, as NumPy spells it.
pub enum Data<'a> {
    I64(&'a [i64]),
    F32(&'a [f32]),
    /// Unicode strings, stored as NumPy's fixed-width `<U` (UTF-32), as wide as the longest.
    Text(&'a [String]),
}

pub struct NpzWriter {
    zip: ZipWriter<BufWriter<AtomicFile>>,
    path: PathBuf,
}

impl NpzWriter {
    pub fn create(path: &Path) -> Result<Self> {
        let file = AtomicFile::create(path, "feature file", OnSignal::Remove)?;
        Ok(NpzWriter { zip: ZipWriter::new(BufWriter::new(file)), path: path.to_path_buf() })
    }

    /// Adds `name.npy` with the given shape (C order); the shape's product must equal the
    /// number of elements.
    pub fn add(&mut self, name: &str, shape: &[usize], data: Data<'_>) -> Result<()> {
        let count = match &data {
            Data::I64(v) => v.len(),
            Data::F32(v) => v.len(),
            Data::Text(v) => v.len(),
        };
        anyhow::ensure!(
            shape.iter().product::<usize>() == count,
            "array '{name}': shape {shape:?} and {count} elements disagree"
        );
        // A fixed time (1980-01-01, zip's default) keeps the file the same bytes every run.
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored).large_file(true);
        self.zip.start_file(npyz::npz::file_name_from_array_name(name), options)?;
        let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
        let context = || format!("cannot write array '{name}' to {}", self.path.display());
        match data {
            Data::I64(v) => write_all(&mut self.zip, &shape, v),
            Data::F32(v) => write_all(&mut self.zip, &shape, v),
            Data::Text(v) => {
                let chars = v.iter().map(|s| s.chars().count()).max().unwrap_or(0).max(1);
                let dtype = npyz::DType::Plain(format!("<U{chars}").parse().expect("a valid type string"));
                let mut w =
                    npyz::WriteOptions::<str>::new().dtype(dtype).shape(&shape).writer(&mut self.zip).begin_nd()?;
                for s in v {
                    w.push(s.as_str())?;
                }
                w.finish()
            }
        }
        .with_context(context)
    }

    /// Writes the zip's central directory and closes the file.
    pub fn finish(self) -> Result<()> {
        let path = self.path;
        let out = self.zip.finish().with_context(|| format!("cannot finish {}", path.display()))?;
        out.into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {}", path.display()))?
            .commit()
    }
}

fn write_all<T: npyz::AutoSerialize + Copy>(
    zip: &mut ZipWriter<BufWriter<AtomicFile>>,
    shape: &[u64],
    data: &[T],
) -> std::io::Result<()> {
    let mut w = npyz::WriteOptions::<T>::new().default_dtype().shape(shape).writer(zip).begin_nd()?;
    w.extend(data.iter().copied())?;
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;
    use std::io::Read;

    /// Reads an `.npz` back with the same crates: names, shapes, type strings and values.
    #[test]
    fn arrays_round_trip_through_npyz_and_zip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npz");
        let mut w = NpzWriter::create(&path).unwrap();
        w.add("x", &[2, 3], Data::F32(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.5])).unwrap();
        w.add("n", &[1], Data::I64(&[-7])).unwrap();
        w.add("t", &[2], Data::Text(&["ab".into(), "é".into()])).unwrap();
        assert!(w.add("bad", &[3], Data::I64(&[1])).is_err());
        w.finish().unwrap();
        let mut zip = zip::ZipArchive::new(File::open(&path).unwrap()).unwrap();
        let names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
        assert!(names.contains(&"x.npy".to_string()) && names.contains(&"t.npy".to_string()), "{names:?}");
        let mut bytes = Vec::new();
        zip.by_name("x.npy").unwrap().read_to_end(&mut bytes).unwrap();
        let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
        assert_eq!((npy.shape().to_vec(), npy.dtype().descr()), (vec![2, 3], "'<f4'".to_string()));
        assert_eq!(npy.into_vec::<f32>().unwrap(), [0.0, 1.0, 2.0, 3.0, 4.0, 5.5]);
        let mut bytes = Vec::new();
        zip.by_name("t.npy").unwrap().read_to_end(&mut bytes).unwrap();
        let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
        assert_eq!(npy.dtype().descr(), "'<U2'");
        assert_eq!(npy.into_vec::<String>().unwrap(), ["ab", "é"]);
    }
}

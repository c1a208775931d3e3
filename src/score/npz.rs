//! NumPy's `.npz` (a zip of `.npy` arrays), so `numpy.load` reads exported features with no
//! code of ours. Arrays are stored uncompressed; the zip is the classic one (each array
//! under 4 GiB, fewer than 65,535 arrays).

use crate::io::files::{AtomicFile, OnSignal};
use anyhow::{bail, Result};
use std::io::{BufWriter, Write};
use std::path::Path;

/// An array's element type, as NumPy spells it.
pub enum Data<'a> {
    I64(&'a [i64]),
    F32(&'a [f32]),
    /// Unicode strings, stored as NumPy's fixed-width `<U` (UTF-32).
    Text(&'a [String]),
}

pub struct NpzWriter {
    out: BufWriter<AtomicFile>,
    at: u64,
    entries: Vec<Entry>,
}

struct Entry {
    name: String,
    crc: u32,
    size: u32,
    offset: u32,
}

impl NpzWriter {
    pub fn create(path: &Path) -> Result<Self> {
        let file = AtomicFile::create(path, "feature file", OnSignal::Remove)?;
        Ok(NpzWriter { out: BufWriter::new(file), at: 0, entries: Vec::new() })
    }

    /// Adds `name.npy` with the given shape (C order); the shape's product must equal the
    /// number of elements.
    pub fn add(&mut self, name: &str, shape: &[usize], data: Data<'_>) -> Result<()> {
        let npy = npy(shape, data);
        let (Ok(size), Ok(offset)) = (u32::try_from(npy.len()), u32::try_from(self.at)) else {
            bail!("feature array '{name}' is over 4 GiB: export fewer events per file");
        };
        let mut crc = flate2::Crc::new();
        crc.update(&npy);
        let entry = Entry { name: format!("{name}.npy"), crc: crc.sum(), size, offset };
        let header = local_header(&entry);
        self.out.write_all(&header)?;
        self.out.write_all(&npy)?;
        self.at += (header.len() + npy.len()) as u64;
        self.entries.push(entry);
        Ok(())
    }

    /// Writes the zip's central directory and closes the file.
    pub fn finish(mut self) -> Result<()> {
        let start = self.at;
        let mut dir = Vec::new();
        for e in &self.entries {
            dir.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            dir.extend_from_slice(&20u16.to_le_bytes()); // made by: version 2.0
            dir.extend_from_slice(&common_fields(e));
            dir.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
            dir.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            dir.extend_from_slice(&e.offset.to_le_bytes());
            dir.extend_from_slice(e.name.as_bytes());
        }
        let (Ok(start), Ok(len)) = (u32::try_from(start), u32::try_from(dir.len())) else {
            bail!("feature file is over 4 GiB: export fewer events per file");
        };
        let count = u16::try_from(self.entries.len()).expect("a handful of arrays");
        dir.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        dir.extend_from_slice(&[0; 4]); // this disk, disk with the directory
        dir.extend_from_slice(&count.to_le_bytes());
        dir.extend_from_slice(&count.to_le_bytes());
        dir.extend_from_slice(&len.to_le_bytes());
        dir.extend_from_slice(&start.to_le_bytes());
        dir.extend_from_slice(&0u16.to_le_bytes()); // comment length
        self.out.write_all(&dir)?;
        self.out.into_inner().map_err(|e| e.into_error())?.commit()
    }
}

fn local_header(e: &Entry) -> Vec<u8> {
    let mut h = Vec::with_capacity(30 + e.name.len());
    h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    h.extend_from_slice(&common_fields(e));
    h.extend_from_slice(e.name.as_bytes());
    h
}

/// The fields local headers and directory entries share: version needed, flags, method
/// (stored), a fixed 1980-01-01 time so output is reproducible, CRC, sizes, name length,
/// extra length.
fn common_fields(e: &Entry) -> Vec<u8> {
    let mut f = Vec::with_capacity(26);
    f.extend_from_slice(&20u16.to_le_bytes());
    f.extend_from_slice(&0u16.to_le_bytes());
    f.extend_from_slice(&0u16.to_le_bytes());
    f.extend_from_slice(&0u16.to_le_bytes()); // time 00:00
    f.extend_from_slice(&0x0021u16.to_le_bytes()); // date 1980-01-01
    f.extend_from_slice(&e.crc.to_le_bytes());
    f.extend_from_slice(&e.size.to_le_bytes());
    f.extend_from_slice(&e.size.to_le_bytes());
    f.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
    f.extend_from_slice(&0u16.to_le_bytes());
    f
}

/// One `.npy` file (format 1.0): magic, a Python-literal header padded to 64 bytes, data.
fn npy(shape: &[usize], data: Data<'_>) -> Vec<u8> {
    let (descr, count, width) = match &data {
        Data::I64(v) => ("<i8".to_string(), v.len(), 8),
        Data::F32(v) => ("<f4".to_string(), v.len(), 4),
        Data::Text(v) => {
            let chars = v.iter().map(|s| s.chars().count()).max().unwrap_or(0).max(1);
            (format!("<U{chars}"), v.len(), 4 * chars)
        }
    };
    assert_eq!(shape.iter().product::<usize>(), count, "shape and data disagree");
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape_text = if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}, }}");
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + count * width);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    match data {
        Data::I64(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Data::F32(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Data::Text(v) => {
            for s in v {
                let mut n = 0;
                for c in s.chars() {
                    out.extend_from_slice(&(c as u32).to_le_bytes());
                    n += 4;
                }
                out.resize(out.len() + width - n, 0);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_header_is_padded_to_64_bytes_and_describes_the_array() {
        let a = npy(&[2, 3], Data::F32(&[0.0; 6]));
        let header_len = u16::from_le_bytes([a[8], a[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        let header = std::str::from_utf8(&a[10..10 + header_len]).unwrap();
        assert!(header.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
        assert_eq!(a.len(), 10 + header_len + 24);
        let t = npy(&[2], Data::Text(&["ab".into(), "é".into()]));
        let hl = u16::from_le_bytes([t[8], t[9]]) as usize;
        assert!(std::str::from_utf8(&t[10..10 + hl]).unwrap().contains("'<U2'"));
        assert_eq!(&t[10 + hl..], &[97, 0, 0, 0, 98, 0, 0, 0, 0xe9, 0, 0, 0, 0, 0, 0, 0]);
    }
}

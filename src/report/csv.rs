//! `report --format csv`: events flattened to one row each, columns named by dotted ECS
//! paths. With `--fields` rows stream out as they come; without, every field seen becomes a
//! column (in order of first appearance), so rows are spooled to an anonymous temporary file
//! until the last column is known, keeping memory bounded.

use crate::event::scan;
use crate::fasthash::FastMap;
use crate::io::{EventStage, InputFile, LineRef, Outcome, Reason, Records};
use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};

/// One event as (column, cell) pairs: byte ranges of `text`, which holds every path and
/// every cell of the event, so a row is two allocations however many fields it has.
pub struct Row {
    text: String,
    cells: Vec<[u32; 4]>,
}

impl Row {
    fn cells(&self) -> impl Iterator<Item = (&str, &str)> {
        self.cells.iter().map(|&[a, b, c, d]| (&self.text[a as usize..b as usize], &self.text[c as usize..d as usize]))
    }
}

/// Scalars become cells (null empty, strings unquoted, numbers as written); arrays become
/// their JSON text.
fn flatten(line: &str) -> Result<Row, Reason> {
    let mut text = String::with_capacity(line.len() * 2);
    let mut paths: Vec<(u32, u32)> = Vec::with_capacity(32);
    let mut leaves = Vec::with_capacity(32);
    scan::scan_leaves(
        line,
        &mut |path| {
            let start = text.len() as u32;
            text.push_str(path);
            paths.push((start, text.len() as u32));
        },
        &mut leaves,
    )?;
    let mut cells = Vec::with_capacity(leaves.len());
    for (leaf, (a, b)) in leaves.iter().zip(paths) {
        let value = leaf.text_or_reject(line)?;
        let c = text.len() as u32;
        if leaf.string || value != "null" {
            text.push_str(&value);
        }
        cells.push([a, b, c, text.len() as u32]);
    }
    Ok(Row { text, cells })
}

pub struct CsvExport {
    fields: Vec<String>,
}

pub struct State {
    columns: Vec<String>,
    index: FastMap<String, u32>,
    /// `--fields`: the header is written before the first row.
    header_written: bool,
    /// Without `--fields`: rows as (column, cell) pairs until the columns are known.
    spool: Option<BufWriter<File>>,
    /// The spooled record being built (kept to reuse its allocation).
    record: Vec<u8>,
    rows: u64,
    error: Option<std::io::Error>,
}

impl CsvExport {
    pub fn new(fields: Vec<String>) -> Self {
        CsvExport { fields }
    }
}

impl CsvExport {
    /// The state of the ordered pass: where rows wait until every column is known.
    pub fn state(&self) -> Result<State> {
        let spool = match self.fields.is_empty() {
            true => Some(BufWriter::with_capacity(
                1 << 16,
                tempfile::tempfile().context("cannot create a temporary file for CSV rows")?,
            )),
            false => None,
        };
        Ok(State {
            columns: self.fields.clone(),
            index: self.fields.iter().enumerate().map(|(i, f)| (f.clone(), i as u32)).collect(),
            header_written: false,
            spool,
            record: Vec::new(),
            rows: 0,
            error: None,
        })
    }
}

impl EventStage for CsvExport {
    type Worker = ();
    type Pending = Row;
    type Ordered = State;
    type Summary = ();

    fn worker(&self) {}

    fn process(&self, _: &mut (), _: &InputFile, line: &LineRef<'_>, out: &mut Records<Row>) -> Outcome {
        match flatten(line.text) {
            Ok(row) => {
                out.mark(row);
                Outcome::Emitted
            }
            Err(reason) => Outcome::Rejected(reason),
        }
    }

    fn complete(&self, st: &mut State, row: Row, out: &mut Vec<u8>) {
        st.rows += 1;
        let Some(spool) = st.spool.as_mut() else {
            if !st.header_written {
                write_record(out, st.columns.iter().map(String::as_bytes));
                st.header_written = true;
            }
            let mut cells = vec![""; st.columns.len()];
            for (k, v) in row.cells() {
                if let Some(&i) = st.index.get(k) {
                    cells[i as usize] = v;
                }
            }
            write_record(out, cells.into_iter().map(str::as_bytes));
            return;
        };
        // Spooled as: cell count, then per cell its column and its length and bytes.
        let mut rec = std::mem::take(&mut st.record);
        rec.clear();
        rec.extend_from_slice(&(row.cells.len() as u32).to_le_bytes());
        for (k, v) in row.cells() {
            let i = match st.index.get(k) {
                Some(&i) => i,
                None => {
                    st.columns.push(k.to_string());
                    st.index.insert(k.to_string(), st.columns.len() as u32 - 1);
                    st.columns.len() as u32 - 1
                }
            };
            rec.extend_from_slice(&i.to_le_bytes());
            rec.extend_from_slice(&(v.len() as u32).to_le_bytes());
            rec.extend_from_slice(v.as_bytes());
        }
        if st.error.is_none() {
            st.error = spool.write_all(&rec).err();
        }
        st.record = rec;
    }

    fn finish(&self, st: State, out: &mut dyn Write) -> Result<()> {
        if let Some(e) = st.error {
            return Err(e).context("cannot write CSV rows to the temporary file");
        }
        let Some(spool) = st.spool else {
            if !st.header_written {
                let mut header = Vec::new();
                write_record(&mut header, st.columns.iter().map(String::as_bytes));
                out.write_all(&header)?;
            }
            return Ok(());
        };
        let mut file = spool.into_inner().map_err(|e| e.into_error()).context("cannot write CSV rows")?;
        file.rewind()?;
        let mut r = BufReader::with_capacity(1 << 16, file);
        let mut line = Vec::with_capacity(1 << 16);
        write_record(&mut line, st.columns.iter().map(String::as_bytes));
        // One row's cell bytes, and each column's range in them (empty when absent).
        let mut bytes = Vec::new();
        let mut ranges = vec![0..0; st.columns.len()];
        for _ in 0..st.rows {
            if line.len() >= 1 << 15 {
                out.write_all(&line)?;
                line.clear();
            }
            bytes.clear();
            ranges.iter_mut().for_each(|r| *r = 0..0);
            for _ in 0..read_u32(&mut r)? {
                let i = read_u32(&mut r)? as usize;
                let len = read_u32(&mut r)? as usize;
                let start = bytes.len();
                bytes.resize(start + len, 0);
                r.read_exact(&mut bytes[start..]).context("temporary CSV file ended early")?;
                *ranges.get_mut(i).context("temporary CSV file damaged")? = start..start + len;
            }
            write_record(&mut line, ranges.iter().map(|r| &bytes[r.clone()]));
        }
        out.write_all(&line)?;
        Ok(())
    }
}

/// Short cells, most of them, are checked in place; long ones by memchr's vector search.
fn needs_quotes(cell: &[u8]) -> bool {
    let special = |b: &u8| matches!(b, b',' | b'"' | b'\n' | b'\r');
    match cell.len() {
        0..32 => cell.iter().any(special),
        _ => memchr::memchr3(b',', b'"', b'\n', cell).is_some() || memchr::memchr(b'\r', cell).is_some(),
    }
}

fn read_u32(r: &mut impl Read) -> Result<u32> {
    let mut b = [0; 4];
    r.read_exact(&mut b).context("temporary CSV file ended early")?;
    Ok(u32::from_le_bytes(b))
}

/// Appends one CSV record: RFC 4180 quoting (a field holding a comma, quote or line break is
/// quoted, quotes doubled), `\n` line ends. (The `csv` crate's writer cannot hand back its
/// buffer per record without a copy per row, and this is all it would do here.)
fn write_record<'a>(out: &mut Vec<u8>, cells: impl Iterator<Item = &'a [u8]>) {
    let (mut fields, mut last_empty) = (0, false);
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if needs_quotes(cell) {
            out.push(b'"');
            let mut rest = cell;
            while let Some(q) = memchr::memchr(b'"', rest) {
                out.extend_from_slice(&rest[..=q]);
                out.push(b'"');
                rest = &rest[q + 1..];
            }
            out.extend_from_slice(rest);
            out.push(b'"');
        } else {
            out.extend_from_slice(cell);
        }
        fields = i + 1;
        last_empty = cell.is_empty();
    }
    if fields == 1 && last_empty {
        // A record of one empty field would read back as a blank line.
        out.extend_from_slice(b"\"\"");
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_nested_objects_and_keeps_arrays_as_json() {
        let row = flatten(r#"{"a":{"b":1.50,"c":[1,"x"]},"d":null,"e":"t,\"q\"","f":false}"#).unwrap();
        let cells: Vec<(&str, &str)> = row.cells().collect();
        assert_eq!(cells, [("a.b", "1.50"), ("a.c", "[1,\"x\"]"), ("d", ""), ("e", "t,\"q\""), ("f", "false")]);
        let mut line = Vec::new();
        write_record(&mut line, cells.iter().map(|c| c.1.as_bytes()));
        assert_eq!(String::from_utf8(line).unwrap(), "1.50,\"[1,\"\"x\"\"]\",,\"t,\"\"q\"\"\",false\n");
        let mut line = Vec::new();
        write_record(&mut line, [&b""[..]].into_iter());
        assert_eq!(line, b"\"\"\n");
    }
}

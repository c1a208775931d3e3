//! `report --format csv`: events flattened to one row each, columns named by dotted ECS
//! paths. With `--fields` rows stream out as they come; without, every field seen becomes a
//! column (in order of first appearance), so rows are spooled to an anonymous temporary file
//! until the last column is known, keeping memory bounded.

use crate::event;
use crate::io::stage::Output;
use crate::io::{LineRef, Outcome, Source, Stage};
use crate::fasthash::FastMap;
use anyhow::{Context, Result};
use serde_json::Value;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};

/// One event as (column, cell) pairs.
pub struct Row(Vec<(String, String)>);

pub struct CsvExport {
    fields: Vec<String>,
}

pub struct State {
    columns: Vec<String>,
    index: FastMap<String, usize>,
    /// `--fields`: the header is written before the first row.
    header_written: bool,
    /// Without `--fields`: rows as (column, cell) pairs until the columns are known.
    spool: Option<BufWriter<File>>,
    rows: u64,
    error: Option<std::io::Error>,
}

impl CsvExport {
    pub fn new(fields: Vec<String>) -> Self {
        CsvExport { fields }
    }
}

impl Stage for CsvExport {
    type File = ();
    type Seq = ();
    type Pending = Row;
    type Ordered = State;

    fn open_file(&self, _: &Source, _: &[String]) -> ((), ()) {
        ((), ())
    }

    fn process(&self, _: &(), _: &(), _: &Source, line: &LineRef<'_>, out: &mut Output<Row>) -> Outcome {
        match event::read_event(line.text, "report") {
            Ok(v) => {
                let mut cells = Vec::new();
                flatten(&v, &mut String::new(), &mut cells);
                out.mark(Row(cells));
                Outcome::Emitted
            }
            Err(reason) => Outcome::Rejected(reason),
        }
    }

    fn ordered(&self) -> Result<State> {
        let spool = match self.fields.is_empty() {
            true => Some(BufWriter::new(tempfile::tempfile().context("cannot create a temporary file for CSV rows")?)),
            false => None,
        };
        Ok(State {
            columns: self.fields.clone(),
            index: self.fields.iter().enumerate().map(|(i, f)| (f.clone(), i)).collect(),
            header_written: false,
            spool,
            rows: 0,
            error: None,
        })
    }

    fn complete(&self, st: &mut State, row: Row, out: &mut Vec<u8>) {
        st.rows += 1;
        if st.spool.is_none() {
            if !st.header_written {
                write_record(out, st.columns.iter().map(String::as_str));
                st.header_written = true;
            }
            let mut cells = vec![""; st.columns.len()];
            for (k, v) in &row.0 {
                if let Some(&i) = st.index.get(k) {
                    cells[i] = v;
                }
            }
            write_record(out, cells.into_iter());
            return;
        }
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(&(row.0.len() as u32).to_le_bytes());
        for (k, v) in &row.0 {
            let i = match st.index.get(k) {
                Some(&i) => i,
                None => {
                    st.columns.push(k.clone());
                    st.index.insert(k.clone(), st.columns.len() - 1);
                    st.columns.len() - 1
                }
            };
            buf.extend_from_slice(&(i as u32).to_le_bytes());
            buf.extend_from_slice(&(v.len() as u32).to_le_bytes());
            buf.extend_from_slice(v.as_bytes());
        }
        if let (Some(spool), None) = (st.spool.as_mut(), &st.error) {
            st.error = spool.write_all(&buf).err();
        }
    }

    fn finish(&self, st: State, out: &mut dyn Write) -> Result<()> {
        if let Some(e) = st.error {
            return Err(e).context("cannot write CSV rows to the temporary file");
        }
        let Some(spool) = st.spool else {
            if !st.header_written {
                let mut header = Vec::new();
                write_record(&mut header, st.columns.iter().map(String::as_str));
                out.write_all(&header)?;
            }
            return Ok(());
        };
        let mut file = spool.into_inner().map_err(|e| e.into_error()).context("cannot write CSV rows")?;
        file.rewind()?;
        let mut r = BufReader::with_capacity(1 << 16, file);
        let mut line = Vec::with_capacity(1 << 12);
        write_record(&mut line, st.columns.iter().map(String::as_str));
        let mut cells: Vec<String> = vec![String::new(); st.columns.len()];
        for _ in 0..st.rows {
            out.write_all(&line)?;
            line.clear();
            cells.iter_mut().for_each(String::clear);
            for _ in 0..read_u32(&mut r)? {
                let i = read_u32(&mut r)? as usize;
                let mut v = vec![0; read_u32(&mut r)? as usize];
                r.read_exact(&mut v)?;
                cells[i] = String::from_utf8(v).context("temporary CSV file damaged")?;
            }
            write_record(&mut line, cells.iter().map(String::as_str));
        }
        out.write_all(&line)?;
        Ok(())
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
fn write_record<'a>(out: &mut Vec<u8>, cells: impl Iterator<Item = &'a str>) {
    let (mut fields, mut last_empty) = (0, false);
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if cell.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
            out.push(b'"');
            for b in cell.bytes() {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(cell.as_bytes());
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

/// Scalars become cells (null empty, strings unquoted); arrays become their JSON text.
fn flatten(v: &Value, path: &mut String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                flatten(child, path, out);
                path.truncate(len);
            }
        }
        Value::Null => out.push((path.clone(), String::new())),
        Value::String(s) => out.push((path.clone(), s.clone())),
        other => out.push((path.clone(), other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_nested_objects_and_keeps_arrays_as_json() {
        let v: Value = serde_json::from_str(r#"{"a":{"b":1,"c":[1,"x"]},"d":null,"e":"t,\"q\""}"#).unwrap();
        let mut cells = Vec::new();
        flatten(&v, &mut String::new(), &mut cells);
        let want = [("a.b", "1"), ("a.c", "[1,\"x\"]"), ("d", ""), ("e", "t,\"q\"")];
        assert_eq!(cells, want.map(|(k, v)| (k.to_string(), v.to_string())));
        let mut line = Vec::new();
        write_record(&mut line, cells.iter().map(|c| c.1.as_str()));
        assert_eq!(String::from_utf8(line).unwrap(), "1,\"[1,\"\"x\"\"]\",,\"t,\"\"q\"\"\"\n");
        let mut line = Vec::new();
        write_record(&mut line, [""].into_iter());
        assert_eq!(line, b"\"\"\n");
    }
}

//! GeoIP lookups in MaxMind DB files (GeoIP2/GeoLite2 City, Country and ASN, DB-IP's
//! compatible files): `source.ip` → `source.geo.*` and `source.as.*`, and the same for
//! `destination.ip`. Several files may be given (a City and an ASN database, typically).

use anyhow::{Context, Result};
use serde_json::{json, Map, Value};
use std::net::IpAddr;
use std::path::Path;

pub struct GeoDb {
    reader: maxminddb::Reader<Vec<u8>>,
    pub name: String,
}

/// A JSON object (an ECS `geo` or `as` object).
type Object = Map<String, Value>;

impl GeoDb {
    /// Reads a database of at most `limit` bytes (`--side-file-limit`).
    pub fn open(path: &Path, limit: u64) -> Result<GeoDb> {
        std::fs::metadata(path)
            .with_context(|| format!("cannot open GeoIP database '{}' (a MaxMind DB .mmdb file)", path.display()))?;
        let bytes = crate::io::files::read_limited(path, "GeoIP database", limit, Some("--side-file-limit"))?;
        let reader = maxminddb::Reader::from_source(bytes)
            .with_context(|| format!("cannot open GeoIP database '{}' (a MaxMind DB .mmdb file)", path.display()))?;
        let name = reader.metadata().database_type.clone();
        Ok(GeoDb { reader, name })
    }

    /// ECS `geo` and `as` objects for an address, when the database knows it.
    pub fn lookup(&self, ip: IpAddr) -> (Option<Object>, Option<Object>) {
        let record: Option<Value> = self.reader.lookup(ip).ok().and_then(|r| r.decode::<Value>().ok().flatten());
        let Some(r) = record else { return (None, None) };
        (geo_fields(&r), as_fields(&r))
    }
}

fn en(v: &Value, path: &str) -> Option<Value> {
    let mut cur = v;
    for k in path.split('.') {
        cur = cur.get(k)?;
    }
    Some(cur.clone())
}

fn geo_fields(r: &Value) -> Option<Map<String, Value>> {
    let mut g = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v.filter(|v| !v.is_null()) {
            g.insert(k.to_string(), v);
        }
    };
    put("city_name", en(r, "city.names.en"));
    put("continent_code", en(r, "continent.code"));
    put("continent_name", en(r, "continent.names.en"));
    put("country_iso_code", en(r, "country.iso_code"));
    put("country_name", en(r, "country.names.en"));
    put("postal_code", en(r, "postal.code"));
    put("timezone", en(r, "location.time_zone"));
    if let (Some(lat), Some(lon)) = (en(r, "location.latitude"), en(r, "location.longitude")) {
        put("location", Some(json!({"lat": lat, "lon": lon})));
    }
    if let Some(sub) = r.get("subdivisions").and_then(|s| s.get(0)) {
        put("region_name", en(sub, "names.en"));
        if let (Some(Value::String(c)), Some(Value::String(s))) = (en(r, "country.iso_code"), en(sub, "iso_code")) {
            put("region_iso_code", Some(Value::String(format!("{c}-{s}"))));
        }
    }
    (!g.is_empty()).then_some(g)
}

fn as_fields(r: &Value) -> Option<Map<String, Value>> {
    let number = r.get("autonomous_system_number")?.clone();
    let mut a = Map::new();
    a.insert("number".into(), number);
    if let Some(org) = r.get("autonomous_system_organization") {
        a.insert("organization".into(), json!({"name": org}));
    }
    Some(a)
}

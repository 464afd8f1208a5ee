//! Object storage: where recordings' bytes live. One `Store` over the backends (a local
//! directory by default; the S3 API for DigitalOcean Spaces, AWS S3 or MinIO), keys the server
//! makes and namespaces by workspace, signed URLs the browser uploads and downloads through, and
//! the per-workspace byte count.

pub mod api;
#[cfg(feature = "ssr")]
pub mod cdn;
#[cfg(feature = "ssr")]
pub mod keys;
#[cfg(feature = "ssr")]
pub mod local;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod public;
#[cfg(feature = "ssr")]
pub mod s3;
#[cfg(feature = "ssr")]
pub mod signing;
#[cfg(feature = "ssr")]
pub mod stats;
#[cfg(feature = "ssr")]
pub mod usage;

#[cfg(feature = "ssr")]
pub use store::*;

#[cfg(feature = "ssr")]
mod store;

/// Public objects (logos) are small and kept whole in memory when served.
pub const MAX_PUBLIC_OBJECT_BYTES: usize = 512 * 1024;
/// How long browsers and the CDN may keep a public object; a change purges the CDN, and its URL
/// carries a version for browsers.
pub const PUBLIC_CACHE_CONTROL: &str = "public, max-age=3600";

/// S3's smallest part (except the last) is 5 MiB; parts of 8 MiB or more keep a 1 GiB file to
/// 128 requests.
pub const MIN_PART_SIZE: u64 = 8 * 1024 * 1024;
/// S3 allows 10,000 parts per upload.
pub const MAX_PARTS: u64 = 10_000;

/// How a file of `size` bytes is cut: (part size, number of parts).
pub fn plan_parts(size: u64) -> (u64, u64) {
    let part_size = MIN_PART_SIZE.max(size.div_ceil(MAX_PARTS));
    (part_size, size.div_ceil(part_size).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_at_least_8_mib_and_never_more_than_10000() {
        assert_eq!(plan_parts(1), (MIN_PART_SIZE, 1));
        assert_eq!(plan_parts(MIN_PART_SIZE), (MIN_PART_SIZE, 1));
        assert_eq!(plan_parts(MIN_PART_SIZE + 1), (MIN_PART_SIZE, 2));
        assert_eq!(plan_parts(500 * 1024 * 1024), (MIN_PART_SIZE, 63));
        let huge = 200 * 1024 * 1024 * 1024_u64;
        let (size, count) = plan_parts(huge);
        assert!(count <= MAX_PARTS && size * count >= huge, "{size} × {count}");
    }
}

/// The Storage page's figures.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StorageView {
    pub workspace_name: String,
    pub bytes: i64,
    pub objects: i64,
    pub trash_bytes: i64,
    pub max_upload_bytes: u64,
    pub reconciled_at: Option<String>,
    pub by_format: Vec<FormatTotal>,
    /// The last 30 days, oldest first.
    pub daily: Vec<DayTotal>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FormatTotal {
    pub format: String,
    pub bytes: i64,
    pub count: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DayTotal {
    /// "11-26"
    pub day: String,
    pub bytes: i64,
}

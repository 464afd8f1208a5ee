//! Recordings: audio files a workspace uploads (in parts, straight to storage, resumable), checks
//! by content, lists, plays, downloads, renames and deletes through a trash.

pub mod api;
pub mod cuts;
#[cfg(feature = "ssr")]
pub mod derived;
#[cfg(feature = "ssr")]
pub mod edits;
mod family_parts;
pub mod filter;
#[cfg(feature = "ssr")]
pub mod housekeeping;
#[cfg(feature = "ssr")]
pub mod import;
pub mod import_page;
#[cfg(feature = "ssr")]
pub mod inspect;
#[cfg(feature = "ssr")]
pub mod library;
mod library_parts;
pub mod pages;
pub mod speech;
#[cfg(feature = "ssr")]
pub mod tags;
#[cfg(feature = "hydrate")]
mod upload_client;
pub mod uploader;
#[cfg(feature = "ssr")]
pub mod uploads;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordingStatus {
    Uploading,
    Checking,
    Ready,
    Rejected,
    /// From the first AudioTricks' history: a transcript without audio.
    Imported,
    /// An edited version whose audio is being made (see `edits`).
    Rendering,
}

impl RecordingStatus {
    pub fn key(self) -> &'static str {
        match self {
            Self::Uploading => "uploading",
            Self::Checking => "checking",
            Self::Ready => "ready",
            Self::Rejected => "rejected",
            Self::Imported => "imported",
            Self::Rendering => "rendering",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [
            Self::Uploading,
            Self::Checking,
            Self::Ready,
            Self::Rejected,
            Self::Imported,
            Self::Rendering,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Uploading => "Uploading",
            Self::Checking => "Checking",
            Self::Ready => "Ready",
            Self::Rejected => "Rejected",
            Self::Imported => "Imported",
            Self::Rendering => "Being made",
        }
    }
}

/// What importing the old app's history came to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub imported: Vec<ImportedItem>,
    /// Titles of entries imported before.
    pub skipped: Vec<String>,
    /// Entries not imported, each with why.
    pub problems: Vec<String>,
    /// Imported, with something left out.
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedItem {
    pub id: String,
    pub title: String,
}

/// One recording as the library lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingItem {
    pub id: String,
    pub title: String,
    pub file_name: String,
    pub status: RecordingStatus,
    pub rejection: Option<String>,
    pub size_bytes: i64,
    pub duration_ms: Option<i64>,
    /// "MP3", "WAV"… as found in the content.
    pub format: Option<String>,
    pub codec: Option<String>,
    pub sample_rate: Option<i32>,
    pub channels: Option<i32>,
    pub uploaded_by: String,
    pub created_at: String,
    /// In the trash: when it goes for good.
    pub purge_after: Option<String>,
    /// Where its transcription stands (stage, percent within it), once queued.
    pub transcription: Option<(crate::transcription::Stage, i16)>,
    /// Lower case, sorted.
    pub tags: Vec<String>,
    /// With a search: the transcript around the match, the matched words between the marks
    /// `library::MATCH_START` and `MATCH_END`.
    pub snippet: Option<String>,
}

/// One recording's page: the recording and short-lived links to its file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingDetail {
    pub recording: RecordingItem,
    pub workspace_name: String,
    /// For the player (inline), while the recording is ready and not in the trash.
    pub play_url: Option<String>,
    pub download_url: Option<String>,
    pub can_edit: bool,
    pub can_delete: bool,
    /// How this member got it when their role alone would not let them: a share.
    pub shared_with_me: Option<crate::sharing::ShareAccess>,
    /// Shares and public links, for those who may share it.
    pub sharing: Option<crate::sharing::SharingOverview>,
    /// The versions of its original (itself included), when it has been cut.
    pub versions: Vec<RecordingVersion>,
    /// Read-aloud recordings made from it, or (when it is one) what it was read from.
    pub spoken: Vec<speech::SpokenLink>,
}

/// One version of a recording: the original (1) or an edit with passages cut out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingVersion {
    pub id: String,
    pub title: String,
    pub version: i32,
    /// The one on this page.
    pub current: bool,
    pub rendering: bool,
    pub duration_ms: Option<i64>,
    pub removed_ms: Option<i64>,
    pub passages: Option<i32>,
}

/// An upload left unfinished (say, by a reload): pick the same file to carry on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnfinishedUpload {
    pub recording_id: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub file_modified_ms: Option<i64>,
    pub parts_done: i64,
    pub part_count: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryView {
    pub workspace_name: String,
    pub recordings: Vec<RecordingItem>,
    /// Set when there are more: the page after this one.
    pub next_page: Option<u32>,
    pub unfinished: Vec<UnfinishedUpload>,
    pub can_upload: bool,
    pub can_edit: bool,
    pub can_delete: bool,
    /// The member's role does not let them read the library: it lists what is shared with them.
    pub shared_only: bool,
    pub max_upload_bytes: u64,
    pub trash_days: u32,
    /// Every tag in use on recordings the member can see, for the filter.
    pub tags: Vec<String>,
    /// Everyone named as a speaker in transcripts the member can see, for the filter.
    pub speakers: Vec<String>,
}

/// What the browser needs to send a file: how it is cut and which parts the store already has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadPlan {
    pub recording_id: String,
    pub part_size: u64,
    pub part_count: u32,
    /// Parts already stored (a resumed upload skips them), with their ETags.
    pub done: Vec<PartDone>,
}

/// A part the browser sent and the ETag the store answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartDone {
    pub number: u32,
    pub etag: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartUrl {
    pub number: u32,
    pub url: String,
}

/// At most this many part URLs per request (the browser asks for the next batch as it goes).
pub const URL_BATCH: usize = 16;

/// "3.2 MB", "1.1 GB" (decimal units, as file managers show).
/// A recording's page.
pub fn recording_path(slug: &str, id: &str) -> String {
    format!(
        "/w/{}/recordings/{}",
        crate::ui::url_encode(slug),
        crate::ui::url_encode(id)
    )
}

pub fn size_in_words(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    match bytes {
        i64::MIN..1_000 => format!("{} B", bytes.max(0)),
        1_000..1_000_000 => format!("{:.0} kB", b / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", b / 1e6),
        _ => format!("{:.2} GB", b / 1e9),
    }
}

/// "4:05", "1:02:03".
pub fn duration_in_words(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_naturally() {
        assert_eq!(size_in_words(999), "999 B");
        assert_eq!(size_in_words(3_200_000), "3.2 MB");
        assert_eq!(size_in_words(2_147_483_648), "2.15 GB");
        assert_eq!(duration_in_words(245_900), "4:05");
        assert_eq!(duration_in_words(3_723_000), "1:02:03");
        assert_eq!(duration_in_words(0), "0:00");
    }
}

/// Marks around the words a search found in a snippet (control characters, never in text).
pub mod library_marks {
    pub const MATCH_START: char = '\u{2}';
    pub const MATCH_END: char = '\u{3}';
}

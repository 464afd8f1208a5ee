//! Sharing one resource: with chosen members of its workspace (view or edit, beyond what their
//! role gives them), or with anyone through a public link (128-bit token, optional expiry and
//! password, revocable, counted). Generic over the kind of resource; recordings are the first.

pub mod api;
#[cfg(feature = "ssr")]
pub mod links;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod public;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

/// What kind of thing is shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResourceKind {
    Recording,
}

impl ResourceKind {
    pub fn key(self) -> &'static str {
        match self {
            Self::Recording => "recording",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "recording" => Some(Self::Recording),
            _ => None,
        }
    }
}

/// What a share lets a member do with the one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShareAccess {
    View,
    Edit,
}

impl ShareAccess {
    pub fn key(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Edit => "edit",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "view" => Some(Self::View),
            "edit" => Some(Self::Edit),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::View => "Can view",
            Self::Edit => "Can edit",
        }
    }
}

/// A member the resource is shared with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareEntry {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub access: ShareAccess,
    pub shared_at: String,
}

/// A member it could be shared with: their role does not already let them edit everything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareCandidate {
    pub user_id: String,
    pub name: String,
    pub role_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicLinkItem {
    pub id: String,
    /// The full link to copy (kept sealed; absent if MASTER_KEY no longer opens it).
    pub url: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub expires_at: Option<String>,
    pub live: bool,
    /// "Revoked", "Expired" or "Active".
    pub state: String,
    pub has_password: bool,
    pub views: i64,
    pub last_viewed_at: Option<String>,
}

/// Who a resource is shared with and its public links, for those who may share it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingOverview {
    pub kind: ResourceKind,
    pub resource_id: String,
    pub shares: Vec<ShareEntry>,
    pub candidates: Vec<ShareCandidate>,
    pub links: Vec<PublicLinkItem>,
    /// Public links need MASTER_KEY (their tokens are kept sealed).
    pub links_available: bool,
}

/// Expiry choices for a public link: days (0 = never) and label.
pub const LINK_EXPIRY_CHOICES: &[(u32, &str)] = &[
    (0, "Never"),
    (1, "After 1 day"),
    (7, "After 7 days"),
    (30, "After 30 days"),
    (90, "After 90 days"),
];

/// What a public link shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PublicView {
    /// The link asks for a password first (nothing about the resource is shown until then).
    Locked,
    Open(SharedResource),
    /// The link does not work (never existed, revoked, expired, or its resource is gone).
    Gone(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SharedResource {
    Recording(PublicRecording),
}

/// A recording as its public link shows it: read-only, nothing else of the workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicRecording {
    pub title: String,
    pub duration_ms: Option<i64>,
    pub format: Option<String>,
    pub uploaded_at: String,
    pub play_url: Option<String>,
    pub link_expires_at: Option<String>,
    pub transcript: Option<crate::transcription::TranscriptBody>,
    pub summary: Option<crate::transcription::SummaryView>,
}

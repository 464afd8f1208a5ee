//! Platform administration: the operators' view of every account, with lock/unlock, force
//! log-out and resend verification. Only platform admins (`audiotricks admin create`) get in.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

/// Accounts per page of the Admin users list.
pub const PAGE_SIZE: usize = 50;

/// One account in the Admin users list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub verified: bool,
    pub locked: bool,
    pub two_factor: bool,
    pub platform_admin: bool,
    pub created_at: String,
    pub last_seen_at: Option<String>,
    pub active_sessions: i64,
}

/// One account with its recent security activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUserDetail {
    pub user: AdminUser,
    pub events: Vec<crate::accounts::SecurityEventInfo>,
}

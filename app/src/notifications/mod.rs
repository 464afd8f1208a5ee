//! Notifications: the bell in the top bar (invitations, changes to your memberships, your team's
//! comings and goings, things shared with you) and, per category, whether each also arrives by email.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

/// What a notification is about. Each category has its own email preference, except invitations:
/// their email is the invitation itself and always goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Category {
    Invitations,
    Membership,
    Team,
    Shares,
}

impl Category {
    /// Those with an email preference, in the order the preferences page lists them.
    pub const CONFIGURABLE: [Category; 3] = [Category::Membership, Category::Team, Category::Shares];

    pub fn key(self) -> &'static str {
        match self {
            Category::Invitations => "invitations",
            Category::Membership => "membership",
            Category::Team => "team",
            Category::Shares => "shares",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [
            Category::Invitations,
            Category::Membership,
            Category::Team,
            Category::Shares,
        ]
        .into_iter()
        .find(|c| c.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Invitations => "Invitations",
            Category::Membership => "Your memberships",
            Category::Team => "Your team",
            Category::Shares => "Shared with you",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Category::Invitations => "Someone invites you to a workspace.",
            Category::Membership => {
                "Your role changes, you are removed, a workspace is handed to you, or a workspace you belong to is deleted or restored."
            }
            Category::Team => "Someone accepts an invitation you sent, or leaves a workspace you own.",
            Category::Shares => "Someone shares a recording with you, or lets you edit one.",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationItem {
    pub id: String,
    pub category: Category,
    pub title: String,
    pub link: Option<String>,
    /// "5 minutes ago".
    pub ago: String,
    pub at: String,
    pub unread: bool,
}

/// What the bell shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub unread: i64,
    pub recent: Vec<NotificationItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPage {
    pub items: Vec<NotificationItem>,
    pub unread: i64,
    /// Set when there are older ones: the page after this.
    pub next_page: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preference {
    pub category: Category,
    pub email: bool,
}

/// "just now", "5 minutes ago", "3 hours ago", "2 days ago"; older than a week gives `None`
/// (show the date instead).
pub fn ago_in_words(secs: i64) -> Option<String> {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    Some(match secs {
        i64::MIN..=59 => "just now".to_owned(),
        60..=3599 => plural(secs / 60, "minute"),
        3600..=86_399 => plural(secs / 3600, "hour"),
        86_400..=604_799 => plural(secs / 86_400, "day"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_words_and_stop_after_a_week() {
        assert_eq!(ago_in_words(-3).as_deref(), Some("just now"));
        assert_eq!(ago_in_words(59).as_deref(), Some("just now"));
        assert_eq!(ago_in_words(60).as_deref(), Some("1 minute ago"));
        assert_eq!(ago_in_words(7199).as_deref(), Some("1 hour ago"));
        assert_eq!(ago_in_words(7200).as_deref(), Some("2 hours ago"));
        assert_eq!(ago_in_words(6 * 86_400).as_deref(), Some("6 days ago"));
        assert_eq!(ago_in_words(7 * 86_400), None);
    }

    #[test]
    fn category_keys_round_trip() {
        for c in [
            Category::Invitations,
            Category::Membership,
            Category::Team,
            Category::Shares,
        ] {
            assert_eq!(Category::from_key(c.key()), Some(c));
        }
        assert_eq!(Category::from_key("sharing"), None);
    }
}

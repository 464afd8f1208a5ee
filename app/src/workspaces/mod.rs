//! Workspaces: every piece of data belongs to one, members have a role, and PostgreSQL
//! Row-Level Security keeps each workspace's rows to itself (see `tenant`).

#[cfg(feature = "ssr")]
pub mod activity;
pub mod api;
#[cfg(feature = "ssr")]
pub mod housekeeping;
#[cfg(feature = "ssr")]
pub mod invitations;
#[cfg(feature = "ssr")]
pub mod logo;
#[cfg(feature = "ssr")]
pub mod members;
pub mod members_pages;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod registry;
#[cfg(feature = "ssr")]
pub mod roles;
pub mod roles_page;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod tenant;

use serde::{Deserialize, Serialize};

/// What a member may do. Each workspace-scoped server function checks exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    TranscriptsRead,
    TranscriptsCreate,
    TranscriptsEdit,
    TranscriptsDelete,
    TranscriptsShare,
    MembersManage,
    RolesManage,
    SettingsManage,
    BillingManage,
    ApiKeysManage,
    AuditRead,
    WorkspaceDelete,
}

/// What a workspace-scoped action needs: just being a member (seeing who else is, leaving), one
/// permission, or one permission over one resource, which a share of that resource can also give
/// (`sharing::service::authorize_resource` checks it once it knows the resource).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Membership,
    Permission(Permission),
    Resource(Permission),
}

impl From<Permission> for Need {
    fn from(permission: Permission) -> Self {
        Need::Permission(permission)
    }
}

impl Permission {
    pub const ALL: [Permission; 12] = [
        Self::TranscriptsRead,
        Self::TranscriptsCreate,
        Self::TranscriptsEdit,
        Self::TranscriptsDelete,
        Self::TranscriptsShare,
        Self::MembersManage,
        Self::RolesManage,
        Self::SettingsManage,
        Self::BillingManage,
        Self::ApiKeysManage,
        Self::AuditRead,
        Self::WorkspaceDelete,
    ];

    /// The dotted name used in the audit log and the roles matrix.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }

    /// What it allows, for the Roles page.
    pub fn label(self) -> &'static str {
        match self {
            Self::TranscriptsRead => "Read recordings and transcripts",
            Self::TranscriptsCreate => "Upload and transcribe",
            Self::TranscriptsEdit => "Edit transcripts",
            Self::TranscriptsDelete => "Delete recordings",
            Self::TranscriptsShare => "Share with people and links",
            Self::MembersManage => "Invite and manage members",
            Self::RolesManage => "Manage roles",
            Self::SettingsManage => "Change workspace settings",
            Self::BillingManage => "Manage billing",
            Self::ApiKeysManage => "Manage provider API keys",
            Self::AuditRead => "Read the activity log",
            Self::WorkspaceDelete => "Delete the workspace (owner only)",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::TranscriptsRead => "transcripts.read",
            Self::TranscriptsCreate => "transcripts.create",
            Self::TranscriptsEdit => "transcripts.edit",
            Self::TranscriptsDelete => "transcripts.delete",
            Self::TranscriptsShare => "transcripts.share",
            Self::MembersManage => "members.manage",
            Self::RolesManage => "roles.manage",
            Self::SettingsManage => "settings.manage",
            Self::BillingManage => "billing.manage",
            Self::ApiKeysManage => "api_keys.manage",
            Self::AuditRead => "audit.read",
            Self::WorkspaceDelete => "workspace.delete",
        }
    }
}

/// The built-in roles, and `Custom` for a member with one of the workspace's own roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Owner,
    Admin,
    Member,
    Viewer,
    Custom,
}

impl Role {
    pub fn key(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
            Self::Viewer => "viewer",
            Self::Custom => "custom",
        }
    }

    pub const BUILT_IN: [Role; 4] = [Self::Owner, Self::Admin, Self::Member, Self::Viewer];

    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "owner" => Some(Self::Owner),
            "admin" => Some(Self::Admin),
            "member" => Some(Self::Member),
            "viewer" => Some(Self::Viewer),
            "custom" => Some(Self::Custom),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Owner => "Owner",
            Self::Admin => "Admin",
            Self::Member => "Member",
            Self::Viewer => "Viewer",
            Self::Custom => "Custom role",
        }
    }

    /// The built-in permission matrix (a custom role's permissions are its own).
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Self::Owner => true,
            Self::Admin => permission != WorkspaceDelete,
            Self::Member => matches!(
                permission,
                TranscriptsRead | TranscriptsCreate | TranscriptsEdit | TranscriptsShare
            ),
            Self::Viewer => permission == TranscriptsRead,
            Self::Custom => false,
        }
    }

    /// Whether a member with this built-in role meets `need`.
    pub fn meets(self, need: Need) -> bool {
        match need {
            Need::Membership => true,
            // Without a share, the role decides.
            Need::Permission(permission) | Need::Resource(permission) => self.can(permission),
        }
    }
}

/// A workspace in the switcher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSummary {
    pub slug: String,
    pub name: String,
    pub personal: bool,
    pub role: Role,
    /// The built-in role's label, or the custom role's name.
    pub role_name: String,
}

/// A workspace's settings as its Settings page shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSettings {
    pub slug: String,
    pub name: String,
    pub default_language: String,
    /// `local` or `openai` (`transcription::EngineChoice`).
    pub transcription_engine: String,
    /// `transcription::summary::SummaryStyle`'s key.
    pub summary_style: String,
    /// Empty: keep recordings until deleted.
    pub retention_days: Option<i32>,
    pub timezone: String,
    pub role: Role,
    pub role_name: String,
    pub can_manage: bool,
    pub can_read_activity: bool,
    pub can_manage_api_keys: bool,
    pub members: i64,
    pub personal: bool,
    /// The workspace's logo, when it has one.
    pub logo_url: Option<String>,
}

/// One member on the Members page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub role_name: String,
    /// The custom role's id, when `role` is `Custom`.
    pub custom_role_id: Option<String>,
    pub joined: String,
    pub you: bool,
}

/// An invitation not yet accepted or withdrawn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationInfo {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub expires_at: String,
    pub expired: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersView {
    pub workspace_name: String,
    pub slug: String,
    pub my_role: Role,
    pub can_manage: bool,
    /// The workspace's custom roles a member can be given: (id, name).
    pub custom_roles: Vec<(String, String)>,
    pub members: Vec<MemberInfo>,
    /// Only for those who manage members.
    pub invitations: Vec<InvitationInfo>,
}

/// What an invitation link shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub workspace_name: String,
    pub inviter: String,
    pub email: String,
    pub role: Role,
    pub expires_at: String,
    /// Not used, withdrawn or expired.
    pub usable: bool,
    pub signed_in_as: Option<String>,
    /// Signed in with the invited address.
    pub for_you: bool,
}

/// One custom role on the Roles page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomRoleInfo {
    pub id: String,
    pub name: String,
    pub permissions: Vec<Permission>,
    pub members: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolesView {
    pub workspace_name: String,
    pub slug: String,
    pub can_manage: bool,
    pub custom: Vec<CustomRoleInfo>,
}

/// A deleted workspace its owner can still restore.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedWorkspace {
    pub slug: String,
    pub name: String,
    pub purge_after: String,
}

/// One line of a workspace's activity feed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub id: i64,
    pub actor: String,
    /// What they did, after their name: "invited bob@example.com as Viewer".
    pub text: String,
    pub kind: String,
    pub at: String,
    /// Where to look, when there is a page for it.
    pub link: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub entries: Vec<ActivityEntry>,
    /// Members to filter by: (user id, name).
    pub members: Vec<(String, String)>,
    /// Set when there are older entries: the id to continue below.
    pub older: Option<i64>,
}

/// Kinds of activity to filter by: audit action and label.
pub const ACTIVITY_KINDS: &[(&str, &str)] = &[
    ("workspace.created", "Workspace created"),
    ("workspace.settings_updated", "Settings changed"),
    ("workspace.logo_changed", "Logo changed"),
    ("workspace.logo_removed", "Logo removed"),
    ("workspace.api_key_saved", "API keys saved"),
    ("workspace.api_key_removed", "API keys removed"),
    ("workspace.api_key_tested", "API keys tested"),
    ("workspace.member_invited", "Invitations"),
    ("workspace.invitation_revoked", "Invitations withdrawn"),
    ("workspace.member_joined", "Members joined"),
    ("workspace.member_role_changed", "Role changes"),
    ("workspace.member_removed", "Members removed"),
    ("workspace.member_left", "Members left"),
    ("workspace.ownership_transferred", "Ownership changes"),
    ("workspace.role_created", "Roles created"),
    ("workspace.role_updated", "Roles changed"),
    ("workspace.role_deleted", "Roles deleted"),
    ("workspace.deleted", "Workspace deleted"),
    ("workspace.restored", "Workspace restored"),
    ("recording.uploaded", "Uploads"),
    ("recording.checked", "Uploads checked"),
    ("recording.renamed", "Recordings renamed"),
    ("recording.tagged", "Recordings tagged"),
    ("recording.imported", "Imported from the first AudioTricks"),
    ("recording.cut", "Edited versions made"),
    ("recording.spoken", "Spoken aloud"),
    ("recording.trashed", "Recordings moved to the trash"),
    ("recording.restored", "Recordings restored"),
    ("recording.deleted", "Recordings deleted for good"),
    ("share.granted", "Shared with members"),
    ("share.changed", "Shares changed"),
    ("share.revoked", "Shares ended"),
    ("public_link.created", "Public links created"),
    ("public_link.revoked", "Public links revoked"),
    ("transcription.requested", "Transcriptions requested"),
    ("transcription.cancelled", "Transcriptions cancelled"),
    ("transcription.finished", "Transcriptions finished"),
    ("transcript.edited", "Transcripts edited"),
    ("transcript.restored", "Transcript versions restored"),
];

/// Transcription languages offered in settings: ISO 639-1 code and name.
pub const LANGUAGES: &[(&str, &str)] = &[
    ("auto", "Detect automatically"),
    ("en", "English"),
    ("de", "German"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("nl", "Dutch"),
    ("pt", "Portuguese"),
    ("zh", "Chinese"),
];

/// Time zones offered in settings (IANA names).
pub const TIMEZONES: &[&str] = &[
    "UTC",
    "Africa/Johannesburg",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/New_York",
    "America/Sao_Paulo",
    "America/Toronto",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Melbourne",
    "Australia/Perth",
    "Australia/Sydney",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Madrid",
    "Europe/Paris",
    "Pacific/Auckland",
];

/// A URL-safe slug from a name: lower-case letters, digits and single hyphens, 3 to 40 long.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_matches('-');
    let slug = if slug.len() < 3 {
        format!("{slug}-ws")
    } else {
        slug.to_owned()
    };
    if valid_slug(&slug) {
        slug
    } else {
        "workspace".to_owned()
    }
}

/// Whether `slug` is acceptable as a workspace address.
pub fn valid_slug(slug: &str) -> bool {
    let bytes = slug.as_bytes();
    (3..=40).contains(&slug.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[slug.len() - 1] != b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe_and_bounded() {
        assert_eq!(slugify("Ada Lovelace's Team!"), "ada-lovelace-s-team");
        assert_eq!(slugify("Ünïcode Ωmega"), "n-code-mega");
        assert_eq!(slugify("x"), "x-ws");
        assert_eq!(slugify("!!"), "workspace");
        assert!(valid_slug(&slugify("x")));
        assert!(slugify(&"long name ".repeat(10)).len() <= 40);
        assert!(valid_slug("acme-audio"));
        assert!(!valid_slug("-acme") && !valid_slug("ac") && !valid_slug("Acme") && !valid_slug("a_b_c"));
    }

    #[test]
    fn roles_follow_the_matrix() {
        assert!(Permission::ALL.iter().all(|p| Role::Owner.can(*p)));
        assert!(!Role::Admin.can(Permission::WorkspaceDelete) && Role::Admin.can(Permission::SettingsManage));
        assert!(Role::Member.can(Permission::TranscriptsEdit) && !Role::Member.can(Permission::SettingsManage));
        assert!(Role::Viewer.can(Permission::TranscriptsRead) && !Role::Viewer.can(Permission::TranscriptsEdit));
    }
}

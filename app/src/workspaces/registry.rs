//! Every server function, classified: workspace-scoped ones with the permission they check, and
//! the rest with why they are not. The cross-tenant matrix test calls each workspace-scoped one
//! as an outsider and as every built-in role, and fails on any server function missing here.

use super::{Need, Permission};

/// What a server function needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Workspace-scoped: a member, with this permission when it names one (for
    /// `Need::Resource`, from the role or a share of the resource).
    Workspace(Need),
    /// Not about one workspace's data: the signed-in user's own things, a capability token,
    /// platform administration, or public information.
    NotWorkspace,
}

/// (path, rule). Paths are as registered, under `/api`.
pub const SERVER_FNS: &[(&str, Rule)] = &[
    ("/api/workspaces/settings", Rule::Workspace(Need::Membership)),
    (
        "/api/workspaces/settings/update",
        Rule::Workspace(Need::Permission(Permission::SettingsManage)),
    ),
    ("/api/workspaces/members", Rule::Workspace(Need::Membership)),
    (
        "/api/workspaces/members/invite",
        Rule::Workspace(Need::Permission(Permission::MembersManage)),
    ),
    (
        "/api/workspaces/invitations/resend",
        Rule::Workspace(Need::Permission(Permission::MembersManage)),
    ),
    (
        "/api/workspaces/invitations/revoke",
        Rule::Workspace(Need::Permission(Permission::MembersManage)),
    ),
    (
        "/api/workspaces/members/role",
        Rule::Workspace(Need::Permission(Permission::MembersManage)),
    ),
    (
        "/api/workspaces/members/remove",
        Rule::Workspace(Need::Permission(Permission::MembersManage)),
    ),
    ("/api/workspaces/members/leave", Rule::Workspace(Need::Membership)),
    (
        "/api/workspaces/members/transfer",
        Rule::Workspace(Need::Permission(Permission::WorkspaceDelete)),
    ),
    // Any member may ask; only those with audit.read get the feed (others get none).
    ("/api/workspaces/activity", Rule::Workspace(Need::Membership)),
    (
        "/api/workspaces/delete",
        Rule::Workspace(Need::Permission(Permission::WorkspaceDelete)),
    ),
    ("/api/workspaces/roles", Rule::Workspace(Need::Membership)),
    (
        "/api/workspaces/roles/create",
        Rule::Workspace(Need::Permission(Permission::RolesManage)),
    ),
    (
        "/api/workspaces/roles/update",
        Rule::Workspace(Need::Permission(Permission::RolesManage)),
    ),
    (
        "/api/workspaces/roles/delete",
        Rule::Workspace(Need::Permission(Permission::RolesManage)),
    ),
    (
        "/api/recordings/library",
        Rule::Workspace(Need::Resource(Permission::TranscriptsRead)),
    ),
    (
        "/api/recordings/detail",
        Rule::Workspace(Need::Resource(Permission::TranscriptsRead)),
    ),
    (
        "/api/recordings/rename",
        Rule::Workspace(Need::Resource(Permission::TranscriptsEdit)),
    ),
    (
        "/api/recordings/import",
        Rule::Workspace(Need::Permission(Permission::TranscriptsCreate)),
    ),
    (
        "/api/recordings/voices",
        Rule::Workspace(Need::Permission(Permission::TranscriptsCreate)),
    ),
    (
        "/api/recordings/speak",
        Rule::Workspace(Need::Permission(Permission::TranscriptsCreate)),
    ),
    (
        "/api/recordings/cut",
        Rule::Workspace(Need::Permission(Permission::TranscriptsCreate)),
    ),
    (
        "/api/recordings/tags",
        Rule::Workspace(Need::Resource(Permission::TranscriptsEdit)),
    ),
    (
        "/api/transcripts/view",
        Rule::Workspace(Need::Resource(Permission::TranscriptsRead)),
    ),
    (
        "/api/transcripts/cancel",
        Rule::Workspace(Need::Resource(Permission::TranscriptsEdit)),
    ),
    (
        "/api/transcripts/transcribe",
        Rule::Workspace(Need::Resource(Permission::TranscriptsEdit)),
    ),
    (
        "/api/transcripts/summarise",
        Rule::Workspace(Need::Resource(Permission::TranscriptsEdit)),
    ),
    (
        "/api/transcripts/edit",
        Rule::Workspace(Need::Resource(Permission::TranscriptsEdit)),
    ),
    (
        "/api/transcripts/speaker",
        Rule::Workspace(Need::Resource(Permission::TranscriptsEdit)),
    ),
    (
        "/api/transcripts/rename-speaker",
        Rule::Workspace(Need::Resource(Permission::TranscriptsEdit)),
    ),
    (
        "/api/transcripts/versions",
        Rule::Workspace(Need::Resource(Permission::TranscriptsRead)),
    ),
    (
        "/api/transcripts/restore",
        Rule::Workspace(Need::Resource(Permission::TranscriptsEdit)),
    ),
    (
        "/api/recordings/trash",
        Rule::Workspace(Need::Permission(Permission::TranscriptsDelete)),
    ),
    (
        "/api/recordings/restore",
        Rule::Workspace(Need::Permission(Permission::TranscriptsDelete)),
    ),
    (
        "/api/recordings/delete",
        Rule::Workspace(Need::Permission(Permission::TranscriptsDelete)),
    ),
    (
        "/api/sharing/members/share",
        Rule::Workspace(Need::Permission(Permission::TranscriptsShare)),
    ),
    (
        "/api/sharing/members/stop",
        Rule::Workspace(Need::Permission(Permission::TranscriptsShare)),
    ),
    (
        "/api/sharing/links/create",
        Rule::Workspace(Need::Permission(Permission::TranscriptsShare)),
    ),
    (
        "/api/sharing/links/revoke",
        Rule::Workspace(Need::Permission(Permission::TranscriptsShare)),
    ),
    (
        "/api/api-keys/list",
        Rule::Workspace(Need::Permission(Permission::ApiKeysManage)),
    ),
    (
        "/api/api-keys/save",
        Rule::Workspace(Need::Permission(Permission::ApiKeysManage)),
    ),
    (
        "/api/api-keys/remove",
        Rule::Workspace(Need::Permission(Permission::ApiKeysManage)),
    ),
    (
        "/api/api-keys/test",
        Rule::Workspace(Need::Permission(Permission::ApiKeysManage)),
    ),
    (
        "/api/storage/usage",
        Rule::Workspace(Need::Permission(Permission::SettingsManage)),
    ),
    (
        "/api/uploads/start",
        Rule::Workspace(Need::Permission(Permission::TranscriptsCreate)),
    ),
    (
        "/api/uploads/plan",
        Rule::Workspace(Need::Permission(Permission::TranscriptsCreate)),
    ),
    (
        "/api/uploads/parts",
        Rule::Workspace(Need::Permission(Permission::TranscriptsCreate)),
    ),
    (
        "/api/uploads/complete",
        Rule::Workspace(Need::Permission(Permission::TranscriptsCreate)),
    ),
    (
        "/api/uploads/cancel",
        Rule::Workspace(Need::Permission(Permission::TranscriptsCreate)),
    ),
    // Deleted workspaces are outside `authorize`; these two check ownership themselves.
    ("/api/workspaces/deleted", Rule::NotWorkspace),
    ("/api/workspaces/restore", Rule::NotWorkspace),
    // The user's own workspaces, and creating one (they become its owner).
    ("/api/workspaces/mine", Rule::NotWorkspace),
    ("/api/workspaces/create", Rule::NotWorkspace),
    // A public link's token is the capability (and its password, when it has one).
    ("/api/shared/open", Rule::NotWorkspace),
    ("/api/shared/unlock", Rule::NotWorkspace),
    // An invitation's token is the capability.
    ("/api/invitations/view", Rule::NotWorkspace),
    ("/api/invitations/accept", Rule::NotWorkspace),
    // The signed-in user's own notifications.
    ("/api/notifications/inbox", Rule::NotWorkspace),
    ("/api/notifications/list", Rule::NotWorkspace),
    ("/api/notifications/read", Rule::NotWorkspace),
    ("/api/notifications/preferences", Rule::NotWorkspace),
    ("/api/notifications/preferences/save", Rule::NotWorkspace),
    // The signed-in user's own account.
    ("/api/account/change-email", Rule::NotWorkspace),
    ("/api/account/change-password", Rule::NotWorkspace),
    ("/api/account/confirm-email", Rule::NotWorkspace),
    ("/api/account/delete", Rule::NotWorkspace),
    ("/api/account/forgot-password", Rule::NotWorkspace),
    ("/api/account/log-in", Rule::NotWorkspace),
    ("/api/account/log-in-code", Rule::NotWorkspace),
    ("/api/account/log-out", Rule::NotWorkspace),
    ("/api/account/me", Rule::NotWorkspace),
    ("/api/account/resend-verification", Rule::NotWorkspace),
    ("/api/account/reset-password", Rule::NotWorkspace),
    ("/api/account/security-events", Rule::NotWorkspace),
    ("/api/account/sessions", Rule::NotWorkspace),
    ("/api/account/sessions/revoke", Rule::NotWorkspace),
    ("/api/account/sessions/revoke-others", Rule::NotWorkspace),
    ("/api/account/sign-up", Rule::NotWorkspace),
    ("/api/account/two-factor", Rule::NotWorkspace),
    ("/api/account/two-factor/confirm", Rule::NotWorkspace),
    ("/api/account/two-factor/disable", Rule::NotWorkspace),
    ("/api/account/two-factor/start", Rule::NotWorkspace),
    ("/api/account/update-name", Rule::NotWorkspace),
    // Platform administration (platform admins only).
    ("/api/admin/user", Rule::NotWorkspace),
    ("/api/admin/user/lock", Rule::NotWorkspace),
    ("/api/admin/user/log-out", Rule::NotWorkspace),
    ("/api/admin/user/resend-verification", Rule::NotWorkspace),
    ("/api/admin/users", Rule::NotWorkspace),
    // Development mailbox (loopback only) and the public status report.
    ("/api/dev/mailbox/get", Rule::NotWorkspace),
    ("/api/dev/mailbox/list", Rule::NotWorkspace),
    ("/api/system/status", Rule::NotWorkspace),
];

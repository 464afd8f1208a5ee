//! The audit log: who changed what, when and from where; append-only and hash-chained.
//!
//! Every state change calls [`service::record`] on the same transaction as the change, so an
//! entry exists exactly when the change does.

pub mod queries;
pub mod service;

use std::net::IpAddr;

use uuid::Uuid;

/// Who did it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The platform itself: migrations, scheduled jobs, operators' commands.
    System,
    User(Uuid),
}

impl Actor {
    fn parts(self) -> (&'static str, Option<Uuid>) {
        match self {
            Self::System => ("system", None),
            Self::User(id) => ("user", Some(id)),
        }
    }
}

/// What was done. Stored as its dotted name; new capabilities add variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    /// Database migrations were applied (`metadata.versions`).
    MigrationsApplied,
    UserSignedUp,
    UserEmailVerified,
    UserSignedIn,
    UserSignedOut,
    /// Repeated failed sign-ins locked the address for a while (`metadata.seconds`).
    UserSignInLocked,
    UserPasswordReset,
    UserPasswordChanged,
    UserEmailChangeRequested,
    UserEmailChanged,
    UserProfileUpdated,
    UserSessionRevoked,
    UserOtherSessionsRevoked,
    UserDeleted,
    UserTwoFactorEnabled,
    UserTwoFactorDisabled,
    UserRecoveryCodeUsed,
    /// Which notification categories also come by email (`metadata.email`).
    UserNotificationPreferencesChanged,
    /// A user became a platform admin (`audiotricks admin create`).
    AdminGranted,
    AdminUserLocked,
    AdminUserUnlocked,
    AdminUserSignedOut,
    AdminVerificationResent,
    WorkspaceCreated,
    WorkspaceSettingsUpdated,
    WorkspaceLogoChanged,
    WorkspaceLogoRemoved,
    ApiKeySaved,
    ApiKeyRemoved,
    ApiKeyTested,
    WorkspaceMemberInvited,
    WorkspaceInvitationRevoked,
    WorkspaceMemberJoined,
    WorkspaceMemberRoleChanged,
    WorkspaceMemberRemoved,
    WorkspaceMemberLeft,
    WorkspaceOwnershipTransferred,
    WorkspaceDeleted,
    WorkspaceRestored,
    WorkspaceRoleCreated,
    WorkspaceRoleUpdated,
    WorkspaceRoleDeleted,
    /// The grace period after deletion passed and the workspace was removed for good.
    WorkspacePurged,
    RecordingUploadStarted,
    RecordingUploadCancelled,
    RecordingUploaded,
    /// The uploaded file's content was checked (`metadata.outcome`: accepted or rejected).
    RecordingChecked,
    RecordingRenamed,
    /// Its tags were set (`metadata.tags`, comma-separated).
    RecordingTagged,
    /// Made from an entry of the first AudioTricks' history.
    RecordingImported,
    /// Passages were cut to make a new version (`metadata.source`, `passages`, `removed_ms`).
    RecordingCut,
    /// Its transcript or summary was spoken aloud into a new recording (`metadata.source`,
    /// `spoken`, `engine`, `voice`, `characters`).
    RecordingSpoken,
    RecordingTrashed,
    RecordingRestored,
    RecordingDeleted,
    /// Removed for good: the trash's grace period passed, or the workspace's retention.
    RecordingPurged,
    /// Moved to the trash by the workspace's retention setting.
    RecordingExpired,
    /// A resource was shared with a member (`metadata.member`, `metadata.access`).
    ShareGranted,
    ShareChanged,
    ShareRevoked,
    PublicLinkCreated,
    PublicLinkRevoked,
    /// A member asked for a transcription again (`metadata.engine`) or a new summary
    /// (`metadata.summary_style`).
    TranscriptionRequested,
    TranscriptionCancelled,
    /// The pipeline finished (`metadata.outcome`: done or failed, with `reason`).
    TranscriptionFinished,
    /// A line of a transcript was edited (`metadata.line`, `metadata.version`).
    TranscriptEdited,
    /// An older version of a transcript was brought back (`metadata.restored`).
    TranscriptRestored,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MigrationsApplied => "system.migrations_applied",
            Self::UserSignedUp => "user.signed_up",
            Self::UserEmailVerified => "user.email_verified",
            Self::UserSignedIn => "user.signed_in",
            Self::UserSignedOut => "user.signed_out",
            Self::UserSignInLocked => "user.sign_in_locked",
            Self::UserPasswordReset => "user.password_reset",
            Self::UserPasswordChanged => "user.password_changed",
            Self::UserEmailChangeRequested => "user.email_change_requested",
            Self::UserEmailChanged => "user.email_changed",
            Self::UserProfileUpdated => "user.profile_updated",
            Self::UserSessionRevoked => "user.session_revoked",
            Self::UserOtherSessionsRevoked => "user.other_sessions_revoked",
            Self::UserDeleted => "user.deleted",
            Self::UserTwoFactorEnabled => "user.two_factor_enabled",
            Self::UserTwoFactorDisabled => "user.two_factor_disabled",
            Self::UserRecoveryCodeUsed => "user.recovery_code_used",
            Self::UserNotificationPreferencesChanged => "user.notification_preferences_changed",
            Self::AdminGranted => "admin.granted",
            Self::AdminUserLocked => "admin.user_locked",
            Self::AdminUserUnlocked => "admin.user_unlocked",
            Self::AdminUserSignedOut => "admin.user_signed_out",
            Self::AdminVerificationResent => "admin.verification_resent",
            Self::WorkspaceCreated => "workspace.created",
            Self::WorkspaceSettingsUpdated => "workspace.settings_updated",
            Self::WorkspaceLogoChanged => "workspace.logo_changed",
            Self::WorkspaceLogoRemoved => "workspace.logo_removed",
            Self::ApiKeySaved => "workspace.api_key_saved",
            Self::ApiKeyRemoved => "workspace.api_key_removed",
            Self::ApiKeyTested => "workspace.api_key_tested",
            Self::WorkspaceMemberInvited => "workspace.member_invited",
            Self::WorkspaceInvitationRevoked => "workspace.invitation_revoked",
            Self::WorkspaceMemberJoined => "workspace.member_joined",
            Self::WorkspaceMemberRoleChanged => "workspace.member_role_changed",
            Self::WorkspaceMemberRemoved => "workspace.member_removed",
            Self::WorkspaceMemberLeft => "workspace.member_left",
            Self::WorkspaceOwnershipTransferred => "workspace.ownership_transferred",
            Self::WorkspaceDeleted => "workspace.deleted",
            Self::WorkspaceRoleCreated => "workspace.role_created",
            Self::WorkspaceRoleUpdated => "workspace.role_updated",
            Self::WorkspaceRoleDeleted => "workspace.role_deleted",
            Self::WorkspaceRestored => "workspace.restored",
            Self::WorkspacePurged => "workspace.purged",
            Self::RecordingUploadStarted => "recording.upload_started",
            Self::RecordingUploadCancelled => "recording.upload_cancelled",
            Self::RecordingUploaded => "recording.uploaded",
            Self::RecordingChecked => "recording.checked",
            Self::RecordingRenamed => "recording.renamed",
            Self::RecordingTagged => "recording.tagged",
            Self::RecordingImported => "recording.imported",
            Self::RecordingCut => "recording.cut",
            Self::RecordingSpoken => "recording.spoken",
            Self::RecordingTrashed => "recording.trashed",
            Self::RecordingRestored => "recording.restored",
            Self::RecordingDeleted => "recording.deleted",
            Self::RecordingPurged => "recording.purged",
            Self::RecordingExpired => "recording.expired",
            Self::ShareGranted => "share.granted",
            Self::ShareChanged => "share.changed",
            Self::ShareRevoked => "share.revoked",
            Self::PublicLinkCreated => "public_link.created",
            Self::PublicLinkRevoked => "public_link.revoked",
            Self::TranscriptionRequested => "transcription.requested",
            Self::TranscriptionCancelled => "transcription.cancelled",
            Self::TranscriptionFinished => "transcription.finished",
            Self::TranscriptEdited => "transcript.edited",
            Self::TranscriptRestored => "transcript.restored",
        }
    }
}

/// What it was done to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub kind: &'static str,
    pub id: String,
}

/// One entry, as a service builds it.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub actor: Actor,
    pub action: AuditAction,
    pub target: Option<Target>,
    pub metadata: serde_json::Value,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// The workspace the change happened in; its activity feed lists the entry.
    pub workspace: Option<Uuid>,
}

impl AuditEvent {
    pub fn new(actor: Actor, action: AuditAction) -> Self {
        Self {
            actor,
            action,
            target: None,
            metadata: serde_json::json!({}),
            ip: None,
            user_agent: None,
            workspace: None,
        }
    }

    pub fn target(mut self, kind: &'static str, id: impl Into<String>) -> Self {
        self.target = Some(Target { kind, id: id.into() });
        self
    }

    /// Lists the entry in this workspace's activity feed (record it inside that workspace's
    /// tenant transaction).
    pub fn workspace(mut self, id: Uuid) -> Self {
        self.workspace = Some(id);
        self
    }

    pub fn metadata(mut self, metadata: serde_json::Value) -> Self {
        self.metadata = metadata;
        self
    }

    /// Where the request came from; the user agent is cut to what the column keeps.
    pub fn origin(mut self, ip: Option<IpAddr>, user_agent: Option<&str>) -> Self {
        self.ip = ip;
        self.user_agent = user_agent.map(|ua| ua.chars().take(512).collect());
        self
    }
}

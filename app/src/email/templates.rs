//! Emails as template folders (`templates/email/<name>/{subject.txt, body.txt, body.html}`),
//! each rendered from one typed context. HTML is escaped by askama; text parts are not HTML.

use askama::Template;

/// A rendered email, ready for any delivery backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub template: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Defines the three templates of one email over its context type.
macro_rules! email_templates {
    ($ctx:ident, $name:literal, [$subject_path:literal, $text_path:literal, $html_path:literal], $subject:ident, $text:ident, $html:ident) => {
        #[derive(Template)]
        #[template(path = $subject_path, escape = "none")]
        #[allow(dead_code)] // a subject need not use the context
        struct $subject<'a> {
            ctx: &'a $ctx,
        }
        #[derive(Template)]
        #[template(path = $text_path, escape = "none")]
        struct $text<'a> {
            ctx: &'a $ctx,
        }
        #[derive(Template)]
        #[template(path = $html_path, escape = "html")]
        struct $html<'a> {
            ctx: &'a $ctx,
        }

        impl $ctx {
            pub fn render(&self) -> Result<Rendered, askama::Error> {
                Ok(Rendered {
                    template: $name,
                    subject: $subject { ctx: self }.render()?.trim().to_owned(),
                    text: $text { ctx: self }.render()?,
                    html: $html { ctx: self }.render()?,
                })
            }
        }
    };
}

/// Sent by `audiotricks email test` so an operator can check the delivery settings.
pub struct TestEmail {
    pub app_url: String,
    pub backend: String,
    pub requested_by: String,
}

email_templates!(
    TestEmail,
    "test",
    ["email/test/subject.txt", "email/test/body.txt", "email/test/body.html"],
    TestSubject,
    TestText,
    TestHtml
);

/// Confirms the address of a new account.
pub struct VerifyEmail {
    pub app_url: String,
    pub name: String,
    pub email: String,
    pub link: String,
    pub valid_hours: u64,
}

email_templates!(
    VerifyEmail,
    "verify_email",
    [
        "email/verify_email/subject.txt",
        "email/verify_email/body.txt",
        "email/verify_email/body.html"
    ],
    VerifyEmailSubject,
    VerifyEmailText,
    VerifyEmailHtml
);

/// Sent instead of a verification link when someone signs up with an address that has an
/// account, so the sign-up form never reveals which addresses are registered.
pub struct AccountExists {
    pub app_url: String,
    pub name: String,
    pub email: String,
    pub login_url: String,
    pub reset_url: String,
}

email_templates!(
    AccountExists,
    "account_exists",
    [
        "email/account_exists/subject.txt",
        "email/account_exists/body.txt",
        "email/account_exists/body.html"
    ],
    AccountExistsSubject,
    AccountExistsText,
    AccountExistsHtml
);

pub struct PasswordReset {
    pub app_url: String,
    pub name: String,
    pub link: String,
    pub valid_minutes: u64,
}

email_templates!(
    PasswordReset,
    "password_reset",
    [
        "email/password_reset/subject.txt",
        "email/password_reset/body.txt",
        "email/password_reset/body.html"
    ],
    PasswordResetSubject,
    PasswordResetText,
    PasswordResetHtml
);

/// Sent to the new address when a user changes their email.
pub struct ConfirmNewEmail {
    pub app_url: String,
    pub name: String,
    pub email: String,
    pub link: String,
    pub valid_hours: u64,
}

email_templates!(
    ConfirmNewEmail,
    "confirm_new_email",
    [
        "email/confirm_new_email/subject.txt",
        "email/confirm_new_email/body.txt",
        "email/confirm_new_email/body.html"
    ],
    ConfirmNewEmailSubject,
    ConfirmNewEmailText,
    ConfirmNewEmailHtml
);

/// A security change or a sign-in from somewhere new, with where it came from.
pub struct SecurityAlert {
    pub app_url: String,
    pub name: String,
    /// "Your password was changed": also the subject.
    pub headline: String,
    /// One sentence, lower-case start: it follows "Hi {name}, ".
    pub explanation: String,
    pub when: String,
    pub device: String,
    pub ip: String,
    pub location: String,
    pub reset_url: String,
    pub sessions_url: String,
}

email_templates!(
    SecurityAlert,
    "security_alert",
    [
        "email/security_alert/subject.txt",
        "email/security_alert/body.txt",
        "email/security_alert/body.html"
    ],
    SecurityAlertSubject,
    SecurityAlertText,
    SecurityAlertHtml
);

/// An invitation to join a workspace.
pub struct WorkspaceInvitation {
    pub app_url: String,
    pub inviter: String,
    pub workspace: String,
    /// "Viewer", "Member" or "Admin".
    pub role: String,
    pub email: String,
    pub link: String,
    pub valid_days: u64,
}

email_templates!(
    WorkspaceInvitation,
    "workspace_invitation",
    [
        "email/workspace_invitation/subject.txt",
        "email/workspace_invitation/body.txt",
        "email/workspace_invitation/body.html"
    ],
    WorkspaceInvitationSubject,
    WorkspaceInvitationText,
    WorkspaceInvitationHtml
);

/// A notification from the bell, for those who want its category by email.
pub struct Notification {
    pub app_url: String,
    pub name: String,
    /// One sentence, without the full stop: "Ana changed your role in Acme to Admin".
    pub title: String,
    pub link: Option<String>,
    /// The category's label, so the reader knows which setting sends it.
    pub category: String,
    pub preferences_url: String,
}

email_templates!(
    Notification,
    "notification",
    [
        "email/notification/subject.txt",
        "email/notification/body.txt",
        "email/notification/body.html"
    ],
    NotificationSubject,
    NotificationText,
    NotificationHtml
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_email_has_a_subject_a_text_part_and_an_escaped_html_part() {
        let email = TestEmail {
            app_url: "https://audio.example.com".into(),
            backend: "SendGrid".into(),
            requested_by: "ops <script>alert(1)</script>".into(),
        };
        let r = email.render().unwrap();
        assert_eq!(r.subject, "AudioTricks can send email");
        assert!(r.text.contains("delivery through SendGrid works"));
        assert!(r.text.contains("ops <script>"), "text parts are plain text");
        assert!(
            r.html.contains("&#60;script&#62;") && !r.html.contains("<script>"),
            "HTML is escaped"
        );
        assert!(r
            .html
            .contains("You received this email from AudioTricks at https://audio.example.com"));
    }

    #[test]
    fn a_notification_links_to_its_page_and_to_the_preferences() {
        let email = Notification {
            app_url: "https://audio.example.com".into(),
            name: "Bo".into(),
            title: "Ana changed your role in <Acme> to Admin".into(),
            link: Some("https://audio.example.com/w/acme".into()),
            category: "Your memberships".into(),
            preferences_url: "https://audio.example.com/account/notifications".into(),
        };
        let r = email.render().unwrap();
        assert_eq!(r.subject, "Ana changed your role in <Acme> to Admin");
        assert!(r.text.contains("https://audio.example.com/w/acme"));
        assert!(r.text.contains("https://audio.example.com/account/notifications"));
        assert!(r.html.contains("&#60;Acme&#62;"));
        let without_link = Notification { link: None, ..email }.render().unwrap();
        assert!(!without_link.text.contains("Open it in AudioTricks"));
    }
}

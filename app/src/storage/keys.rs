//! Object keys. The server makes every key from ids it generated; nothing a user typed ever
//! becomes part of a path.

use uuid::Uuid;

/// A key in the store: `w/{workspace}/…` for live objects, `trash/w/{workspace}/…` once deleted.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectKey(String);

const TRASH: &str = "trash/";
const PUBLIC: &str = "public/";

impl ObjectKey {
    /// Where a recording's uploaded file lives.
    pub fn recording(workspace: Uuid, recording: Uuid) -> Self {
        Self(format!("w/{workspace}/recordings/{recording}/original"))
    }

    /// A workspace's logo: public (anyone may fetch it, through the CDN when there is one).
    pub fn workspace_logo(workspace: Uuid) -> Self {
        Self(format!("{PUBLIC}w/{workspace}/logo"))
    }

    /// A workspace's public objects.
    pub fn public_prefix(workspace: Uuid) -> String {
        format!("{PUBLIC}w/{workspace}/")
    }

    /// Objects under `public/` are served to anyone; nothing else is without a signed URL.
    pub fn is_public(&self) -> bool {
        self.0.starts_with(PUBLIC)
    }

    /// Everything of one workspace (live objects; its trash is `trash_prefix`).
    pub fn workspace_prefix(workspace: Uuid) -> String {
        format!("w/{workspace}/")
    }

    pub fn trash_prefix(workspace: Uuid) -> String {
        format!("{TRASH}w/{workspace}/")
    }

    /// The same object's place in the trash (which lifecycle rules expire).
    pub fn trashed(&self) -> Self {
        if self.is_trashed() {
            self.clone()
        } else {
            Self(format!("{TRASH}{}", self.0))
        }
    }

    pub fn restored(&self) -> Self {
        Self(self.0.strip_prefix(TRASH).unwrap_or(&self.0).to_owned())
    }

    pub fn is_trashed(&self) -> bool {
        self.0.starts_with(TRASH)
    }

    /// A key read back from the database or a signed URL, if it has a shape this module makes:
    /// lower-case letters, digits, hyphens and single slashes, no dot segments.
    pub fn parse(text: &str) -> Option<Self> {
        let ok = !text.is_empty()
            && text.len() <= 400
            && !text.starts_with('/')
            && !text.ends_with('/')
            && text.split('/').all(|segment| {
                !segment.is_empty()
                    && segment
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        ok.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_by_workspace_and_move_to_and_from_the_trash() {
        let (w, r) = (Uuid::nil(), Uuid::max());
        let key = ObjectKey::recording(w, r);
        assert!(key.as_str().starts_with(&ObjectKey::workspace_prefix(w)));
        let trashed = key.trashed();
        assert!(trashed.as_str().starts_with(&ObjectKey::trash_prefix(w)));
        assert_eq!(trashed.trashed(), trashed);
        assert_eq!(trashed.restored(), key);
        assert_eq!(ObjectKey::parse(key.as_str()), Some(key.clone()));
        assert!(!key.is_public());
        let logo = ObjectKey::workspace_logo(w);
        assert!(logo.is_public() && logo.as_str().starts_with(&ObjectKey::public_prefix(w)));
        assert_eq!(ObjectKey::parse(logo.as_str()), Some(logo));
    }

    #[test]
    fn only_well_formed_keys_parse() {
        for bad in [
            "", "/w/x", "w/x/", "w//x", "w/../x", "w/./x", "w/X", "w/a b", "w/a.mp3", "w\\x",
        ] {
            assert_eq!(ObjectKey::parse(bad), None, "{bad:?}");
        }
    }
}

//! Tags on a recording: typed as a comma-separated list, kept lower case, at most 10 of at most
//! 32 characters each; the library filters by them. Setting them is audited.

use uuid::Uuid;

use super::uploads::audit_on;
use crate::{
    accounts::session::RequestAuth,
    audit::{self, AuditAction},
    error::AppError,
    sharing::service::{authorize_resource, Resource},
    workspaces::Permission,
};

pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_CHARS: usize = 32;

/// "Budget,  Q4 review, budget" → ["budget", "q4 review"].
pub fn parse_tags(input: &str) -> Result<Vec<String>, AppError> {
    let mut tags: Vec<String> = Vec::new();
    for raw in input.split(',') {
        let tag = raw.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        if tag.is_empty() || tags.contains(&tag) {
            continue;
        }
        if tag.chars().count() > MAX_TAG_CHARS || tag.chars().any(char::is_control) {
            return Err(AppError::invalid_field(
                "tags",
                format!("“{tag}” is too long: a tag has at most {MAX_TAG_CHARS} characters."),
            ));
        }
        tags.push(tag);
    }
    if tags.len() > MAX_TAGS {
        return Err(AppError::invalid_field(
            "tags",
            format!("A recording can have at most {MAX_TAGS} tags."),
        ));
    }
    tags.sort();
    Ok(tags)
}

pub async fn set_tags(auth: &RequestAuth, slug: &str, id: &str, input: &str) -> Result<String, AppError> {
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound("That recording".into()))?;
    let tags = parse_tags(input)?;
    let (access, _, mut tx) =
        authorize_resource(auth, slug, Resource::Recording(id), Permission::TranscriptsEdit).await?;
    let title = sqlx::query_scalar!(
        "select title from recordings where id = $1 and status <> 'uploading' for update",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That recording".into()))?;
    sqlx::query!("delete from recording_tags where recording_id = $1", id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "insert into recording_tags (workspace_id, recording_id, tag) select $1, $2, unnest($3::text[])",
        access.workspace.id,
        id,
        &tags
    )
    .execute(&mut *tx)
    .await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::RecordingTagged, auth, id)
            .metadata(serde_json::json!({ "title": title, "tags": tags.join(", ") })),
    )
    .await?;
    tx.commit().await?;
    Ok(if tags.is_empty() {
        "Tags removed.".to_owned()
    } else {
        format!("Tagged: {}.", tags.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_lower_cased_deduplicated_and_sorted() {
        assert_eq!(
            parse_tags(" Budget,  Q4   review ,budget,, ").unwrap(),
            ["budget", "q4 review"]
        );
        assert!(parse_tags("").unwrap().is_empty());
    }

    #[test]
    fn too_many_or_too_long_tags_are_refused_with_the_reason() {
        let many = (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>().join(",");
        assert!(parse_tags(&many).unwrap_err().to_string().contains("at most 10 tags"));
        let long = "x".repeat(33);
        assert!(parse_tags(&long)
            .unwrap_err()
            .to_string()
            .contains("at most 32 characters"));
    }
}

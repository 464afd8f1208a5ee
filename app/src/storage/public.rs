//! Public objects (under `public/`, such as workspace logos): what kind of image a file is, and
//! `GET /storage/public/…`, which serves them to anyone (a CDN may pull from it).

use axum::{
    extract::{Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use super::{keys::ObjectKey, PUBLIC_CACHE_CONTROL};
use crate::server::AppState;

/// The image type of `bytes` by their first bytes (PNG, JPEG or WebP); anything else, SVG
/// included (it can carry scripts), is not an image we serve.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// `GET /storage/public/{*rest}`: a public object, typed by its content.
pub async fn serve(State(state): State<AppState>, Path(rest): Path<String>) -> Response {
    let Some(key) = ObjectKey::parse(&format!("public/{rest}")) else {
        return (StatusCode::NOT_FOUND, "Not found.").into_response();
    };
    match state.storage.get_public(&key).await {
        Ok(Some(bytes)) => match image_type(&bytes) {
            Some(kind) => (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
                    (header::CACHE_CONTROL, HeaderValue::from_static(PUBLIC_CACHE_CONTROL)),
                ],
                bytes,
            )
                .into_response(),
            None => (StatusCode::NOT_FOUND, "Not found.").into_response(),
        },
        Ok(None) => (StatusCode::NOT_FOUND, "Not found.").into_response(),
        Err(e) => {
            tracing::error!(error = %e, key = key.as_str(), "reading a public object failed");
            (StatusCode::SERVICE_UNAVAILABLE, "Storage is not answering right now.").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::image_type;

    #[test]
    fn images_are_known_by_their_first_bytes() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(image_type(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(
            image_type(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>"),
            None
        );
        assert_eq!(image_type(b"GIF89a"), None);
        assert_eq!(image_type(b""), None);
    }
}

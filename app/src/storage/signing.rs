//! HMAC-signed URLs for the local backend, the counterpart of S3's presigned URLs: the
//! signature covers the method, the path, every parameter and the expiry, so a changed or
//! expired URL is refused.

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Clone)]
pub struct UrlSigner {
    key: [u8; 32],
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSigner(…)")
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Expired,
    BadSignature,
}

impl UrlSigner {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn mac(&self, method: &str, path: &str, params: &[(&str, &str)], expires: i64) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("any key length works");
        // Length-prefixed, so no two different inputs run together into the same bytes.
        for part in [method, path]
            .into_iter()
            .chain(params.iter().flat_map(|(k, v)| [*k, *v]))
            .chain(std::iter::once(expires.to_string().as_str()))
        {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac
    }

    /// The query string for `path`: the parameters, `expires` (unix seconds) and `sig`.
    pub fn sign(&self, method: &str, path: &str, params: &[(&str, &str)], expires: i64) -> String {
        let sig = hex(&self.mac(method, path, params, expires).finalize().into_bytes());
        let mut query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::ui::url_encode(v)))
            .collect();
        query.push(format!("expires={expires}"));
        query.push(format!("sig={sig}"));
        format!("{path}?{}", query.join("&"))
    }

    /// Checks a signature made by `sign` (in constant time) and then the expiry.
    pub fn verify(
        &self,
        method: &str,
        path: &str,
        params: &[(&str, &str)],
        expires: i64,
        sig: &str,
        now: i64,
    ) -> Result<(), Refusal> {
        let bytes = unhex(sig).ok_or(Refusal::BadSignature)?;
        self.mac(method, path, params, expires)
            .verify_slice(&bytes)
            .map_err(|_| Refusal::BadSignature)?;
        if now > expires {
            return Err(Refusal::Expired);
        }
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(url: &str) -> Vec<(String, String)> {
        url.split_once('?')
            .unwrap()
            .1
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }

    #[test]
    fn a_signed_url_verifies_until_it_expires_and_not_once_changed() {
        let signer = UrlSigner::new([7; 32]);
        let url = signer.sign("PUT", "/storage/part", &[("upload", "u1"), ("part", "3")], 1_000);
        let q = query(&url);
        let sig = &q.iter().find(|(k, _)| k == "sig").unwrap().1;
        let params = [("upload", "u1"), ("part", "3")];
        assert_eq!(signer.verify("PUT", "/storage/part", &params, 1_000, sig, 999), Ok(()));
        assert_eq!(
            signer.verify("PUT", "/storage/part", &params, 1_000, sig, 1_001),
            Err(Refusal::Expired)
        );
        for (method, path, params, expires) in [
            ("GET", "/storage/part", params, 1_000),
            ("PUT", "/storage/other", params, 1_000),
            ("PUT", "/storage/part", [("upload", "u1"), ("part", "4")], 1_000),
            ("PUT", "/storage/part", params, 2_000),
        ] {
            assert_eq!(
                signer.verify(method, path, &params, expires, sig, 0),
                Err(Refusal::BadSignature),
                "{method} {path} {params:?} {expires}"
            );
        }
        assert_eq!(
            UrlSigner::new([8; 32]).verify("PUT", "/storage/part", &params, 1_000, sig, 0),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            signer.verify("PUT", "/storage/part", &params, 1_000, "zz", 0),
            Err(Refusal::BadSignature)
        );
    }
}

//! The library's filters and order, as they travel in the address
//! (`?q=&status=&tag=&speaker=&from=&to=&sort=`), so a filtered list can be linked, reloaded and paged.

use serde::{Deserialize, Serialize};

/// Status filters: key (in the address) and label.
pub const STATUSES: [(&str, &str); 5] = [
    ("", "Any status"),
    ("transcribed", "Transcribed"),
    ("in_progress", "In progress"),
    ("failed", "Failed or refused"),
    ("untranscribed", "Not transcribed"),
];

/// Orders: key and label. The default is best match when searching, else newest.
pub const SORTS: [(&str, &str); 5] = [
    ("", "Best match, then newest"),
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("title", "Title A–Z"),
    ("longest", "Longest first"),
];

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryFilter {
    pub q: String,
    pub status: String,
    pub tag: String,
    /// Someone named as speaking a line of the transcript.
    pub speaker: String,
    /// Uploaded on or after (YYYY-MM-DD, the workspace's time zone).
    pub from: String,
    /// Uploaded on or before.
    pub to: String,
    pub sort: String,
}

impl LibraryFilter {
    /// From the address's query values.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let value = |key: &str| get(key).map(|v| v.trim().to_owned()).unwrap_or_default();
        Self {
            q: value("q"),
            status: value("status"),
            tag: value("tag"),
            speaker: value("speaker"),
            from: value("from"),
            to: value("to"),
            sort: value("sort"),
        }
    }

    /// Anything narrowing the list (the order does not).
    pub fn narrows(&self) -> bool {
        !(self.q.is_empty()
            && self.status.is_empty()
            && self.tag.is_empty()
            && self.speaker.is_empty()
            && self.from.is_empty()
            && self.to.is_empty())
    }

    /// `key=value&` for each value set, for links that keep the filter.
    pub fn query(&self) -> String {
        [
            ("q", &self.q),
            ("status", &self.status),
            ("tag", &self.tag),
            ("speaker", &self.speaker),
            ("from", &self.from),
            ("to", &self.to),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}&", crate::ui::url_encode(v)))
        .collect()
    }
}

/// What checking a filter settles: its dates parsed and its order (the rest is used as typed).
#[cfg(feature = "ssr")]
pub struct Checked {
    pub from: Option<time::Date>,
    pub to: Option<time::Date>,
    /// "best", "newest", "oldest", "title" or "longest".
    pub sort: &'static str,
}

#[cfg(feature = "ssr")]
impl LibraryFilter {
    pub fn check(&self) -> Result<Checked, crate::error::AppError> {
        use crate::error::FieldErrors;
        let mut errors = FieldErrors::new();
        if self.q.chars().count() > 200 {
            errors.add("q", "Search for at most 200 characters.");
        }
        if !STATUSES.iter().any(|(k, _)| *k == self.status) {
            errors.add("status", "Choose one of the statuses offered.");
        }
        if !SORTS.iter().any(|(k, _)| *k == self.sort) {
            errors.add("sort", "Choose one of the orders offered.");
        }
        if self.tag.chars().count() > 32 {
            errors.add("tag", "Tags have at most 32 characters.");
        }
        if self.speaker.chars().count() > 50 {
            errors.add("speaker", "Speakers' names have at most 50 characters.");
        }
        let mut date = |field: &'static str, value: &str| {
            if value.is_empty() {
                return None;
            }
            let parsed = parse_date(value);
            if parsed.is_none() {
                errors.add(field, "Use a date like 2026-11-26.");
            }
            parsed
        };
        let (from, to) = (date("from", &self.from), date("to", &self.to));
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                errors.add("to", "The end date comes before the start date.");
            }
        }
        errors.finish(&[])?;
        let sort = match self.sort.as_str() {
            "" if self.q.is_empty() => "newest",
            "" => "best",
            other => SORTS.iter().map(|(k, _)| *k).find(|k| *k == other).unwrap_or("newest"),
        };
        Ok(Checked { from, to, sort })
    }
}

/// "2026-11-26" (as a date input sends it).
#[cfg(feature = "ssr")]
fn parse_date(value: &str) -> Option<time::Date> {
    let mut parts = value.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(pairs: &[(&str, &str)]) -> LibraryFilter {
        LibraryFilter::from_query(|k| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn the_address_round_trips_and_only_names_what_is_set() {
        let f = filter(&[("q", " budget plan "), ("tag", "q4 review"), ("sort", "oldest")]);
        assert_eq!(f.query(), "q=budget%20plan&tag=q4%20review&sort=oldest&");
        assert!(f.narrows());
        assert!(!filter(&[("sort", "title")]).narrows());
        assert_eq!(LibraryFilter::default().query(), "");
    }

    #[test]
    fn the_server_refuses_what_it_does_not_offer_and_settles_the_order() {
        let checked = filter(&[("from", "2026-11-01"), ("to", "2026-11-30")])
            .check()
            .ok()
            .unwrap();
        assert_eq!(checked.sort, "newest");
        assert_eq!(checked.from.unwrap().to_string(), "2026-11-01");
        assert_eq!(filter(&[("q", "x")]).check().ok().unwrap().sort, "best");
        let wrong = filter(&[("status", "lost"), ("sort", "random"), ("from", "26/11/2026")])
            .check()
            .err()
            .unwrap();
        let crate::error::AppError::Validation(invalid) = wrong else {
            panic!("{wrong:?}")
        };
        for field in ["status", "sort", "from"] {
            assert!(invalid.field(field).is_some(), "{field}");
        }
        assert!(filter(&[("to", "2026-02-30")]).check().is_err());
        let backwards = filter(&[("from", "2026-11-30"), ("to", "2026-11-01")])
            .check()
            .err()
            .unwrap();
        let crate::error::AppError::Validation(invalid) = backwards else {
            panic!()
        };
        assert!(invalid.field("to").is_some());
    }
}

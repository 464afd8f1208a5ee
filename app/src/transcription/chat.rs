//! Summaries written by an OpenAI-compatible chat model: `POST {base}/v1/chat/completions`,
//! asked for a JSON object with the summary and key moments. One request per job run; the job
//! queue retries transient failures.

use std::time::Duration;

use serde::Deserialize;

use super::{
    summary::{KeyMoment, Sentence, Summary, SummaryStyle},
    EngineError,
};

/// About 15k tokens of transcript; longer transcripts are summarised from their first part.
const MAX_TRANSCRIPT_CHARS: usize = 60_000;

pub struct ChatSummariser {
    base_url: String,
    model: String,
    client: reqwest::Client,
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
}

#[derive(Deserialize)]
struct Message {
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    total_tokens: Option<i64>,
}

#[derive(Deserialize)]
struct Written {
    summary: String,
    #[serde(default)]
    key_moments: Vec<WrittenMoment>,
}

#[derive(Deserialize)]
struct WrittenMoment {
    seconds: f64,
    title: String,
}

fn clock(ms: i64) -> String {
    let s = ms / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

fn instructions(style: SummaryStyle) -> String {
    let shape = match style {
        SummaryStyle::Brief => "a brief summary of two or three sentences",
        SummaryStyle::Detailed => "a detailed summary of one to three paragraphs",
        SummaryStyle::Bullets => "a summary as 4 to 8 bullet points, one per line, each starting with \"• \"",
        SummaryStyle::Actions => {
            "the action items (who does what, by when, if said), one per line, each starting with \"• \"; \
             if there are none, say \"No action items were found in this recording.\""
        }
    };
    format!(
        "You summarise transcripts of recordings. Lines start with [minutes:seconds]. Write {shape}, in the \
         transcript's language, using only what the transcript says. Also pick 3 to 10 key moments: where a new \
         topic or an important point starts, each with a title of at most 8 words. Answer with a JSON object: \
         {{\"summary\": string, \"key_moments\": [{{\"seconds\": number, \"title\": string}}]}}."
    )
}

impl ChatSummariser {
    pub fn new(base_url: &str, model: &str) -> anyhow::Result<Self> {
        Ok(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
            client: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .timeout(Duration::from_secs(180))
                .build()?,
        })
    }

    /// "model:gpt-4o-mini", as stored with the summary.
    pub fn method(&self) -> String {
        format!("model:{}", self.model)
    }

    /// The summary and the tokens the request used.
    pub async fn summarise(
        &self,
        api_key: &str,
        sentences: &[Sentence],
        style: SummaryStyle,
    ) -> Result<(Summary, i64), EngineError> {
        let mut transcript = String::new();
        for s in sentences {
            let line = format!("[{}] {}\n", clock(s.start_ms), s.text.trim());
            if transcript.len() + line.len() > MAX_TRANSCRIPT_CHARS {
                break;
            }
            transcript.push_str(&line);
        }
        let body = serde_json::json!({
            "model": self.model,
            "temperature": 0.2,
            "response_format": { "type": "json_object" },
            "messages": [
                { "role": "system", "content": instructions(style) },
                { "role": "user", "content": transcript },
            ],
        });
        let sent = self
            .client
            .post(format!("{}/v1/chat/completions", self.base_url))
            .bearer_auth(api_key)
            .json(&body)
            .send()
            .await;
        let response = sent.map_err(|e| EngineError::Transient {
            message: format!("The summary model could not be reached: {e}"),
            retry_after: None,
        })?;
        let status = response.status();
        let text = response.text().await.map_err(|e| EngineError::Transient {
            message: format!("The summary model's answer broke off: {e}"),
            retry_after: None,
        })?;
        match status.as_u16() {
            200..=299 => {}
            429 | 500..=599 => {
                return Err(EngineError::Transient {
                    message: format!("The summary model is busy or failing ({status})."),
                    retry_after: None,
                })
            }
            401 | 403 => {
                return Err(EngineError::Permanent(
                    "The summary model refused the API key. Check the key on the API keys page.".into(),
                ))
            }
            _ => {
                let said: String = text.chars().take(200).collect();
                return Err(EngineError::Permanent(format!(
                    "The summary model refused the request: {said}"
                )));
            }
        }
        let unreadable = |e: &dyn std::fmt::Display| {
            EngineError::Permanent(format!("The summary model answered in a form we do not read ({e})."))
        };
        let completion: Completion = serde_json::from_str(&text).map_err(|e| unreadable(&e))?;
        let tokens = completion.usage.and_then(|u| u.total_tokens).unwrap_or(0);
        let content = completion
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .ok_or_else(|| unreadable(&"no message"))?;
        let written: Written = serde_json::from_str(&content).map_err(|e| unreadable(&e))?;
        let summary = written.summary.trim().to_owned();
        if summary.is_empty() {
            return Err(unreadable(&"an empty summary"));
        }
        let last_ms = sentences.last().map_or(0, |s| s.start_ms);
        let mut key_moments: Vec<KeyMoment> = written
            .key_moments
            .into_iter()
            .filter(|m| m.seconds.is_finite() && m.seconds >= 0.0 && !m.title.trim().is_empty())
            .map(|m| KeyMoment {
                ms: ((m.seconds * 1000.0) as i64).min(last_ms),
                title: super::summary::title_of(m.title.trim()),
            })
            .collect();
        key_moments.sort_by_key(|m| m.ms);
        key_moments.dedup_by_key(|m| m.ms);
        key_moments.truncate(10);
        Ok((
            Summary {
                text: summary,
                key_moments,
            },
            tokens,
        ))
    }
}

//! Integration tests against a real PostgreSQL: one binary, one fresh database per test.

mod accounts;
mod admin;
mod api_keys;
mod audit;
mod backups;
mod database;
mod editing;
mod edits;
mod email;
mod http;
mod import;
mod jobs;
mod library;
mod logos;
mod notifications;
mod pipeline;
mod rate_limit;
mod recordings;
mod sharing;
mod speech;
mod storage_s3;
mod support;
mod transcription;
mod workspaces;

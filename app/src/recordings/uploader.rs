//! The upload panel.

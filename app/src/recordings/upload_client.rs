//! The browser side of uploads.

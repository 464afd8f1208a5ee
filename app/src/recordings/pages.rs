//! Recording pages.

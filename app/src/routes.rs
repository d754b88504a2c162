//! The site map: one module per route.

pub mod home;

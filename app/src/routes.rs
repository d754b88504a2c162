//! One module per URL.
pub mod agent;
pub mod home;
pub mod legacy;

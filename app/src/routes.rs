//! One module per URL.
pub mod agent;
pub mod diff;
pub mod files;
pub mod home;
pub mod inbox;
pub mod legacy;
pub mod settings;

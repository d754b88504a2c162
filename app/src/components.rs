//! Views shared by several routes, grouped by feature.
pub mod action;
pub mod agent_list;
pub mod composer;
pub mod create_dialog;
pub mod host_route;
pub mod hosts;
pub mod keys;
pub mod layout;
pub mod palette;
pub mod permission;
pub mod timeline;
pub mod toasts;

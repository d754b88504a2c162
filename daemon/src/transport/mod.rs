//! The transport: HTTP routes and the WebSocket upgrade ([`http`]), the
//! Host/Origin and password checks ([`access`], [`auth`]), one socket's
//! handshake and read loop ([`connection`]) and the classification of
//! inbound frames ([`inbound`]). Requests go on to `crate::rpc`; nothing
//! here knows an agent.

pub(crate) mod access;
pub mod auth;
pub(crate) mod connection;
pub(crate) mod http;
pub(crate) mod inbound;

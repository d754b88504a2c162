//! The protocol crate's integration tests, one binary: decoding and
//! re-encoding every recorded Paseo frame (`fixtures`), and tolerance of
//! unknown and newer shapes (`tolerance`).

mod fixtures;
mod fuzz;
mod tolerance;

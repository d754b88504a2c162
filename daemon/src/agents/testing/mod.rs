//! Test support for the agent manager's unit tests (`super::tests`): a
//! scripted provider and a harness. Compiled only for tests.

mod harness;
mod scripted;

pub(crate) use harness::{Harness, settings};

//! Handlers, one module per area of the API.

pub mod admin;
pub mod intake;
pub mod platform;
pub mod system;

//! Handlers, one module per area of the API.

pub mod admin;
pub mod banks;
pub mod dueprocess;
pub mod evidence;
pub mod graph;
pub mod hma;
pub mod intake;
pub mod log;
pub mod media;
pub mod platform;
pub mod reviewing;
pub mod statements;
pub mod system;
pub mod tmk;

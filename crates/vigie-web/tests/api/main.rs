//! End-to-end tests: the real server on a free port, a temporary data directory, a manual clock,
//! driven over HTTP. One binary, one module per area (it links once).

// Test helpers are `pub` for the test modules of this one binary; nothing is exported.
#![allow(unreachable_pub)]

mod helpers;

mod admin;
mod bad_input;
mod banks;
mod console;
mod dueprocess;
mod events;
mod evidence;
mod find;
mod graph;
mod intake;
mod labels;
mod leak;
mod log;
mod look;
mod media;
mod openapi;
mod orders;
mod platform;
mod player;
mod privacy;
mod problems;
mod resources;
mod roles;
mod shift;
mod shots;
mod state;
mod statements;
mod texts;
mod tmk;
mod transparency;
mod urls;
mod videos;
mod webdriver;
mod webhooks;

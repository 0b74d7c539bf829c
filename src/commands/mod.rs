//! One function per subcommand; each returns the process exit status.

pub mod apply;
pub mod docs;
pub mod fmt;
pub mod gate;
pub mod graph;
pub mod import;
pub mod init;
pub mod kitchen;
pub mod output;
pub mod plan;
pub mod state;
pub mod upgrade;
pub mod validate;
pub mod workspace;

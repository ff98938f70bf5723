//! `chiso bench`: ingest and scoring measured side by side in one process run, so ratios hold
//! on a noisy machine.

pub mod http;

use clap::Args;
use std::path::Path;

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Database to measure on: sqlite (a temporary file) or a postgres://… URL (a fresh schema)
    #[arg(long, default_value = "sqlite")]
    pub on: String,
    /// Responses sent over HTTP in the ingest run
    #[arg(long, default_value_t = 20_000)]
    pub ingest: usize,
    /// Concurrent HTTP clients
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Stored-response sizes for the scoring runs
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    pub sizes: Vec<usize>,
}

pub fn run(_surveys: &Path, _args: &BenchArgs) -> Result<(), String> {
    Err("not yet".into())
}

//! The `chiso` command: the server, the operators' commands and the benchmark, on the library.

mod bench;
mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}

//! `stems`: the Stem Suite command-line tool.

mod link;

use clap::{Parser, Subcommand};

/// Stem Suite command-line tool.
#[derive(Parser)]
#[command(name = "stems", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Inspect the shared-memory link between Stem Strips and Stem Masters.
    #[command(subcommand)]
    Link(link::LinkCommand),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Link(cmd) => link::run(cmd),
    }
}

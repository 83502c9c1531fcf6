//! `stems`: the Stem Suite command-line tool.

mod analyze;
mod audio;
mod check;
mod common;
mod demo;
mod link;
mod matched;
mod render;
mod roles;

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
    /// Analyse stem files: loudness, true peak, balance and which stem masks which.
    Analyze(analyze::AnalyzeArgs),
    /// Check a stem delivery: format, levels, channels, names, and the null test against the mix.
    Check(check::CheckArgs),
    /// Write a generated demo multitrack and analyse it (JSON and an HTML report).
    Demo(demo::DemoArgs),
    /// Render stems to a master: each through a Stem Strip, the sum through the Stem Master.
    Render(render::RenderArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Link(cmd) => link::run(cmd),
        Command::Analyze(args) => analyze::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Check(args) => check::run(args),
        Command::Render(args) => render::run(args),
    }
}

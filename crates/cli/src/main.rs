//! `moonkeep`: run Lua against a persisted Memory from the command line.
//!
//! Every command opens the database, restores Memory into a fresh VM, does its work
//! and, where it ran Lua, ends with a save point. Two processes see the same Memory
//! because each run starts from what the last one committed.
#![forbid(unsafe_code)]

mod session;
mod tree;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use session::Session;

#[derive(Parser)]
#[command(
    name = "moonkeep",
    version,
    about = "A Lua 5.4 playground that never forgets: everything reachable from Memory is kept."
)]
struct Cli {
    /// The database file (default: memory.redb in your data directory).
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Stop a run that computes longer than this many seconds (default: no limit;
    /// Ctrl+C stops a run either way).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_seconds)]
    time_limit: Option<Duration>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a Lua file against Memory, then save.
    Run { file: PathBuf },
    /// Evaluate Lua code against Memory (an expression prints its values), then save.
    Eval { code: String },
    /// An interactive prompt; each entry is evaluated and saved.
    Repl,
    /// Print the Memory tree.
    Inspect,
    /// Write Memory to a snapshot file.
    Export { file: PathBuf },
    /// Replace Memory with a snapshot file's.
    Import {
        file: PathBuf,
        /// Load functions from a snapshot made by another store (only for files you trust).
        #[arg(long)]
        trust: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let db = match cli.db.or_else(default_db) {
        Some(db) => db,
        None => return fail("cannot find a data directory for the database; pass --db PATH"),
    };
    let limit = cli.time_limit;
    let open = |db: &PathBuf| Session::open(db, limit);
    let outcome = match cli.command {
        Command::Run { file } => match std::fs::read_to_string(&file) {
            Ok(source) => {
                let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                open(&db).and_then(|mut s| s.run(&source, &name, false))
            }
            Err(e) => Err(format!("cannot read {}: {e}", file.display())),
        },
        Command::Eval { code } => open(&db).and_then(|mut s| s.run(&code, "eval", true)),
        Command::Repl => open(&db).and_then(|mut s| s.repl()),
        Command::Inspect => open(&db).map(|s| {
            print!("{}", tree::render(&s.vm.memory_tree(moonkeep_engine::Limits::default())));
            true
        }),
        Command::Export { file } => open(&db).and_then(|s| s.export(&file)).map(|()| true),
        Command::Import { file, trust } => Session::import(&db, &file, trust).map(|()| true),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => fail(&message),
    }
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!("'{text}' is not a positive number of seconds")),
    }
}

fn default_db() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "moonkeep").map(|d| d.data_dir().join("memory.redb"))
}

fn fail(message: &str) -> ExitCode {
    eprintln!("moonkeep: {message}");
    ExitCode::from(2)
}

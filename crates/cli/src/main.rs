//! `moonkeep`: run Lua against a persisted Memory from the command line.
//!
//! Every command opens the database, restores Memory into a fresh VM, does its work
//! and, where it ran Lua, ends with a save point. Two processes see the same Memory
//! because each run starts from what the last one committed.
#![forbid(unsafe_code)]

mod history;
mod modules;
mod repl;
mod session;
mod tree;
mod trial;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use modules::Directory;
use session::{Access, Session};

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
    Inspect {
        /// Of a past version (read only).
        #[arg(long, value_name = "VERSION")]
        at: Option<u64>,
    },
    /// Write Memory to a snapshot file (one version, without the history).
    Export {
        file: PathBuf,
        /// A past version instead of the current one.
        #[arg(long, value_name = "VERSION")]
        at: Option<u64>,
    },
    /// Replace Memory with a snapshot file's.
    Import {
        file: PathBuf,
        /// Load functions from a snapshot made by another store (only for files you trust).
        #[arg(long)]
        trust: bool,
    },
    /// List the versions of Memory, newest first; with a version, its whole entry.
    History { version: Option<u64> },
    /// Compare two versions path by path.
    Diff { a: u64, b: u64 },
    /// Make a past version current again (as a new version, so it can be undone).
    Restore { version: u64 },
    /// Show the history's storage budget and use; set it with --budget.
    Retention {
        /// Megabytes the history may take before older versions are thinned.
        #[arg(long, value_name = "MB", value_parser = parse_megabytes)]
        budget: Option<f64>,
    },
}

fn main() -> ExitCode {
    // A copy of this program started to read a damaged database does only that.
    moonkeep_store_redb::serve_salvage_read();
    let cli = Cli::parse();
    let db = match cli.db.or_else(default_db) {
        Some(db) => db,
        None => return fail("cannot find a data directory for the database; pass --db PATH"),
    };
    let limit = cli.time_limit;
    let open = |db: &PathBuf| Session::open(db, limit, Access::Write);
    let read = |db: &PathBuf| Session::open(db, limit, Access::Read);
    let outcome = match cli.command {
        // As `lua FILE`: the bytes as they are, the chunk named after the path given;
        // modules are the files beside it.
        Command::Run { file } => match std::fs::read(&file) {
            Ok(source) => open(&db).and_then(|mut s| {
                s.vm.set_workspace(Directory::new(file.parent().unwrap_or(Path::new(""))));
                s.run_file(&source, &file.to_string_lossy())
            }),
            Err(e) => Err(format!("cannot read {}: {e}", file.display())),
        },
        Command::Eval { code } => open(&db).and_then(|mut s| {
            s.vm.set_workspace(Directory::new(Path::new("")));
            s.run(&code, "eval", true)
        }),
        Command::Repl => open(&db).and_then(|mut s| {
            s.vm.set_workspace(Directory::new(Path::new("")));
            s.repl(repl::history_file(&db))
        }),
        Command::Inspect { at: None } => read(&db).and_then(|s| {
            let tree = tree::render(&s.vm.memory_tree(moonkeep_engine::Limits::default()));
            let mut out = std::io::stdout();
            out.write_all(tree.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| format!("cannot write the output: {e}"))?;
            Ok(true)
        }),
        Command::Inspect { at: Some(at) } => history::inspect(&db, at).map(|()| true),
        Command::Export { file, at: None } => read(&db).and_then(|s| s.export(&file)).map(|()| true),
        Command::Export { file, at: Some(at) } => history::export(&db, at, &file).map(|()| true),
        Command::Import { file, trust } => Session::import(&db, &file, trust).map(|()| true),
        Command::History { version } => history::list(&db, version).map(|()| true),
        Command::Diff { a, b } => history::diff(&db, a, b).map(|()| true),
        Command::Restore { version } => history::restore(&db, version).map(|()| true),
        Command::Retention { budget } => history::retention(&db, budget).map(|()| true),
    };
    let code = match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => fail(&message),
    };
    if session::stop_requested() {
        eprintln!("moonkeep: stopped by Ctrl+C after Memory was saved");
        return ExitCode::from(130);
    }
    code
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!("'{text}' is not a positive number of seconds")),
    }
}

fn parse_megabytes(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(mb) if mb >= 0.0 && mb.is_finite() => Ok(mb),
        _ => Err(format!("'{text}' is not a number of megabytes")),
    }
}

fn default_db() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "moonkeep").map(|d| d.data_dir().join("memory.redb"))
}

fn fail(message: &str) -> ExitCode {
    eprintln!("moonkeep: {message}");
    ExitCode::from(2)
}

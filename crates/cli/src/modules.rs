//! `require` on the command line: the `.lua` files under a directory (FILE's for
//! `moonkeep run FILE`, the current one for `eval` and `repl`), found as stock Lua's
//! `?.lua;?/init.lua` finds them relative to it: `require "lib.text"` loads
//! `lib/text.lua`, or `lib/text/init.lua`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use moonkeep_engine::{Module, Workspace};

/// Directories below the root a module may be in (`a.b.c.d` is four deep).
const DEPTH: usize = 4;
/// Directory entries looked at in all: a run started in a huge tree does not walk it.
const ENTRIES: usize = 10_000;

pub struct Directory {
    root: PathBuf,
    /// Each file's bytes with the modification time and length they were read at, so
    /// that a file is read again only when it changed.
    read: HashMap<PathBuf, (Option<SystemTime>, u64, Vec<u8>)>,
}

impl Directory {
    pub fn new(root: &Path) -> Directory {
        Directory { root: root.to_owned(), read: HashMap::new() }
    }

    /// The `.lua` files under the root, as (module name, path), in the order `require`
    /// prefers them: `x.lua` before `x/init.lua`.
    fn files(&self) -> Vec<(String, PathBuf)> {
        let mut files = Vec::new();
        let mut budget = ENTRIES;
        let mut folders = vec![(Vec::<String>::new(), self.folder())];
        while let Some((names, folder)) = folders.pop() {
            let Ok(entries) = std::fs::read_dir(&folder) else { continue };
            for entry in entries.flatten() {
                if budget == 0 {
                    return files;
                }
                budget -= 1;
                let Ok(name) = entry.file_name().into_string() else { continue };
                if name.starts_with('.') {
                    continue;
                }
                let path = entry.path();
                let Ok(kind) = entry.file_type() else { continue };
                if kind.is_dir() || (kind.is_symlink() && path.is_dir()) {
                    if names.len() < DEPTH - 1 && !name.contains('.') {
                        folders.push(([names.clone(), vec![name]].concat(), path));
                    }
                } else if let Some(stem) = name.strip_suffix(".lua").filter(|s| !s.is_empty() && !s.contains('.')) {
                    let module = match (stem, names.is_empty()) {
                        ("init", false) => names.join("."),
                        _ => [names.clone(), vec![stem.to_owned()]].concat().join("."),
                    };
                    files.push((module, self.shown(&path)));
                }
            }
        }
        // "x.lua" before "x/init.lua": the shorter path for the same name.
        files.sort_by(|(a, pa), (b, pb)| a.cmp(b).then(pa.components().count().cmp(&pb.components().count())));
        files.dedup_by(|later, first| later.0 == first.0);
        files
    }

    fn folder(&self) -> PathBuf {
        if self.root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            self.root.clone()
        }
    }

    /// The path as errors show it: relative to the root as given (`util.lua` in the
    /// current directory).
    fn shown(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(".") {
            Ok(rest) if self.root.as_os_str().is_empty() => rest.to_owned(),
            _ => path.to_owned(),
        }
    }

    fn bytes(&mut self, path: &Path) -> Option<Vec<u8>> {
        let meta = std::fs::metadata(path).ok()?;
        let stamp = (meta.modified().ok(), meta.len());
        match self.read.get(path) {
            Some((modified, len, bytes)) if (*modified, *len) == stamp && stamp.0.is_some() => Some(bytes.clone()),
            _ => {
                let bytes = std::fs::read(path).ok()?;
                self.read.insert(path.to_owned(), (stamp.0, stamp.1, bytes.clone()));
                Some(bytes)
            }
        }
    }
}

impl Workspace for Directory {
    fn modules(&mut self) -> Vec<Module> {
        let mut modules = Vec::new();
        for (name, path) in self.files() {
            let Some(source) = self.bytes(&path) else { continue };
            let shown = path.to_string_lossy().into_owned();
            modules.push(Module { name, place: format!("file '{shown}'"), chunk: shown.clone(), extra: shown, source });
        }
        modules
    }

    fn searched(&self) -> String {
        let root = self.root.join("?");
        let root = root.to_string_lossy();
        format!("no file '{root}.lua'\n\tno file '{root}/init.lua'")
    }

    fn dots_as_slashes(&self) -> bool {
        true
    }
}

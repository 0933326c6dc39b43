//! `require` between scripts: after `package.preload`, `require "name"` finds the
//! workspace's module `name` (the page's tabs, or `.lua` files in a directory) and
//! caches it in `package.loaded` as Lua does. A module whose source changed, or that
//! is gone, is dropped from `package.loaded` when the next run starts, so that run
//! loads it anew.
//!
//! The searcher is Lua, not a Rust callback: finalizers may call `require` while the
//! state closes, when a callback into Rust would find its host gone. The host hands
//! the sources over before each run instead, into a table the searcher reads.

use std::collections::BTreeMap;

use mlua::{Function, Lua, LuaString, Table, Value};

/// One module `require` can find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// What `require` is given: `util`, `lib.text`.
    pub name: String,
    /// The chunk name errors and tracebacks show: `util.lua` (`util.lua:3: ...`).
    pub chunk: String,
    /// Where it comes from, for "error loading module 'util' from PLACE": `script
    /// 'util'`, `file 'dir/util.lua'`.
    pub place: String,
    /// The loader's second argument (the manual's "extra value"): the script's or
    /// the file's name.
    pub extra: String,
    pub source: Vec<u8>,
}

/// Where `require` looks after `package.preload`. Asked at the start of every run.
pub trait Workspace {
    /// The modules as they are now.
    fn modules(&mut self) -> Vec<Module>;
    /// What `require`'s "module 'x' not found:" lists for this workspace, `?` standing
    /// for the name: `no script '?' or '?.lua' among the tabs`.
    fn searched(&self) -> String;
    /// Whether the name's dots become `/` in [`Workspace::searched`] (files: `a.b`
    /// is `a/b.lua`).
    fn dots_as_slashes(&self) -> bool {
        false
    }
}

/// Named scripts (the page's tabs): `require "util"` finds the script named `util`
/// or `util.lua`, whose chunk is `util.lua`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scripts {
    by_name: BTreeMap<String, Module>,
}

impl Scripts {
    /// The scripts as (name, text). A script named exactly as a module wins over one
    /// named with `.lua` after it.
    pub fn new<'a>(scripts: impl IntoIterator<Item = (&'a str, &'a str)>) -> Scripts {
        let mut by_name = BTreeMap::new();
        let mut named_lua = Vec::new();
        for (name, text) in scripts {
            let module = match name.strip_suffix(".lua") {
                Some(stem) if !stem.is_empty() => {
                    named_lua.push((stem.to_owned(), name, text));
                    continue;
                }
                _ => Scripts::module(name.to_owned(), name, text),
            };
            by_name.entry(module.name.clone()).or_insert(module);
        }
        for (stem, name, text) in named_lua {
            by_name.entry(stem.clone()).or_insert_with(|| Scripts::module(stem, name, text));
        }
        Scripts { by_name }
    }

    fn module(name: String, script: &str, text: &str) -> Module {
        Module {
            chunk: format!("{name}.lua"),
            place: format!("script '{script}'"),
            extra: script.to_owned(),
            source: text.as_bytes().to_vec(),
            name,
        }
    }
}

impl Workspace for Scripts {
    fn modules(&mut self) -> Vec<Module> {
        self.by_name.values().cloned().collect()
    }

    fn searched(&self) -> String {
        "no script '?' or '?.lua' among the tabs".to_owned()
    }
}

/// The searcher: reads `state.modules` (filled by the host before each run) and
/// records in `state.found` the source each module was loaded from. Its errors are
/// worded as stock `require`'s.
const SEARCHER: &str = r#"
local state, load, gsub, error = ...
return function(name)
  local module = state.modules[name]
  if module == nil then
    local shown = state.slashes and gsub(name, "%.", "/") or name
    return (gsub(state.searched, "%?", function() return shown end))
  end
  local loader, message = load(module.source, "@" .. module.chunk, "t")
  if loader == nil then
    error("error loading module '" .. name .. "' from " .. module.place .. ":\n\t" .. message, 0)
  end
  state.found[name] = module.source
  return loader, module.extra
end
"#;

/// The searcher's side in Rust: the workspace and the table the searcher reads.
pub(super) struct Modules {
    workspace: Box<dyn Workspace>,
    state: Table,
}

impl Modules {
    /// Puts the searcher second in `package.searchers`, after `package.preload`'s, in
    /// place of the library's (which only says there are no module files).
    pub(super) fn install(lua: &Lua) -> mlua::Result<Modules> {
        let state = lua.create_table()?;
        state.raw_set("found", lua.create_table()?)?;
        let globals = lua.globals();
        let string: Table = globals.raw_get("string")?;
        let searcher: Function = lua.load(SEARCHER).set_name("=workspace").call((
            &state,
            globals.raw_get::<Function>("load")?,
            string.raw_get::<Function>("gsub")?,
            globals.raw_get::<Function>("error")?,
        ))?;
        let package: Table = globals.raw_get("package")?;
        package.raw_get::<Table>("searchers")?.raw_set(2, searcher)?;
        let mut modules = Modules { workspace: Box::new(Scripts::default()), state };
        modules.refresh(lua)?;
        Ok(modules)
    }

    pub(super) fn set_workspace(&mut self, workspace: Box<dyn Workspace>) {
        self.workspace = workspace;
    }

    /// Hands the workspace's modules to the searcher and drops from `package.loaded`
    /// every module it loaded whose source changed or is gone. Called as a run starts.
    pub(super) fn refresh(&mut self, lua: &Lua) -> mlua::Result<()> {
        let modules = self.workspace.modules();
        let table = lua.create_table()?;
        for module in &modules {
            let entry = lua.create_table()?;
            entry.raw_set("chunk", module.chunk.as_str())?;
            entry.raw_set("place", module.place.as_str())?;
            entry.raw_set("extra", module.extra.as_str())?;
            entry.raw_set("source", lua.create_string(&module.source)?)?;
            table.raw_set(module.name.as_str(), entry)?;
        }
        self.state.raw_set("modules", table)?;
        self.state.raw_set("searched", self.workspace.searched())?;
        self.state.raw_set("slashes", self.workspace.dots_as_slashes())?;

        let found: Table = self.state.raw_get("found")?;
        let stale: Vec<Value> = found
            .pairs::<LuaString, LuaString>()
            .filter_map(Result::ok)
            .filter(|(name, source)| {
                let now = modules.iter().find(|m| m.name.as_bytes() == name.as_bytes().as_ref());
                now.is_none_or(|m| m.source != source.as_bytes().as_ref())
            })
            .map(|(name, _)| Value::String(name))
            .collect();
        let loaded: Table = lua.named_registry_value("_LOADED")?;
        for name in stale {
            loaded.raw_set(name.clone(), Value::Nil)?;
            found.raw_set(name, Value::Nil)?;
        }
        Ok(())
    }
}

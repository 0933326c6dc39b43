//! `require` between scripts: after `package.preload`, `require "name"` finds the
//! workspace's module `name` (the page's tabs, or `.lua` files in a directory) and
//! caches it in `package.loaded` as Lua does. A module whose source changed, or that
//! is gone, is dropped from `package.loaded` when the next run starts, so that run
//! loads it anew.
//!
//! The searcher is Lua, not a Rust callback: finalizers may call `require` while the
//! state closes, when a callback into Rust would find its host gone. The host hands
//! the sources over before each run instead, in one call (little code in the page).

use mlua::{Function, Lua, MultiValue, Value};

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
    modules: Vec<Module>,
}

impl Scripts {
    /// The scripts as (name, text). A script named exactly as a module wins over one
    /// named with `.lua` after it.
    pub fn new<'a>(scripts: impl IntoIterator<Item = (&'a str, &'a str)>) -> Scripts {
        let (named_lua, plain): (Vec<_>, Vec<_>) =
            scripts.into_iter().partition(|(name, _)| name.len() > 4 && name.ends_with(".lua"));
        let mut modules: Vec<Module> = Vec::new();
        for (script, text) in plain.into_iter().chain(named_lua) {
            let name = script.strip_suffix(".lua").filter(|stem| !stem.is_empty()).unwrap_or(script);
            if modules.iter().all(|m| m.name != name) {
                modules.push(Module {
                    name: name.to_owned(),
                    chunk: format!("{name}.lua"),
                    place: format!("script '{script}'"),
                    extra: script.to_owned(),
                    source: text.as_bytes().to_vec(),
                });
            }
        }
        Scripts { modules }
    }
}

impl Workspace for Scripts {
    fn modules(&mut self) -> Vec<Module> {
        self.modules.clone()
    }

    fn searched(&self) -> String {
        "no script '?' or '?.lua' among the tabs".to_owned()
    }
}

/// Puts the searcher second in `package.searchers`, after `package.preload`'s, in
/// place of the library's (which only says there are no module files), and returns
/// `update`, which the host calls at the start of each run with the workspace's
/// modules. The searcher records in `found` the source each module was loaded from;
/// `update` drops from `package.loaded` those whose source changed or is gone. Its
/// errors are worded as stock `require`'s. Run before any script: everything the two
/// use is taken then, so that a script replacing `load` or `string.gsub` changes
/// nothing.
const SEARCHER: &str = r##"
local load, gsub, error, next, select, loaded = load, string.gsub, error, next, select, package.loaded
local modules, found, searched, slashes = {}, {}, "", false

local function searcher(name)
  local module = modules[name]
  if module == nil then
    local shown = slashes and gsub(name, "%.", "/") or name
    return (gsub(searched, "%?", function() return shown end))
  end
  local loader, message = load(module.source, "@" .. module.chunk, "t")
  if loader == nil then
    error("error loading module '" .. name .. "' from " .. module.place .. ":\n\t" .. message, 0)
  end
  found[name] = module.source
  return loader, module.extra
end

local function update(where, dots, ...)
  searched, slashes, modules = where, dots, {}
  for i = 1, select("#", ...), 5 do
    local name, chunk, place, extra, source = select(i, ...)
    modules[name] = { chunk = chunk, place = place, extra = extra, source = source }
  end
  for name, source in next, found do
    local now = modules[name]
    if now == nil or now.source ~= source then
      found[name], loaded[name] = nil, nil
    end
  end
end

package.searchers[2] = searcher
return update
"##;

/// The searcher's side in Rust: the workspace and the function that hands its
/// modules to the searcher.
pub(super) struct Modules {
    workspace: Box<dyn Workspace>,
    update: Function,
}

impl Modules {
    /// Installs the searcher (see [`SEARCHER`]).
    pub(super) fn install(lua: &Lua) -> mlua::Result<Modules> {
        let update = lua.load(SEARCHER).set_name("=workspace").call(())?;
        let mut modules = Modules { workspace: Box::new(Scripts::default()), update };
        modules.refresh(lua)?;
        Ok(modules)
    }

    pub(super) fn set_workspace(&mut self, workspace: Box<dyn Workspace>) {
        self.workspace = workspace;
    }

    /// Hands the workspace's modules to the searcher, which forgets those it loaded
    /// whose source changed or is gone. Called as a run starts.
    pub(super) fn refresh(&mut self, lua: &Lua) -> mlua::Result<()> {
        let modules = self.workspace.modules();
        let mut arguments = Vec::with_capacity(2 + 5 * modules.len());
        arguments.push(Value::String(lua.create_string(self.workspace.searched())?));
        arguments.push(Value::Boolean(self.workspace.dots_as_slashes()));
        for module in modules {
            for text in [
                module.name.as_bytes(),
                module.chunk.as_bytes(),
                module.place.as_bytes(),
                module.extra.as_bytes(),
                &module.source,
            ] {
                arguments.push(Value::String(lua.create_string(text)?));
            }
        }
        self.update.call(MultiValue::from_vec(arguments))
    }
}

-- The library functions Moonkeep replaces look like stock C functions to debug.
local replaced = {
  "print", "load", "dofile", "loadfile", "string.dump", "io.write", "io.read", "io.lines",
  "io.input", "io.output", "io.open", "io.close", "os.clock", "os.getenv", "os.exit",
  "os.date", "os.time", "coroutine.yield", "coroutine.running", "coroutine.isyieldable",
  "debug.getupvalue", "debug.setupvalue", "debug.upvaluejoin", "require",
}
for _, name in ipairs(replaced) do
  local f = load("return " .. name)()
  local info = debug.getinfo(f, "SlunrtL")
  print(name, info.what, info.source, info.short_src, info.linedefined, info.lastlinedefined,
    info.currentline, info.nups, info.nparams, info.isvararg, info.activelines)
end
-- string.dump refuses C functions
for _, name in ipairs(replaced) do
  print(name, pcall(string.dump, load("return " .. name)()))
end
-- the main chunk: called from C, as by the stand-alone lua
local main = debug.getinfo(1, "S")
print(main.what, main.source, main.short_src)
local caller = debug.getinfo(2, "Sn")
print(caller.what, caller.source, caller.short_src, caller.name, caller.namewhat)
print(debug.getinfo(3))
print(debug.traceback("here"))
print(debug.traceback("level 2", 2))
-- upvalues of C functions: none to see
print(debug.getupvalue(print, 1), debug.getupvalue(io.write, 1))
print(debug.setupvalue(print, 1, 0))
local function f() return replaced end
print(debug.getupvalue(f, 1) == "replaced", debug.setupvalue(f, 1, replaced))

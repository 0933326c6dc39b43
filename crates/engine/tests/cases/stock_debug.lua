-- oracle: lua5.4
-- Library functions look like stock C functions; the run's thread is invisible.
for _, name in ipairs({ "print", "load", "io.write", "io.lines", "io.open", "os.clock", "string.dump",
  "coroutine.yield", "coroutine.running", "debug.getupvalue", "require", "dofile" }) do
  local info = debug.getinfo(load("return " .. name)(), "Su")
  print(name, info.what, info.short_src, info.linedefined, info.nups, info.isvararg)
end
print(pcall(string.dump, print))
print(debug.getinfo(2, "S").what, debug.getinfo(3))
print(debug.traceback("main"))
local co = coroutine.create(function(x) local y = coroutine.yield(x) return y end)
coroutine.resume(co, 1)
print(debug.traceback(co))
print(debug.getinfo(co, 0, "n").name, debug.getinfo(co, 1, "S").what, debug.getinfo(co, 2))
local seen = {}
debug.sethook(co, function(event) seen[#seen + 1] = event .. ":" .. debug.getinfo(2, "S").what end, "cr")
coroutine.resume(co, 2)
print(table.concat(seen, " "))
local lines = {}
debug.sethook(function(_, line) lines[#lines + 1] = debug.getinfo(2, "S").short_src .. ":" .. line end, "l")
load("x = 1\ny = 2")()
debug.sethook()
print(table.concat(lines, " "))
print(coroutine.running() ~= nil, select(2, coroutine.running()), coroutine.isyieldable(), pcall(coroutine.yield))

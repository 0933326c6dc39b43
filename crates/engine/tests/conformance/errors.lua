-- Error messages of the library functions Moonkeep replaces, word for word.
local calls = {
  { "io.write", io.write, {} },
  { "io.write", io.write, "a", true },
  { "io.stdout:write", io.stdout.write, io.stdout, {} },
  { "io.read", io.read, "x" },
  { "io.input", io.input, {} },
  { "io.output", io.output, 42.5 and {} },
  { "io.lines", io.lines, nil, "x" },
  { "io.close", io.close },
  { "io.type", io.type },
  { "print", print, setmetatable({}, { __tostring = function() return 1 end }) },
  { "print", print, setmetatable({}, { __tostring = function() error("inner") end }) },
  { "tostring", tostring },
  { "load", load },
  { "load", load, nil },
  { "load", load, "x", "n", {} },
  { "string.dump", string.dump },
  { "string.dump", string.dump, print },
  { "os.getenv", os.getenv },
  { "os.getenv", os.getenv, {} },
  { "os.date", os.date, {} },
  { "os.date", os.date, "%Ez", 0 },
  { "os.date", os.date, "%", 0 },
  { "os.time", os.time, {} },
  { "os.time", os.time, { year = 2000, month = 1, day = "x" } },
  { "os.time", os.time, { year = 2000, month = 1.5, day = 1 } },
  { "os.clock", os.clock },
  { "coroutine.yield", coroutine.yield },
  { "coroutine.isyieldable", coroutine.isyieldable, "x" },
  { "coroutine.running", coroutine.running },
  { "debug.getupvalue", debug.getupvalue },
  { "debug.getupvalue", debug.getupvalue, print },
  { "debug.getupvalue", debug.getupvalue, 1, 1 },
  { "debug.setupvalue", debug.setupvalue, print, 1 },
  { "debug.upvaluejoin", debug.upvaluejoin, print, 1, print, 1 },
  { "require", require, "no.such.module.anywhere" == nil },
}
for _, c in ipairs(calls) do
  local ok, err = pcall(c[2], table.unpack(c, 3))
  print(c[1], ok, (type(err) == "string" or type(err) == "nil") and err or type(err))
end
-- called by name, the messages name the function as the call site does
print(pcall(function() io.write({}) end))
print(pcall(function() local w = io.write; w({}) end))
print(pcall(function() io.stdout:write({}) end))
print(pcall(function() string.dump(print) end))
print(pcall(function() coroutine.isyieldable(1) end))
print(select("#", io.write()))

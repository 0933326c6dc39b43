-- Moonkeep's standard library: stock Lua 5.4 with the parts that cannot work in a
-- browser replaced on purpose, so that every host (browser or command line) behaves
-- the same and nothing a script does can take the VM down.
--
-- Called once per VM, before any user code, with a table of host functions:
--   write(s)          append s to the run's captured output
--   clock()           monotonic seconds (os.clock)
--   utc_offset(t)     seconds east of UTC at time t, or nil when libc knows the zone
--   sealed_dump, load_sealed   the bytecode seal (crates/lua/csrc/seal.c): string.dump
--                     with a tag under this VM's secret key, and load for binary chunks,
--                     which accepts only chunks carrying that tag
local host = ...
local clock, utc_offset = host.clock, host.utc_offset
local load_sealed = host.load_sealed

local type, select, tostring, error, setmetatable = type, select, tostring, error, setmetatable
local string_format, string_byte, math_type, table_concat = string.format, string.byte, math.type, table.concat
local write, getinfo = host.write, debug.getinfo

local NO_FILES = "there is no file system; keep data in Memory"
local NO_PROCESSES = "there are no processes"

local function refusal(name, why)
  return name .. " is not available in the browser: " .. why
end

local function unavailable(name, why)
  local message = refusal(name, why)
  return function() error(message, 2) end
end

local function number_text(n)
  if math_type(n) == "integer" then return string_format("%d", n) end
  return string_format("%.14g", n)
end

-- print and io.write write to the run's output, not to a process's stdout.
function print(...)
  local n = select("#", ...)
  local parts = { ... }
  for i = 1, n do parts[i] = tostring(parts[i]) end
  write(table_concat(parts, "\t", 1, n) .. "\n")
end

local function write_values(self, fname, ...)
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    local t = type(v)
    if t == "string" then
      write(v)
    elseif t == "number" then
      write(number_text(v))
    else
      error(string_format("bad argument #%d to '%s' (string expected, got %s)", i, fname, t), 3)
    end
  end
  return self
end

-- Standard streams: stdout and stderr are the run's output; stdin is always empty.
local stream = {}
stream.__index = stream
stream.__name = "FILE*"
function stream:__tostring() return "file (" .. self.name .. ")" end
function stream:write(...) return write_values(self, "write", ...) end
function stream:read() return nil end
function stream:lines() return function() return nil end end
function stream:flush() return self end
function stream:setvbuf() return true end
function stream:seek() return nil, "Illegal seek", 29 end
function stream:close() return nil, "cannot close standard file" end

local stdin = setmetatable({ name = "stdin" }, stream)
local stdout = setmetatable({ name = "stdout" }, stream)
local stderr = setmetatable({ name = "stderr" }, stream)

local function is_stream(v) return v == stdin or v == stdout or v == stderr end

io.stdin, io.stdout, io.stderr = stdin, stdout, stderr
function io.write(...) return write_values(stdout, "write", ...) end
function io.read() return nil end
function io.input(f) if f == nil or is_stream(f) then return stdin end error(refusal("io.input", NO_FILES), 2) end
function io.output(f) if f == nil or is_stream(f) then return stdout end error(refusal("io.output", NO_FILES), 2) end
function io.lines(name, ...)
  if name == nil then return function() return nil end end
  error(refusal("io.lines", NO_FILES), 2)
end
function io.close(f)
  if f == nil or is_stream(f) then return nil, "cannot close standard file" end
  error(refusal("io.close", NO_FILES), 2)
end
function io.type(v) if is_stream(v) then return "file" end return nil end
io.open = unavailable("io.open", NO_FILES)
io.popen = unavailable("io.popen", NO_FILES)
io.tmpfile = unavailable("io.tmpfile", NO_FILES)

-- os: time and date work; nothing touches a process or a file system.
os.clock = clock
os.exit = unavailable("os.exit", NO_PROCESSES)
os.execute = unavailable("os.execute", NO_PROCESSES)
os.remove = unavailable("os.remove", NO_FILES)
os.rename = unavailable("os.rename", NO_FILES)
os.tmpname = unavailable("os.tmpname", NO_FILES)
function os.getenv() return nil end

-- In the browser libc only knows UTC; the host knows the user's time zone.
if utc_offset then
  local os_date, os_time = os.date, os.time
  function os.date(format, t)
    format = format or "%c"
    t = t or os_time()
    if type(format) == "string" and string_byte(format, 1) == 33 then -- "!": UTC asked for
      return os_date(format, t)
    end
    return os_date("!" .. format, t + utc_offset(t))
  end
  function os.time(fields)
    if fields == nil then return os_time() end
    local t = os_time(fields) -- read as UTC
    return t - utc_offset(t)
  end
end

-- Modules: only package.preload can provide them; say so instead of listing paths.
-- (Lua 5.4 joins the searchers' messages with "\n\t".)
package.path, package.cpath = "", ""
package.searchers = {
  package.searchers[1],
  function(name)
    return "no module files in the browser: define it first with package.preload['" .. name
      .. "'] = function() ... end"
  end,
}
package.loadlib = unavailable("package.loadlib", NO_FILES)
dofile = unavailable("dofile", NO_FILES)
loadfile = unavailable("loadfile", NO_FILES)

-- Bytecode: Lua does not verify it, and a crafted chunk can corrupt the VM, so load
-- accepts only bytecode that string.dump produced in this VM (it carries a tag).
local lua_load = load
string.dump = host.sealed_dump

function load(chunk, ...)
  local named = select("#", ...) >= 1 and (...) ~= nil
  if type(chunk) == "function" then
    local reader, parts = chunk, {}
    while true do
      local piece = reader()
      if piece == nil or piece == "" then break end
      if type(piece) ~= "string" then return nil, "reader function must return a string" end
      parts[#parts + 1] = piece
    end
    chunk = table_concat(parts)
    if not named then return load(chunk, "=(load)", select(2, ...)) end
  end
  if type(chunk) == "string" and string_byte(chunk, 1) == 27 then
    return load_sealed(chunk, ...)
  end
  return lua_load(chunk, ...)
end

-- debug: the registry (which holds the seal's key) and the upvalues of C functions hold
-- the host's own values, and the upvalues of the functions defined here hold the host
-- functions above (load_sealed, write). Reading, replacing or joining them would let a
-- script forge sealed bytecode or break the host, so debug refuses those functions.
local getupvalue, setupvalue, upvaluejoin = debug.getupvalue, debug.setupvalue, debug.upvaluejoin
local HERE = getinfo(1, "S").source
local function is_host_function(f)
  if type(f) ~= "function" then return false end
  local info = getinfo(f, "S")
  return info.what == "C" or info.source == HERE
end
function debug.getupvalue(f, n)
  if is_host_function(f) then return nil end
  return getupvalue(f, n)
end
function debug.setupvalue(f, n, v)
  if is_host_function(f) then return nil end
  return setupvalue(f, n, v)
end
function debug.upvaluejoin(f1, n1, f2, n2)
  if is_host_function(f1) or is_host_function(f2) then
    error("debug.upvaluejoin cannot join the upvalues of built-in functions", 2)
  end
  return upvaluejoin(f1, n1, f2, n2)
end
debug.getregistry = unavailable("debug.getregistry", "the registry holds the host's own values")

-- Runs execute on a Lua thread of their own, so that the host can pause them (see
-- vm/run.rs). To the script that thread is the main one, as in plain Lua.
local runner
local co_running, co_isyieldable, co_yield = coroutine.running, coroutine.isyieldable, coroutine.yield
function coroutine.running()
  local co, main = co_running()
  return co, main or co == runner
end
function coroutine.isyieldable(co)
  co = co or co_running()
  if co == runner then return false end
  return co_isyieldable(co)
end
function coroutine.yield(...)
  if co_running() == runner then error("attempt to yield from outside a coroutine", 0) end
  return co_yield(...)
end

-- The host names the thread of each run.
return function(thread) runner = thread end

-- A hook sees what it sees under stock Lua: no library code written in Lua.
local events = {}
local function record(event, line)
  local info = debug.getinfo(2, "Sn")
  events[#events + 1] = event .. " " .. tostring(line or "") .. " " .. info.short_src .. " " .. tostring(info.name)
end
debug.sethook(record, "crl")
local f = load("x = 1\ny = 2")
f()
print("printed")
io.write("written\n")
local s = tostring(12)
debug.sethook()
for _, e in ipairs(events) do print(e) end

-- a "cr" hook on a coroutine
local co = coroutine.create(function(a)
  local b = coroutine.yield(a + 1)
  return b * 2
end)
local seen = {}
debug.sethook(co, function(event)
  local info = debug.getinfo(2, "Sn")
  seen[#seen + 1] = event .. " " .. info.what .. " " .. tostring(info.name)
end, "cr")
print(coroutine.resume(co, 1))
print(coroutine.resume(co, 5))
for _, e in ipairs(seen) do print(e) end
-- a count hook
local n = 0
debug.sethook(function() n = n + 1 end, "", 1)
for i = 1, 10 do local _ = i end
debug.sethook()
print(n > 10, debug.gethook())

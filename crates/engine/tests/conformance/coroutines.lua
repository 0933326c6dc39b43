-- Tracebacks and debug information of coroutines, suspended or dead.
local function inner(x) return coroutine.yield(x) end
local co = coroutine.create(function(a) local r = inner(a) error("failed with " .. tostring(r)) end)
print(coroutine.resume(co, 10))
print(debug.traceback(co))
print(debug.traceback(co, "message"))
print(debug.traceback(co, "from 1", 1))
for level = 0, 4 do
  local info = debug.getinfo(co, level, "Sln")
  if info then
    print(level, info.what, info.short_src, info.currentline, info.name, info.namewhat)
  else
    print(level, nil)
  end
end
print(debug.getlocal(co, 1, 1))
print(coroutine.resume(co, "answer"))
print(coroutine.status(co))
print(debug.traceback(co))
-- the main chunk is the main thread
print(select(2, coroutine.running()), coroutine.isyieldable())
print(pcall(coroutine.yield, 1))
print(pcall(coroutine.isyieldable, 42))
local wrapped = coroutine.wrap(function(...)
  print("inside", select(2, coroutine.running()), coroutine.isyieldable())
  local got = { coroutine.yield(...) }
  return #got, table.unpack(got)
end)
print(wrapped(1, 2, 3))
print(wrapped("a", nil, "c"))
-- yield across pcall and metamethods
local co2 = coroutine.wrap(function()
  local ok, v = pcall(function() return coroutine.yield("in pcall") end)
  local t = setmetatable({}, { __index = function(_, k) return coroutine.yield(k) end })
  return ok, v, t.key
end)
print(co2())
print(co2("resumed"))
print(co2("indexed"))
-- yield from a C boundary
local co3 = coroutine.create(function() table.sort({ 3, 2, 1 }, function(a, b) coroutine.yield() return a < b end) end)
print(coroutine.resume(co3))
print(coroutine.close(co3), coroutine.status(co3))
-- closing a suspended coroutine runs its to-be-closed variables
local co4 = coroutine.create(function()
  local x <close> = setmetatable({}, { __close = function() print("closed") end })
  coroutine.yield()
end)
coroutine.resume(co4)
print(coroutine.close(co4))

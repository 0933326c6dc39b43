-- The collector as the manual defines it.
print(collectgarbage("isrunning"), collectgarbage("step"), math.type(collectgarbage("count")))
collectgarbage()
local before = collectgarbage("count")
do local t = {} for i = 1, 10000 do t[i] = { i } end end
collectgarbage()
print(collectgarbage("count") - before < 1)
print(type(collectgarbage("incremental")))
local order = {}
for i = 1, 3 do setmetatable({}, { __gc = function() order[#order + 1] = i end }) end
collectgarbage()
print(table.concat(order, " "))
-- a finalizer that prints, during the run
setmetatable({}, { __gc = function() print("finalizer output") end })
collectgarbage()
-- weak tables
local weak = setmetatable({}, { __mode = "k" })
weak[{}] = 1
collectgarbage()
print(next(weak))
-- Memory accounting as stock: what stays in use after a full collection (the test suite's
-- gc.lua checks it within 1 KB) is the same to the byte, the run's thread included.
do
  collectgarbage(); collectgarbage()
  local m = collectgarbage("count")
  local a = setmetatable({}, { __mode = "kv" })
  a[string.rep("a", 2^22)] = 25
  a[string.rep("b", 2^22)] = {}
  a[{}] = 14
  collectgarbage()
  local k = next(a)
  a[k] = nil
  k = nil
  collectgarbage()
  print(next(a), a[string.rep("b", 100)], collectgarbage("count") - m)
end
print(coroutine.wrap(function()
  collectgarbage(); collectgarbage()
  local m = collectgarbage("count")
  local t = {}
  for i = 1, 1000 do t[i] = { i } end
  t = nil
  collectgarbage()
  return collectgarbage("count") - m
end)())

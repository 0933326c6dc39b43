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

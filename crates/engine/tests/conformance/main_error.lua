-- An error that ends the script: the message and traceback stock lua shows.
local t = setmetatable({}, { __index = function(_, k) return k .. "!" end })
print(t.x)
local function level3() local n = nil; return n.field end
local function level2() return (level3()) end
function global_level1() return (level2()) end
print(pcall(global_level1))
print(select(2, xpcall(global_level1, debug.traceback)))
global_level1()

-- oracle: lua5.4
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print(depth(10000))
print(depth(100000))
local function sum(n, acc) if n == 0 then return acc end return sum(n - 1, acc + n) end
print(sum(1000000, 0))
-- unbounded recursion is a Lua error, and the VM goes on afterwards
local function forever(n) return 1 + forever(n + 1) end
local ok, msg = pcall(forever, 1)
print(ok, (msg:gsub("^.-:%d+: ", "")))
-- C stack overflow (metamethods calling themselves) is a Lua error too
local loop = setmetatable({}, { __index = function(t, k) return t[k] end })
local ok2, msg2 = pcall(function() return loop.x end)
print(ok2, msg2:find("stack overflow", 1, true) ~= nil)
-- deeply nested data built and walked recursively
local nested = {}
local cur = nested
for _ = 1, 5000 do cur.next = {}; cur = cur.next end
local function len(t) if not t.next then return 0 end return 1 + len(t.next) end
print(len(nested))
print(depth(50))

-- oracle: lua5.4
local t = {}
for i = 1, 10 do t[#t + 1] = i * i end
print(#t, t[10], table.concat(t, ",", 1, 4))
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, " "))
print(table.unpack({ 1, 2, 3 }))
print(select(-1, "a", "b", "c"), select("#", nil, nil))
local s = "The quick brown fox"
print(s:len(), s:upper(), s:find("quick"), s:match("(%a+) fox"))
for w in s:gmatch("%a+") do io.write(w, ";") end
print()
print(("x"):rep(3, "-"), ("abc"):reverse(), ("  trim  "):match("^%s*(.-)%s*$"))
print(string.pack("<i4", 1):byte(1, -1))
print(string.unpack("<i4", string.pack("<i4", -2)))
goto skip
print("never")
::skip::
local const <const> = 5
print(const * 2)
local mt = { __add = function(a, b) return a.v + b.v end, __eq = function() return true end,
  __lt = function(a, b) return a.v < b.v end, __len = function() return 99 end,
  __call = function(self, x) return "called " .. x end, __concat = function() return "cat" end }
local a, b = setmetatable({ v = 1 }, mt), setmetatable({ v = 2 }, mt)
print(a + b, a == b, a < b, #a, a(5), a .. "x")
local proxy = setmetatable({}, { __index = function(_, k) return k .. "!" end, __newindex = function(t, k, v) rawset(t, k, v * 2) end })
proxy.x = 21
print(proxy.x, proxy.y, rawget(proxy, "y"))
local weak = setmetatable({}, { __mode = "k" })
weak[{}] = 1
collectgarbage()
print(next(weak))
print(math.floor(collectgarbage("count")) > 0)
local varargs = function(...) return select("#", ...), ... end
print(varargs(nil, nil))
print(string.rep("=", 3), ("%d"):format(3))

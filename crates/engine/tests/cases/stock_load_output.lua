-- oracle: lua5.4
-- load with readers, error messages, output bytes and finalizers as stock Lua has them.
print(load(function() error("reader failed") end))
print(load(function() return {} end))
local parts = { "return ", "6 ", "* 7" }
print(load(function() return table.remove(parts, 1) end)())
print(pcall(io.write, {}))
print(pcall(function() io.stdout:write(1, {}) end))
print(pcall(load))
print(pcall(coroutine.isyieldable, 1))
io.write(1, " ", 1.5, " ", -0.0, " ", 2^63, " ", math.mininteger, "\n")
print(1, 1.0, -0.0, 2^53, 1e100, 0.1)
print(setmetatable({}, { __tostring = function() return "custom" end }), (tostring(setmetatable({}, { __name = "Named" })):gsub("0x%x+", "ADDR")))
print("bytes:", "\xff\xfe", "caf\xc3\xa9", "\x7f!")
setmetatable({}, { __gc = function() print("finalized during the run") end })
collectgarbage()
print(os.setlocale("xx_YY"), os.setlocale("C"), os.setlocale(), os.setlocale(nil, "numeric"))
print(os.date("!%Y-%m-%d %H:%M:%S", 1700000000), os.date("!*t", 0).year)
local t = { year = 2020, month = 14, day = 35, hour = 12 }
os.time(t)
print(t.year, t.month, t.day, t.hour, t.yday)

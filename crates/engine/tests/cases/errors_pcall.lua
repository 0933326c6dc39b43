-- oracle: lua5.4
print(pcall(error, "boom"))
print(pcall(error, "boom", 0))
print(pcall(error))
print(pcall(error, nil))
local ok, e = pcall(error, { code = 42 })
print(ok, type(e), e.code)
print(select("#", pcall(function() return 1, 2, 3 end)))
local function lvl2() error("deep", 2) end
local function caller() lvl2() end
print(pcall(caller))
print(pcall(function() local x = nil; return x.field end))
print(pcall(function() return 1 + {} end))
print(pcall(function() return #nil end))
print(pcall(function() return ("x"):bad() end))
-- xpcall: the handler sees the error, its result is returned
print(xpcall(function() error("inner") end, function(m) return "handled: " .. m end))
print(xpcall(function(a, b) return a + b end, print, 2, 3))
local ok2, tb = xpcall(function() error("traced") end, debug.traceback)
print(ok2, tb:match("^[^\n]+"), tb:find("stack traceback:", 1, true) ~= nil)
-- nested protected calls and errors inside error handlers
print(pcall(pcall, error, "x"))
print(xpcall(function() error("a") end, function() error("b") end))
-- error objects with __tostring
local E = setmetatable({}, { __tostring = function() return "custom error" end })
print(select(2, pcall(error, E)) == E)
-- errors thrown through sort comparators and gsub callbacks
print(pcall(table.sort, { 3, 1, 2 }, function() error("in comparator", 0) end))
print(pcall(string.gsub, "abc", "%w", function() error("in gsub", 0) end))
-- to-be-closed variables run on error
local log = {}
print(pcall(function()
  local _ <close> = setmetatable({}, { __close = function(_, err) log[#log + 1] = "closed: " .. tostring(err) end })
  error("with close", 0)
end))
print(log[1])

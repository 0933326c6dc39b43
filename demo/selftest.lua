-- Title: Persistence self-test
-- Runs Moonkeep's persistence scenarios in your browser. The first run sets them up
-- in Memory; reload the page and run this again: each scenario prints PASS or FAIL.
local scenarios = {
  { "a simple function", function(m) return m.double(21) == 42 end },
  { "a function with embedded data (id and timestamp upvalues)", function(m) return m.greet() == m.greeting end },
  { "several functions calling each other", function(m) return m.area(m.square(3)) == 81 end },
  { "standard library references", function(m) return rawequal(m.fmt, string.format) and rawequal(m.lib, math) end },
  { "a counter closure keeps counting", function(m) return m.next() == m.counted + 1 end },
  { "two closures share one upvalue", function(m) m.set(99) return m.get() == 99 end },
  { "cycles and shared references", function(m) return rawequal(m.cycle.self, m.cycle) and rawequal(m.a, m.b) end },
  { "metatables with __index and __tostring", function(m) return m.point:len() == 5 and tostring(m.point) == "(3, 4)" end },
  { "nested mutation through table.insert", function(m) return #m.list == 3 and m.list[3] == "c" end },
  { "a string far beyond 16 KB", function(m) return #m.big == 200000 and m.big:sub(-3) == "xyz" end },
  { "exact numbers", function(m) return math.type(m.int) == "integer" and m.int == math.maxinteger and m.float == 0.1 + 0.2 and 1 / m.nzero < 0 end },
  { "a function whose error names its line", function(m)
      local ok, err = pcall(m.fails)
      return not ok and err:match(":%d+: on purpose$") ~= nil
    end },
}
local m = Memory.selftest
if not m then
  m = {}
  m.double = function(x) return x * 2 end
  local id, stamp = string.format("%08x", math.random(0, 0x7fffffff)), os.time()
  m.greet = function() return "hello from " .. id .. " at " .. stamp end
  m.greeting = m.greet()
  m.square = function(x) return x * x end
  m.area = function(s) return s * s end
  m.fmt, m.lib = string.format, math
  local n = 0
  m.next = function() n = n + 1 return n end
  m.next() m.next()
  m.counted = 2
  local shared
  m.set, m.get = function(v) shared = v end, function() return shared end
  m.cycle = {} m.cycle.self = m.cycle
  local t = { "shared" } m.a, m.b = t, t
  local Point = {
    __index = { len = function(p) return math.sqrt(p.x * p.x + p.y * p.y) end },
    __tostring = function(p) return "(" .. p.x .. ", " .. p.y .. ")" end,
  }
  m.point = setmetatable({ x = 3, y = 4 }, Point)
  m.list = { "a", "b" }
  table.insert(m.list, "c")
  m.big = string.rep("x", 199997) .. "xyz"
  m.int, m.float, m.nzero = math.maxinteger, 0.1 + 0.2, -0.0
  m.fails = function() error("on purpose") end
  Memory.selftest = m
  selftest_this_session = true
  print(#scenarios .. " scenarios set up in Memory. Reload the page, then run this again.")
  return
end
if selftest_this_session then
  print("Reload the page first: the test is about what comes back after a reload.")
  return
end
local passed = 0
for _, s in ipairs(scenarios) do
  local ok, result = pcall(s[2], m)
  local pass = ok and result == true
  if pass then passed = passed + 1 end
  print((pass and "PASS  " or "FAIL  ") .. s[1] .. ((not ok) and (": " .. tostring(result)) or ""))
end
print(passed .. " of " .. #scenarios .. " scenarios passed")
Memory.selftest = nil

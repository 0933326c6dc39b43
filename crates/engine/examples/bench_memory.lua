-- The benchmarks' Memory (memory_bench, history_bench): 100 tables x 100 values of
-- every kind and 1,000 functions, 200 of them closures with upvalues.
local words = { "moon", "keep", "lua", "tide", "ember", "vault", "lantern" }
Memory.items = {}
for i = 1, 100 do
  local t = {}
  for j = 1, 100 do
    local k, v = (i * 31 + j * 17) % 10
    if k < 3 then v = i * 1000 + j
    elseif k < 5 then v = (i * j) / 7
    elseif k < 8 then v = string.rep(words[(i + j) % #words + 1], (i * j) % 40 + 1) .. j
    elseif k < 9 then v = j % 2 == 0
    else v = { x = i, y = j / 3, tag = words[j % #words + 1] }
    end
    if j % 4 == 0 then t["key" .. j] = v else t[j] = v end
  end
  Memory.items[i] = t
end

local ops = { "+", "-", "*", "//", "%" }
Memory.fns = {}
for i = 1, 800 do
  local a, b = i % 13 + 1, i % 7 + 2
  local op1, op2 = ops[i % #ops + 1], ops[(i // 5) % #ops + 1]
  local shape, body = i % 4
  if shape == 0 then
    body = string.format("return function(x) return (x %s %d) %s %d end", op1, a, op2, b + i)
  elseif shape == 1 then
    body = string.format("return function(s) return string.rep(s, %d) .. %q end", a, "tag" .. i)
  elseif shape == 2 then
    body = string.format([[return function(t)
      local n = %d
      for k = 1, #t do n = n + t[k] * %d end
      return n %s %d
    end]], i, a, op2, b)
  else
    body = string.format([[return function(x, y)
      if x > y then return x %s %d end
      return math.max(y, %d), "branch %d"
    end]], op1, i, a, i)
  end
  Memory.fns[i] = load(body, "=fns.lua")()
end

local factories = {
  function(i) local n = i return function() n = n + 1 return n end end,
  function(i) local t = { i, i * 2, "x" .. i } return function(k) return t[k] end end,
  function(i) local name = "closure " .. i return function(s) return name .. s end end,
  function(i) local f = Memory.fns[i] return function(x) return f(x) end end,
  function(i) local lo, hi = i, i * 2 return function(x) return math.max(lo, math.min(hi, x)) end end,
  function(i) local scale, offset = i / 10, -i return function(x) return x * scale + offset end end,
  function(i) local seen = {} return function(k) seen[k] = (seen[k] or 0) + i return seen[k] end end,
  function(i) local a, b = Memory.fns[i], Memory.fns[i + 1] return function(x) return a(x), b(x, x) end end,
  function(i) local parts = { "a", "b", i } return function(sep) return table.concat(parts, sep) end end,
  function(i) local limit = i * 3 return function(n) local s = 0 for k = 1, math.min(n, limit) do s = s + k end return s end end,
}
for i = 1, 200 do
  Memory.fns[800 + i] = factories[i % #factories + 1](i)
end

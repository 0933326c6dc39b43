-- Closures: made in a loop, with shared and private upvalues, passed to higher-order functions.
-- test size: 2000
local function counter()
  local count = 0
  return function(step) count = count + step; return count end
end

local function map(list, f)
  local out = {}
  for i = 1, #list do out[i] = f(list[i]) end
  return out
end

local function fold(list, f, acc)
  for i = 1, #list do acc = f(acc, list[i]) end
  return acc
end

return function(n)
  n = n or 100000
  local sum = 0
  for i = 1, n do
    local next_value = counter()
    local add_i = function(x) return x + i end
    next_value(i % 7)
    sum = (sum + next_value(add_i(3))) % 1000003
  end
  local list = {}
  for i = 1, 100 do list[i] = i end
  for round = 1, n // 100 do
    local scaled = map(list, function(x) return x * round % 1009 end)
    sum = fold(scaled, function(acc, x) return (acc + x) % 1000003 end, sum)
  end
  return sum
end

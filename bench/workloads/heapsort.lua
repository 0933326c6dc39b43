-- Heapsort of 50,000 pseudo-random integers: array reads and writes, comparisons, loops.
-- test size: 2000
local function sift_down(a, root, last)
  local v = a[root]
  while true do
    local child = root * 2
    if child > last then break end
    if child < last and a[child + 1] > a[child] then child = child + 1 end
    if a[child] <= v then break end
    a[root] = a[child]
    root = child
  end
  a[root] = v
end

local function heapsort(a, n)
  for i = n // 2, 1, -1 do sift_down(a, i, n) end
  for last = n, 2, -1 do
    a[1], a[last] = a[last], a[1]
    sift_down(a, 1, last - 1)
  end
end

return function(n)
  n = n or 50000
  local a, seed = {}, 42
  for i = 1, n do
    seed = (seed * 3877 + 29573) % 139968 -- products stay below 2^31
    a[i] = seed
  end
  heapsort(a, n)
  local sum = 0
  for i = 1, n do
    if i > 1 and a[i - 1] > a[i] then error("not sorted at " .. i) end
    sum = (sum * 31 + a[i]) % 1000003
  end
  return sum
end

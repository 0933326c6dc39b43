-- string.dump + load: serialize a function to bytecode and load it back, then call it.
-- test size: 200
local function checksum(list, seed)
  local h = seed
  for i = 1, #list do
    local v = list[i]
    if v % 2 == 0 then h = (h * 31 + v) % 1000003 else h = (h * 17 + v * 3) % 1000003 end
  end
  return h
end

return function(n)
  n = n or 10000
  local list = {}
  for i = 1, 20 do list[i] = i * i end
  local sum = 0
  for i = 1, n do
    local bytes = string.dump(checksum, i % 2 == 0) -- stripped every other time
    local f = assert(load(bytes, "=checksum", "b"))
    sum = (sum + f(list, i)) % 1000003
  end
  return sum
end

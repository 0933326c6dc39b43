-- Table creation: small records, arrays and nested tables made and dropped (allocation and GC).
-- test size: 2000
return function(n)
  n = n or 100000
  local sum, recent = 0, {}
  for i = 1, n do
    local point = { x = i, y = i % 97, tag = "p" }
    local triple = { i, i + 1, i + 2 }
    local node = { value = point, items = triple }
    recent[i % 64 + 1] = node -- a few survive a while, most die young
    sum = (sum + node.value.y + #node.items + triple[3] % 13) % 1000003
  end
  local list = {}
  for i = 1, n // 10 do table.insert(list, { i }) end
  while #list > n // 20 do sum = (sum + table.remove(list)[1]) % 1000003 end
  return sum + #recent
end

-- Strings and tables: build 100,000 records (or n), format and concatenate, sort, look up.
-- test size: 2000
return function(n)
  local records = {}
  for i = 1, n or 100000 do
    records[i] = { id = i, name = "item" .. i, score = (i * 7919) % 1000 }
  end
  table.sort(records, function(a, b)
    if a.score ~= b.score then return a.score < b.score end
    return a.id < b.id
  end)
  local parts = {}
  for i = 1, #records, 10 do
    local r = records[i]
    parts[#parts + 1] = string.format("%s=%d", r.name, r.score)
  end
  local text = table.concat(parts, ",")
  local index = {}
  for _, r in ipairs(records) do index[r.name] = r end
  local hits = 0
  for word in text:gmatch("(item%d+)=") do
    if index[word] then hits = hits + 1 end
  end
  return #text + hits + records[1].id
end

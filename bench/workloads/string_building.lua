-- String building: format, rep, concatenation with .. and table.concat, upper, gsub, byte.
-- test size: 2000
return function(n)
  n = n or 25000
  local parts = {}
  for i = 1, n do
    parts[#parts + 1] = string.format("%05d:%s", i, string.rep("ab", i % 8))
  end
  local text = table.concat(parts, ";")
  -- Growing a string with .. copies it each time: kept short so it stays linear-ish.
  local line = ""
  for i = 1, n do
    line = line .. string.char(97 + i % 26)
    if #line >= 200 then text, line = text .. line, "" end
  end
  local replaced, count = text:upper():gsub("AB", "x")
  local hash = 0
  for i = 1, #replaced, 7 do hash = (hash * 31 + replaced:byte(i)) % 1000003 end
  return (hash + count + #text) % 1000003
end

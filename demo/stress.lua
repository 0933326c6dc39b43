-- Title: Memory size stress test
-- Thousands of values of mixed types and sizes (integers, floats, strings up to
-- 64 KB, nested tables, closures). The first run builds them; every later run, after
-- a reload too, checks they came back intact. The status bar shows how long saving
-- and restoring took.
local function checksum(t, seen)
  seen = seen or {}
  if seen[t] then return 0 end
  seen[t] = true
  local sum = 0
  for k, v in pairs(t) do
    local kind = type(v)
    if kind == "number" then sum = sum + v * 3
    elseif kind == "string" then sum = sum + #v + v:byte(1) + v:byte(-1)
    elseif kind == "table" then sum = sum + checksum(v, seen)
    elseif kind == "function" then sum = sum + v()
    end
    if type(k) == "number" then sum = sum + k end
  end
  return sum
end
if not Memory.stress then
  local items = {}
  for i = 1, 5000 do
    local kind = i % 5
    if kind == 0 then items[i] = i * 7
    elseif kind == 1 then items[i] = i / 8
    elseif kind == 2 then items[i] = string.rep(string.char(65 + i % 26), (i * 37) % 65536 + 1)
    elseif kind == 3 then items[i] = { i, tostring(i), { depth = i % 9 } }
    else
      local captured = i
      items[i] = function() return captured end
    end
  end
  Memory.stress = items
  Memory.stress_checksum = checksum(items)
  print("built 5000 values; Memory is saved after this run")
end
local bytes = 0
for _, v in ipairs(Memory.stress) do
  if type(v) == "string" then bytes = bytes + #v end
end
print(string.format("%d values, %.1f MB of strings", #Memory.stress, bytes / 1e6))
print("intact: " .. tostring(checksum(Memory.stress) == Memory.stress_checksum))

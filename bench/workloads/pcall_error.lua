-- pcall and error: raising strings, tables and numbers, runtime errors, xpcall with a handler.
-- Only error values the scripts chose are summed: runtime messages name the chunk,
-- which differs between engines.
-- test size: 2000
local function step(i)
  local kind = i % 4
  if kind == 0 then error({ code = i % 7 }) end
  if kind == 1 then error("odd", 0) end
  if kind == 2 then return i % 11 end
  local missing
  return missing + i -- a runtime error
end

local function double(message) return message * 2 end

return function(n)
  n = n or 100000
  local sum = 0
  for i = 1, n do
    local ok, value = pcall(step, i)
    if ok then
      sum = sum + value
    elseif type(value) == "table" then
      sum = sum + value.code
    elseif value == "odd" then
      sum = sum + 3
    else
      sum = sum + 1
    end
  end
  for i = 1, n // 10 do
    local _, value = xpcall(function()
      local _, inner = pcall(error, i % 100, 0)
      error(inner + 1, 0)
    end, double)
    sum = (sum + value) % 1000003
  end
  return sum % 1000003
end

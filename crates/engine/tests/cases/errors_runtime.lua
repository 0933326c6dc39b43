local t = {}
local function explode(n)
  error("boom " .. n)
end
explode(7)

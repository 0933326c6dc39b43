-- oracle: lua5.4
local gen = coroutine.wrap(function()
  for i = 1, 3 do coroutine.yield(i) end
  return "done"
end)
print(gen(), gen(), gen(), gen())
local co = coroutine.create(function(a, b)
  local c = coroutine.yield(a + b)
  local d, e = coroutine.yield(c * 2)
  return d + e
end)
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4))
print(coroutine.status(co), coroutine.resume(co))
-- errors inside coroutines come back from resume
local bad = coroutine.create(function() error("inside", 0) end)
print(coroutine.resume(bad))
print(coroutine.status(bad))
-- yield across pcall
local across = coroutine.wrap(function()
  local ok, v = pcall(function() return coroutine.yield("paused") + 1 end)
  return ok, v
end)
print(across())
print(across(41))
-- running, isyieldable, close
print(coroutine.isyieldable(), select(2, coroutine.running()))
local closable = coroutine.create(function() coroutine.yield() end)
coroutine.resume(closable)
print(coroutine.close(closable), coroutine.status(closable))
-- many coroutines alive at once
local all = {}
for i = 1, 1000 do
  all[i] = coroutine.wrap(function() local n = i; while true do coroutine.yield(n); n = n + 1000 end end)
end
local sum = 0
for _ = 1, 3 do for i = 1, 1000 do sum = sum + all[i]() end end
print(sum)

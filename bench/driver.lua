-- Times one workload: a number of timed calls after one warm-up, median in milliseconds.
-- The same text runs in every engine compared (Moonkeep natively and in Chromium,
-- stock lua5.4); the bench scripts fill in the two @-delimited placeholders.
local work = (function()
@WORKLOAD@
end)()
local times, result = {}, nil
for i = 0, @RUNS@ do
  local t0 = os.clock()
  result = work()
  local dt = os.clock() - t0
  if i > 0 then times[#times + 1] = dt end
end
table.sort(times)
return string.format("%.3f", times[(#times + 1) // 2] * 1000), tostring(result)

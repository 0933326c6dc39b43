-- Times one workload: a number of timed calls after one warm-up, median in milliseconds.
-- The same text runs in every engine `make bench` compares (Moonkeep natively and in
-- Chromium, stock lua5.4); the bench scripts fill in the two @-delimited placeholders.
-- The workloads also run in wasmoon and fengari (`make bench-compare`, through
-- compare/repeat.lua). A workload returns function(n): n is its size, nil for the
-- benchmark's; the result is an integer below 2^31 (fengari's integers are 32-bit), the
-- same in Lua 5.3 (fengari) and 5.4, and never depends on a chunk name. Its
-- `-- test size: N` line is the size crates/engine/tests/workloads.rs checks against
-- stock lua5.4.
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

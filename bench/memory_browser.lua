-- The Memory of the persistence benchmark, built in the page: 100 tables of 100 values
-- (numbers and strings of varied length) and 1,000 functions, 200 of them closures
-- with upvalues (the same shape as crates/engine/examples/memory_bench.rs).
Memory.items = {}
for i = 1, 100 do
  local t = {}
  for j = 1, 100 do
    if j % 3 == 0 then t[j] = string.rep(string.char(97 + (i + j) % 26), (i * j) % 40 + 1)
    elseif j % 3 == 1 then t[j] = i * j + 0.5
    else t[j] = i * 1000 + j end
  end
  Memory.items[i] = t
end
Memory.fns = {}
for i = 1, 800 do
  Memory.fns[i] = load("return function(x) return x * " .. i .. " + " .. (i % 7) .. " end")()
end
for i = 801, 1000 do
  local count, label = i, "counter " .. i
  Memory.fns[i] = function(step) count = count + (step or 1) return label, count end
end
return "built"
